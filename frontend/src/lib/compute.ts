/**
 * Compute and progress figures for forms and bars, in integer arithmetic only:
 * GPU-hours typed in a form → whole GPU-minutes, basis points → percentages, and the
 * dates of a delivery window. (GPU-minutes → "1.5 GPU-h" is `formatGpuHours` in
 * ./money.ts.)
 */
import { decimalSeparator, scaledDecimal, type IntegerAmount } from "./money";

/** The most GPU-minutes one pledge or report may carry (the API's `maximum`, 10^12). */
export const MAX_GPU_MINUTES = 10n ** 12n;

export type HoursError =
  | "required"
  | "format"
  | "too_many_decimals"
  | "not_positive"
  | "not_whole_minutes"
  | "too_large";

export type ParsedMinutes = { ok: true; minutes: bigint } | { ok: false; error: HoursError };

function compact(text: string): string {
  // Spaces (also the narrow no-break space some locales group with) are dropped.
  return text.replace(/[\s\u00a0\u202f]/g, "");
}

/**
 * GPU-hours typed in a form ("1.5", "12", "0.05", "2,25" where the locale writes a
 * decimal comma) → whole GPU-minutes, exactly: "1.5" → 90, "0.05" → 3.
 *
 * At most two decimals. A hundredth of an hour is 0.6 minutes, so the hours must be a
 * multiple of 0.05 (3 minutes): minutes = hundredths × 60 / 100 = hundredths / 5 × 3,
 * and hundredths not divisible by 5 are refused (`not_whole_minutes`: "0.01") rather
 * than rounded, as the server does (`GpuMinutes::parse_hours`).
 */
export function parseGpuHours(text: string, locale?: string): ParsedMinutes {
  const typed = compact(text);
  if (!typed) return { ok: false, error: "required" };
  const normalised = decimalSeparator(locale) === "," ? typed.replace(",", ".") : typed;
  const match = /^(\d+)(?:\.(\d*))?$/.exec(normalised);
  if (!match) return { ok: false, error: "format" };
  const fraction = (match[2] ?? "").replace(/0+$/, "");
  if (fraction.length > 2) return { ok: false, error: "too_many_decimals" };
  const hundredths = BigInt((match[1] ?? "0") + fraction.padEnd(2, "0"));
  if (hundredths <= 0n) return { ok: false, error: "not_positive" };
  if (hundredths % 5n !== 0n) return { ok: false, error: "not_whole_minutes" };
  const minutes = (hundredths / 5n) * 3n;
  if (minutes > MAX_GPU_MINUTES) return { ok: false, error: "too_large" };
  return { ok: true, minutes };
}

/** Whole GPU-minutes typed in a form ("90") → minutes; no decimals, above zero. */
export function parseGpuMinutes(text: string): ParsedMinutes {
  const typed = compact(text);
  if (!typed) return { ok: false, error: "required" };
  if (/^\d+[.,]\d*$/.test(typed)) return { ok: false, error: "not_whole_minutes" };
  if (!/^\d+$/.test(typed)) return { ok: false, error: "format" };
  const minutes = BigInt(typed);
  if (minutes <= 0n) return { ok: false, error: "not_positive" };
  if (minutes > MAX_GPU_MINUTES) return { ok: false, error: "too_large" };
  return { ok: true, minutes };
}

/** What a form says for refused hours (or minutes, with `unit: "minutes"`). */
export function hoursErrorMessage(error: HoursError, unit: "hours" | "minutes" = "hours"): string {
  switch (error) {
    case "required":
      return unit === "hours" ? "Enter the GPU-hours." : "Enter the GPU-minutes.";
    case "format":
      return unit === "hours"
        ? "Enter a number of GPU-hours, like 12 or 1.5."
        : "Enter a whole number of GPU-minutes, like 90.";
    case "too_many_decimals":
      return "Use at most two decimals, like 1.25.";
    case "not_positive":
      return "Enter more than zero.";
    case "not_whole_minutes":
      return unit === "hours"
        ? "That is not a whole number of minutes: use a multiple of 0.05 hours (3 minutes), like 1.5 or 0.25."
        : "Enter whole minutes, without decimals.";
    case "too_large":
      return "That is more than this site accepts at once (a trillion GPU-minutes).";
  }
}

/**
 * Basis points (1/100 of a percent, as the API gives progress) → an exact decimal
 * string of percent: 4567 → "45.67", 10000 → "100", 5 → "0.05", 4550 → "45.5".
 */
export function basisPointsDecimal(bp: IntegerAmount): string {
  return scaledDecimal(bp, 2).replace(/\.?0+$/, "") || "0";
}

const percentFormats = new Map<string, Intl.NumberFormat>();

/**
 * Basis points → "45.67%" in the visitor's locale (or `locale`). Intl formats the
 * exact decimal string (4567 bp = "0.4567"), so nothing passes through a float.
 */
export function formatBasisPoints(bp: IntegerAmount, opts: { locale?: string } = {}): string {
  const key = opts.locale ?? "";
  let format = percentFormats.get(key);
  if (!format) {
    format = new Intl.NumberFormat(opts.locale, { style: "percent", maximumFractionDigits: 2 });
    percentFormats.set(key, format);
  }
  return format.format(scaledDecimal(bp, 4) as unknown as number);
}

/** Basis points clamped to the bar's range, 0–10000 (a part may pass its target). */
export function clampBasisPoints(bp: IntegerAmount): bigint {
  const n = typeof bp === "bigint" ? bp : BigInt(bp);
  return n < 0n ? 0n : n > 10000n ? 10000n : n;
}

/** Today's date in UTC as `YYYY-MM-DD` (what `<input type="date">` holds). */
export function utcDate(now: Date = new Date()): string {
  return now.toISOString().slice(0, 10);
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** Whether `text` is a real calendar date `YYYY-MM-DD` (not 2026-02-30). */
export function isDate(text: string): boolean {
  if (!DATE.test(text)) return false;
  const parsed = new Date(`${text}T00:00:00Z`);
  return !Number.isNaN(parsed.getTime()) && parsed.toISOString().slice(0, 10) === text;
}

/** A delivery window's first day → the instant it opens: 00:00:00 UTC that day. */
export function windowStartInstant(date: string): string {
  return `${date}T00:00:00Z`;
}

/** A delivery window's last day → the instant it closes: 23:59:59 UTC that day. */
export function windowEndInstant(date: string): string {
  return `${date}T23:59:59Z`;
}
