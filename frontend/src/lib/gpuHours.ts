/**
 * Typed GPU-hours → whole GPU-minutes, exactly, by the server's rule
 * (`GpuMinutes::parse_hours` in src/domain/compute.rs): at most two decimals, and a
 * multiple of 0.05 hours (3 minutes), because a hundredth of an hour is 0.6 minutes
 * and nothing is rounded. Integer (BigInt) arithmetic only.
 */
import { gpuHoursDecimal, parseAmount, type IntegerAmount } from "./money";

/** The most GPU-minutes one amount may hold (10^12, `ComputeInput.gpu_minutes`). */
export const MAX_GPU_MINUTES = 10n ** 12n;

export type HoursError =
  | "required"
  | "format"
  | "too_many_decimals"
  | "not_positive"
  | "not_whole_minutes"
  | "too_large";

export type ParsedHours = { ok: true; minutes: bigint } | { ok: false; error: HoursError };

/**
 * "12.25" → 735 minutes, "0.05" → 3, "0.01" → `not_whole_minutes`, "1.234" →
 * `too_many_decimals`. Spaces and a locale's decimal comma are read as `parseAmount` reads them.
 */
export function parseGpuHours(text: string, locale?: string): ParsedHours {
  const parsed = parseAmount(text, 2, locale);
  if (!parsed.ok) return { ok: false, error: parsed.error };
  const hundredths = parsed.minor;
  // minutes = hundredths × 60 / 100 = hundredths × 3 / 5: whole only for multiples of 5.
  if (hundredths % 5n !== 0n) return { ok: false, error: "not_whole_minutes" };
  const minutes = (hundredths / 5n) * 3n;
  if (minutes > MAX_GPU_MINUTES) return { ok: false, error: "too_large" };
  return { ok: true, minutes };
}

/** What a form says for refused hours. */
export function hoursErrorMessage(error: HoursError): string {
  switch (error) {
    case "required":
      return "Enter a number of GPU-hours.";
    case "format":
      return "Enter GPU-hours as a number, like 120 or 12.25.";
    case "too_many_decimals":
      return "Use at most two decimals.";
    case "not_positive":
      return "Enter more than zero hours.";
    case "not_whole_minutes":
      return "Use a multiple of 0.05 hours (3 minutes), so it is a whole number of GPU-minutes.";
    case "too_large":
      return "That is more compute than this site records in one amount.";
  }
}

/** GPU-minutes as the hours a form shows (exact for multiples of 3 minutes): 735 → "12.25". */
export function hoursInputOf(gpuMinutes: IntegerAmount): string {
  return gpuHoursDecimal(gpuMinutes);
}
