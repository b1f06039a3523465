import { describe, expect, it } from "vitest";
import {
  currencyExponent,
  formatCommodity,
  formatGpuHours,
  formatMoney,
  gpuHoursDecimal,
  minorToDecimal,
  parseAmount,
  scaledDecimal,
  totalsBy,
} from "./money";

describe("currency exponents", () => {
  it("come from Intl: JPY 0, USD 2, KWD 3", () => {
    expect(currencyExponent("JPY")).toBe(0);
    expect(currencyExponent("USD")).toBe(2);
    expect(currencyExponent("KWD")).toBe(3);
  });
});

describe("minor units to exact decimals", () => {
  it("scales without floats", () => {
    expect(minorToDecimal(150000, "USD")).toBe("1500.00");
    expect(minorToDecimal(5, "USD")).toBe("0.05");
    expect(minorToDecimal(-5, "KWD")).toBe("-0.005");
    expect(minorToDecimal(150, "JPY")).toBe("150");
    expect(minorToDecimal(0, "KWD")).toBe("0.000");
    // 0.1 + 0.2 style errors cannot happen: 10^13 + 1 minor units stay exact.
    expect(minorToDecimal(10_000_000_000_001, "USD")).toBe("100000000000.01");
    expect(scaledDecimal(123456789012345678901234567890n, 3)).toBe(
      "123456789012345678901234567.890",
    );
  });

  it("refuses amounts a JSON number cannot hold exactly", () => {
    expect(() => minorToDecimal(2 ** 53 + 2, "USD")).toThrow(RangeError);
  });
});

describe("formatMoney", () => {
  it("formats JPY, USD and KWD with their own decimals", () => {
    expect(formatMoney({ currency: "USD", amount_minor: 150000 }, { locale: "en-US" })).toBe(
      "$1,500.00",
    );
    expect(formatMoney({ currency: "JPY", amount_minor: 1500 }, { locale: "en-US" })).toBe(
      "¥1,500",
    );
    expect(formatMoney({ currency: "KWD", amount_minor: 1234 }, { locale: "en-US" })).toBe(
      "KWD\u00a01.234",
    );
    expect(formatMoney({ currency: "USD", amount_minor: -250 }, { locale: "en-US" })).toBe(
      "-$2.50",
    );
    expect(
      formatMoney({ currency: "USD", amount_minor: 250 }, { locale: "en-US", signed: true }),
    ).toBe("+$2.50");
  });

  it("formats large values exactly (10^13 minor units and beyond)", () => {
    expect(formatMoney({ currency: "USD", amount_minor: 10 ** 13 }, { locale: "en-US" })).toBe(
      "$100,000,000,000.00",
    );
    expect(formatMoney({ currency: "JPY", amount_minor: 10 ** 13 }, { locale: "en-US" })).toBe(
      "¥10,000,000,000,000",
    );
    expect(formatMoney({ currency: "KWD", amount_minor: 10 ** 13 + 1 }, { locale: "en-US" })).toBe(
      "KWD\u00a010,000,000,000.001",
    );
    // A total of many such amounts, past 2^53, as a BigInt.
    expect(
      formatMoney({ currency: "USD", amount_minor: 9_007_199_254_740_993n }, { locale: "en-US" }),
    ).toBe("$90,071,992,547,409.93");
  });

  it("follows the locale", () => {
    expect(formatMoney({ currency: "EUR", amount_minor: 123456 }, { locale: "de-DE" })).toBe(
      "1.234,56\u00a0€",
    );
  });
});

describe("GPU-hours", () => {
  it("turns minutes into hours as exact decimal strings", () => {
    expect(gpuHoursDecimal(90)).toBe("1.5");
    expect(gpuHoursDecimal(60)).toBe("1");
    expect(gpuHoursDecimal(60000)).toBe("1000");
    expect(gpuHoursDecimal(0)).toBe("0");
    expect(gpuHoursDecimal(15)).toBe("0.25");
    // Not a terminating decimal: rounded half up to hundredths.
    expect(gpuHoursDecimal(100)).toBe("1.67");
    expect(gpuHoursDecimal(1)).toBe("0.02");
    expect(gpuHoursDecimal(-90)).toBe("-1.5");
    expect(gpuHoursDecimal(10n ** 13n + 30n)).toBe("166666666667.17");
  });

  it("formats with a unit", () => {
    expect(formatGpuHours(90, { locale: "en-US" })).toBe("1.5 GPU-h");
    expect(formatGpuHours(60_000_000, { locale: "en-US" })).toBe("1,000,000 GPU-h");
    expect(formatCommodity("GPU:H100-80GB", 90, { locale: "en-US" })).toBe("1.5 GPU-h H100-80GB");
    expect(formatCommodity("GPU:H100-80GB", 90, { locale: "en-US", signed: true })).toBe(
      "+1.5 GPU-h H100-80GB",
    );
    expect(formatCommodity("USD", 199, { locale: "en-US" })).toBe("$1.99");
  });
});

describe("parseAmount", () => {
  it("parses typed decimals into minor units without floats", () => {
    expect(parseAmount("12.50", 2)).toEqual({ ok: true, minor: 1250n });
    expect(parseAmount("12.5", 2)).toEqual({ ok: true, minor: 1250n });
    expect(parseAmount("0.29", 2)).toEqual({ ok: true, minor: 29n });
    expect(parseAmount("1 500", 0)).toEqual({ ok: true, minor: 1500n });
    expect(parseAmount("1500.0", 0)).toEqual({ ok: true, minor: 1500n });
    expect(parseAmount("1.234", 3)).toEqual({ ok: true, minor: 1234n });
    expect(parseAmount("100000000000", 2)).toEqual({ ok: true, minor: 10n ** 13n });
  });

  it("refuses what is not an amount", () => {
    expect(parseAmount("", 2)).toEqual({ ok: false, error: "required" });
    expect(parseAmount("abc", 2)).toEqual({ ok: false, error: "format" });
    expect(parseAmount("-5", 2)).toEqual({ ok: false, error: "format" });
    expect(parseAmount("1e3", 2)).toEqual({ ok: false, error: "format" });
    expect(parseAmount("1,234.50", 2, "en-US")).toEqual({ ok: false, error: "format" });
    expect(parseAmount("12.345", 2)).toEqual({ ok: false, error: "too_many_decimals" });
    expect(parseAmount("1.5", 0)).toEqual({ ok: false, error: "too_many_decimals" });
    expect(parseAmount("0.00", 2)).toEqual({ ok: false, error: "not_positive" });
    expect(parseAmount("100000000000.01", 2)).toEqual({ ok: false, error: "too_large" });
  });

  it("takes a decimal comma where the locale writes one", () => {
    expect(parseAmount("12,5", 2, "de-DE")).toEqual({ ok: true, minor: 1250n });
    expect(parseAmount("12.5", 2, "de-DE")).toEqual({ ok: true, minor: 1250n });
  });
});

describe("totalsBy", () => {
  it("sums per key as BigInts", () => {
    const totals = totalsBy(
      [
        { c: "USD", a: 2 ** 52 },
        { c: "USD", a: 2 ** 52 },
        { c: "JPY", a: 5 },
      ],
      (x) => x.c,
      (x) => x.a,
    );
    expect(totals.get("USD")).toBe(2n ** 53n);
    expect(totals.get("JPY")).toBe(5n);
  });
});
