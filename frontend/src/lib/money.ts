/**
 * Money and compute amounts: typed decimals → integer minor units, and minor units →
 * text, without floating point anywhere. Amounts travel as integer minor units
 * (`{"currency": "USD", "amount_minor": 150000}`) and GPU-minutes; here they become
 * exact decimal strings (BigInt arithmetic) that `Intl.NumberFormat` formats as is.
 */

/** The largest amount the API takes: 10^13 minor units (see `MoneyInput` in the schema). */
export const MAX_AMOUNT_MINOR = 10n ** 13n;

const exponents = new Map<string, number>();

/**
 * Digits after the decimal point for `currency` (JPY 0, USD 2, KWD 3), as the
 * browser's `Intl` knows them. Throws a RangeError for a malformed code.
 */
export function currencyExponent(currency: string): number {
  const known = exponents.get(currency);
  if (known !== undefined) return known;
  const digits = new Intl.NumberFormat(undefined, { style: "currency", currency }).resolvedOptions()
    .maximumFractionDigits;
  // resolvedOptions() is typed as number | undefined in some lib versions.
  const exponent = digits ?? 2;
  exponents.set(currency, exponent);
  return exponent;
}

/** An integer amount as the API sends it (a JSON number) or as a BigInt. */
export type IntegerAmount = number | bigint;

function toBigInt(value: IntegerAmount): bigint {
  if (typeof value === "bigint") return value;
  if (!Number.isSafeInteger(value)) throw new RangeError(`not a safe integer: ${value}`);
  return BigInt(value);
}

/**
 * `units` scaled down by 10^`exponent`, as an exact decimal string:
 * (150000, 2) → "1500.00", (-5, 3) → "-0.005", (150, 0) → "150".
 */
export function scaledDecimal(units: IntegerAmount, exponent: number): string {
  const n = toBigInt(units);
  const negative = n < 0n;
  const digits = (negative ? -n : n).toString().padStart(exponent + 1, "0");
  const whole = digits.slice(0, digits.length - exponent);
  const fraction = exponent > 0 ? `.${digits.slice(digits.length - exponent)}` : "";
  return `${negative ? "-" : ""}${whole}${fraction}`;
}

/** Minor units → an exact decimal string in major units: (150000, "USD") → "1500.00". */
export function minorToDecimal(amountMinor: IntegerAmount, currency: string): string {
  return scaledDecimal(amountMinor, currencyExponent(currency));
}

// Intl.NumberFormat formats a decimal string exactly (ECMA-402 "NumberFormat v3",
// in every current browser and Node 20); TypeScript's ES2022 lib only declares numbers.
function formatDecimalString(format: Intl.NumberFormat, decimal: string): string {
  return format.format(decimal as unknown as number);
}

const moneyFormats = new Map<string, Intl.NumberFormat>();

function moneyFormat(currency: string, locale: string | undefined, signed: boolean) {
  const key = `${locale ?? ""}|${currency}|${signed}`;
  let format = moneyFormats.get(key);
  if (!format) {
    const digits = currencyExponent(currency);
    format = new Intl.NumberFormat(locale, {
      style: "currency",
      currency,
      minimumFractionDigits: digits,
      maximumFractionDigits: digits,
      signDisplay: signed ? "exceptZero" : "auto",
    });
    moneyFormats.set(key, format);
  }
  return format;
}

export interface MoneyLike {
  currency: string;
  amount_minor: IntegerAmount;
}

/**
 * The one money formatter: `{currency: "USD", amount_minor: 150000}` → "$1,500.00"
 * (in the visitor's locale unless `locale` is given). `signed` shows "+" on credits.
 */
export function formatMoney(
  money: MoneyLike,
  opts: { locale?: string; signed?: boolean } = {},
): string {
  const decimal = minorToDecimal(money.amount_minor, money.currency);
  return formatDecimalString(moneyFormat(money.currency, opts.locale, opts.signed ?? false), decimal);
}

/**
 * GPU-minutes → GPU-hours as a decimal string, rounded half up to hundredths of an hour
 * (trailing zeros dropped): 90 → "1.5", 60000 → "1000", 1 → "0.02", 100 → "1.67".
 */
export function gpuHoursDecimal(gpuMinutes: IntegerAmount): string {
  const minutes = toBigInt(gpuMinutes);
  const negative = minutes < 0n;
  const abs = negative ? -minutes : minutes;
  const hundredths = (abs * 100n + 30n) / 60n;
  const text = scaledDecimal(hundredths, 2).replace(/\.?0+$/, "");
  return negative && text !== "0" ? `-${text}` : text;
}

