/**
 * Compute and progress figures for forms and bars, in integer arithmetic only:
 * GPU-hours typed in a form → whole GPU-minutes, basis points → percentages, and the
 * dates of a delivery window. (GPU-minutes → "1.5 GPU-h" is `formatGpuHours` in
 * ./money.ts.)
 */
import { scaledDecimal, type IntegerAmount } from "./money";
import {
  hoursErrorMessage as hoursWords,
  MAX_GPU_MINUTES,
  parseGpuHours,
  type HoursError,
  type ParsedHours,
} from "./gpuHours";

// Typed GPU-hours → whole GPU-minutes is ./gpuHours.ts (shared with the maintainer
// console): "1.5" → 90, "0.05" → 3, "0.01" refused as `not_whole_minutes`, never rounded.
export { MAX_GPU_MINUTES, parseGpuHours, type HoursError };
export type ParsedMinutes = ParsedHours;

function compact(text: string): string {
  // Spaces (also the narrow no-break space some locales group with) are dropped.
  return text.replace(/[\s\u00a0\u202f]/g, "");
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

/** What a form says for refused hours, or (with `unit: "minutes"`) refused minutes. */
export function hoursErrorMessage(error: HoursError, unit: "hours" | "minutes" = "hours"): string {
  if (unit === "hours") return hoursWords(error);
  switch (error) {
    case "required":
      return "Enter the GPU-minutes.";
    case "format":
      return "Enter a whole number of GPU-minutes, like 90.";
    case "not_whole_minutes":
    case "too_many_decimals":
      return "Enter whole minutes, without decimals.";
    default:
      return hoursWords(error);
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
