import { describe, expect, it } from "vitest";
import {
  basisPointsDecimal,
  clampBasisPoints,
  formatBasisPoints,
  hoursErrorMessage,
  isDate,
  MAX_GPU_MINUTES,
  parseGpuHours,
  parseGpuMinutes,
  utcDate,
  windowEndInstant,
  windowStartInstant,
} from "./compute";
import { gpuHoursDecimal } from "./money";

const ok = (minutes: bigint) => ({ ok: true, minutes });
const bad = (error: string) => ({ ok: false, error });

describe("GPU-hours typed in a form → whole GPU-minutes", () => {
  it("converts exactly, with integer arithmetic", () => {
    expect(parseGpuHours("1.5", "en")).toEqual(ok(90n));
    expect(parseGpuHours("12", "en")).toEqual(ok(720n));
    expect(parseGpuHours("0.05", "en")).toEqual(ok(3n));
    expect(parseGpuHours("0.25", "en")).toEqual(ok(15n));
    expect(parseGpuHours("12.25", "en")).toEqual(ok(735n));
    expect(parseGpuHours("1000", "en")).toEqual(ok(60000n));
    expect(parseGpuHours("1.50", "en")).toEqual(ok(90n));
    expect(parseGpuHours(" 1 000 ", "en")).toEqual(ok(60000n));
    expect(parseGpuHours("3.", "en")).toEqual(ok(180n));
  });

  it("refuses hours that are not whole minutes instead of rounding them", () => {
    // 0.01 h = 0.6 min; 1.33 h = 79.8 min.
    expect(parseGpuHours("0.01", "en")).toEqual(bad("not_whole_minutes"));
    expect(parseGpuHours("1.33", "en")).toEqual(bad("not_whole_minutes"));
    expect(parseGpuHours("0.1", "en")).toEqual(ok(6n));
  });

  it("refuses empty, malformed, three decimals, zero and too much", () => {
    expect(parseGpuHours("", "en")).toEqual(bad("required"));
    expect(parseGpuHours("   ", "en")).toEqual(bad("required"));
    expect(parseGpuHours("abc", "en")).toEqual(bad("format"));
    expect(parseGpuHours("-1", "en")).toEqual(bad("format"));
    expect(parseGpuHours("1e3", "en")).toEqual(bad("format"));
    expect(parseGpuHours(".5", "en")).toEqual(bad("format"));
    expect(parseGpuHours("1.234", "en")).toEqual(bad("too_many_decimals"));
    expect(parseGpuHours("1.2300", "en")).toEqual(bad("not_whole_minutes"));
    expect(parseGpuHours("0", "en")).toEqual(bad("not_positive"));
    expect(parseGpuHours("0.00", "en")).toEqual(bad("not_positive"));
    // 10^12 minutes = 16,666,666,666.66… hours; the next 0.05 h step past it is too much.
    expect(parseGpuHours("16666666666.65", "en")).toEqual(ok(999_999_999_999n));
    expect(parseGpuHours("16666666666.7", "en")).toEqual(bad("too_large"));
    expect(parseGpuHours("99999999999999999999", "en")).toEqual(bad("too_large"));
  });

  it("reads a decimal comma where the locale writes one", () => {
    expect(parseGpuHours("1,5", "de-DE")).toEqual(ok(90n));
    expect(parseGpuHours("1,5", "en")).toEqual(bad("format"));
  });

  it("round-trips through the GPU-hours display", () => {
    for (const text of ["1.5", "12.25", "0.05", "1000", "0.35"]) {
      const parsed = parseGpuHours(text, "en");
      expect(parsed.ok).toBe(true);
      if (parsed.ok) expect(gpuHoursDecimal(parsed.minutes)).toBe(text);
    }
  });
});

describe("GPU-minutes typed in a form", () => {
  it("takes whole minutes only", () => {
    expect(parseGpuMinutes("90")).toEqual(ok(90n));
    expect(parseGpuMinutes("1.5")).toEqual(bad("not_whole_minutes"));
    expect(parseGpuMinutes("x")).toEqual(bad("format"));
    expect(parseGpuMinutes("")).toEqual(bad("required"));
    expect(parseGpuMinutes("0")).toEqual(bad("not_positive"));
    expect(parseGpuMinutes(String(MAX_GPU_MINUTES))).toEqual(ok(MAX_GPU_MINUTES));
    expect(parseGpuMinutes(String(MAX_GPU_MINUTES + 1n))).toEqual(bad("too_large"));
  });

  it("has words for every refusal", () => {
    expect(hoursErrorMessage("not_whole_minutes")).toMatch(/0\.05 hours/);
    expect(hoursErrorMessage("format", "minutes")).toMatch(/whole number of GPU-minutes/);
  });
});

describe("basis points", () => {
  it("become exact percentages", () => {
    expect(basisPointsDecimal(4567)).toBe("45.67");
    expect(basisPointsDecimal(4550)).toBe("45.5");
    expect(basisPointsDecimal(10000)).toBe("100");
    expect(basisPointsDecimal(5)).toBe("0.05");
    expect(basisPointsDecimal(0)).toBe("0");
    expect(basisPointsDecimal(12345)).toBe("123.45");
  });

  it("are formatted per locale without floats", () => {
    expect(formatBasisPoints(4567, { locale: "en-US" })).toBe("45.67%");
    expect(formatBasisPoints(10000, { locale: "en-US" })).toBe("100%");
    expect(formatBasisPoints(1, { locale: "en-US" })).toBe("0.01%");
    expect(formatBasisPoints(3333, { locale: "de-DE" })).toBe("33,33\u00a0%");
    // 0.29 is not exact as a float (0.28999…); the decimal string is.
    expect(formatBasisPoints(2900, { locale: "en-US" })).toBe("29%");
  });

  it("are clamped for a bar", () => {
    expect(clampBasisPoints(-3)).toBe(0n);
    expect(clampBasisPoints(4567)).toBe(4567n);
    expect(clampBasisPoints(25000)).toBe(10000n);
  });
});

describe("delivery window dates", () => {
  it("checks calendar dates and turns them into UTC instants", () => {
    expect(isDate("2026-02-28")).toBe(true);
    expect(isDate("2028-02-29")).toBe(true);
    expect(isDate("2026-02-29")).toBe(false);
    expect(isDate("2026-2-1")).toBe(false);
    expect(isDate("")).toBe(false);
    expect(windowStartInstant("2026-12-01")).toBe("2026-12-01T00:00:00Z");
    expect(windowEndInstant("2026-12-31")).toBe("2026-12-31T23:59:59Z");
    expect(utcDate(new Date("2026-12-31T23:30:00-05:00"))).toBe("2027-01-01");
  });
});