const hourFormats = new Map<string, Intl.NumberFormat>();

/** GPU-minutes → "1.5 GPU-h" (grouped per locale: 60000000 → "1,000,000 GPU-h"). */
export function formatGpuHours(gpuMinutes: IntegerAmount, opts: { locale?: string } = {}): string {
  const key = opts.locale ?? "";
  let format = hourFormats.get(key);
  if (!format) {
    format = new Intl.NumberFormat(opts.locale, { maximumFractionDigits: 2 });
    hourFormats.set(key, format);
  }
  return `${formatDecimalString(format, gpuHoursDecimal(gpuMinutes))} GPU-h`;
}

/** The accelerator of a compute commodity (`GPU:H100-80GB` → `H100-80GB`), else null. */
export function acceleratorOf(commodity: string): string | null {
  return commodity.startsWith("GPU:") ? commodity.slice(4) : null;
}

/**
 * A ledger amount of any commodity in words: money per its currency, compute in
 * GPU-hours with its accelerator ("1.5 GPU-h H100-80GB").
 */
export function formatCommodity(
  commodity: string,
  amount: IntegerAmount,
  opts: { locale?: string; signed?: boolean } = {},
): string {
  const accelerator = acceleratorOf(commodity);
  if (accelerator !== null) {
    const hours = formatGpuHours(amount, opts);
    const sign = opts.signed && toBigInt(amount) > 0n ? "+" : "";
    return `${sign}${hours} ${accelerator}`;
  }
  return formatMoney({ currency: commodity, amount_minor: amount }, opts);
}

export type AmountError = "required" | "format" | "too_many_decimals" | "not_positive" | "too_large";

export type ParsedAmount = { ok: true; minor: bigint } | { ok: false; error: AmountError };

/**
 * A typed amount in major units ("12.50", "1 000", "12,5" where the locale writes a
 * decimal comma) → integer minor units of a currency with `exponent` decimals, exactly.
 * Refuses more decimals than the currency has, zero, and more than the API's maximum.
 */
export function parseAmount(text: string, exponent: number, locale?: string): ParsedAmount {
  // Spaces (also the narrow no-break space some locales group with) are dropped.
  const compact = text.replace(/[\s\u00a0\u202f]/g, "");
  if (!compact) return { ok: false, error: "required" };
  const comma = decimalSeparator(locale) === ",";
  const normalised = comma ? compact.replace(",", ".") : compact;
  const match = /^(\d+)(?:\.(\d*))?$/.exec(normalised);
  if (!match) return { ok: false, error: "format" };
  const whole = match[1] ?? "0";
  const fraction = (match[2] ?? "").replace(/0+$/, "");
  if (fraction.length > exponent) return { ok: false, error: "too_many_decimals" };
  const minor = BigInt(whole + fraction.padEnd(exponent, "0"));
  if (minor <= 0n) return { ok: false, error: "not_positive" };
  if (minor > MAX_AMOUNT_MINOR) return { ok: false, error: "too_large" };
  return { ok: true, minor };
}

/** "." or "," — how `locale` writes the decimal point. */
export function decimalSeparator(locale?: string): string {
  const part = new Intl.NumberFormat(locale).formatToParts(1.5).find((p) => p.type === "decimal");
  return part?.value ?? ".";
}

/** What a form says for a refused amount. */
export function amountErrorMessage(error: AmountError, currency: string): string {
  const exponent = currencyExponent(currency);
  switch (error) {
    case "required":
      return "Enter an amount.";
    case "format":
      return exponent === 0
        ? `Enter a whole number of ${currency}, like 1500.`
        : `Enter an amount in ${currency}, like 12.${"5".padEnd(exponent, "0")}.`;
    case "too_many_decimals":
      return exponent === 0
        ? `${currency} has no minor unit: enter a whole number.`
        : `${currency} has ${exponent} decimal places at most.`;
    case "not_positive":
      return "Enter an amount above zero.";
    case "too_large":
      return `That is more than this site accepts in one pledge (${formatMoney({
        currency,
        amount_minor: MAX_AMOUNT_MINOR,
      })}).`;
  }
}

/**
 * Sums of integer amounts per key (currency or commodity), as BigInts so that no total
 * loses precision. Keys keep their first-seen order.
 */
export function totalsBy<T>(
  items: readonly T[],
  key: (item: T) => string | null,
  amount: (item: T) => IntegerAmount,
): Map<string, bigint> {
  const totals = new Map<string, bigint>();
  for (const item of items) {
    const k = key(item);
    if (k === null) continue;
    totals.set(k, (totals.get(k) ?? 0n) + toBigInt(amount(item)));
  }
  return totals;
}
