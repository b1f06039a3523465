/**
 * Checks a form can make before it calls the server: empty fields, malformed
 * addresses, passwords that break a rule we can see. A typo then costs nothing,
 * instead of a request (and a try from the sign-in and sign-up rate limits).
 *
 * The patterns and lengths are the server's own, as its OpenAPI document states
 * them (`validate.test.ts` compares them with ../../../openapi/openapi.json). The
 * server still has the last word: a common password, for instance, only it knows.
 */
import { useCallback, useState } from "react";
import { flushSync } from "react-dom";
import { PASSWORD_MAX, PASSWORD_MIN } from "./problems";

/** `RegisterRequest.email.pattern` (the server's `domain::email::PATTERN`). */
export const EMAIL_PATTERN =
  '^[^\\u0000-\\u0020\\u007f-\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff@<>()\\[\\]\\\\,;:"]{1,64}@([^\\u0000-\\u0020\\u007f-\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff@<>()\\[\\]\\\\,;:".\\-]([^\\u0000-\\u0020\\u007f-\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff@<>()\\[\\]\\\\,;:".]*[^\\u0000-\\u0020\\u007f-\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff@<>()\\[\\]\\\\,;:".\\-])?\\.)+[^\\u0000-\\u0020\\u007f-\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff@<>()\\[\\]\\\\,;:".\\-]([^\\u0000-\\u0020\\u007f-\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff@<>()\\[\\]\\\\,;:".]*[^\\u0000-\\u0020\\u007f-\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff@<>()\\[\\]\\\\,;:".\\-])?$';
export const EMAIL_MAX = 254;

/** `RegisterRequest.display_name.pattern`: not blank, no control characters. */
export const LABEL_PATTERN =
  "^[^\\u0000-\\u001f\\u007f-\\u009f]*[^\\u0000-\\u0020\\u007f-\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff][^\\u0000-\\u001f\\u007f-\\u009f]*$";
export const DISPLAY_NAME_MAX = 80;
export const TOKEN_NAME_MAX = 64;

/** `ChangePassword.new_password.pattern`: not one character repeated. */
export const PASSWORD_PATTERN = "^(?!([\\s\\S])\\1*$)";

const EMAIL_RE = new RegExp(EMAIL_PATTERN, "u");
const LABEL_RE = new RegExp(LABEL_PATTERN, "u");
const PASSWORD_RE = new RegExp(PASSWORD_PATTERN, "u");

/** Characters as the server counts them (Unicode scalar values, not UTF-16 units). */
function length(value: string): number {
  return [...value].length;
}

/** An email address: what is wrong with it, or null. Checks what would be sent (trimmed). */
export function checkEmail(raw: string): string | null {
  const value = raw.trim();
  if (!value) return "Enter your email address.";
  if (length(value) > EMAIL_MAX) return "This address is too long.";
  if (!EMAIL_RE.test(value)) return "Enter a valid email address, like name@example.org.";
  return null;
}

/** A short name (display name, token name): not blank, not too long, no control characters. */
export function checkLabel(raw: string, what: string, max: number): string | null {
  const value = raw.trim();
  if (!value) return `Enter ${what}.`;
  if (length(raw) > max) return `Use at most ${max} characters.`;
  if (!LABEL_RE.test(raw)) return "Use letters, digits and punctuation only.";
  return null;
}

/** A password being signed in with: only that it is there. */
export function checkCurrentPassword(value: string, message = "Enter your password."): string | null {
  return value ? null : message;
}

/**
 * A new password: the rules the server states that the browser can check. Whether
 * it is a common password only the server knows.
 */
export function checkNewPassword(value: string, email?: string): string | null {
  if (!value) return "Enter a password.";
  const n = length(value);
  if (n < PASSWORD_MIN) return `Use at least ${PASSWORD_MIN} characters.`;
  if (n > PASSWORD_MAX) return `Use at most ${PASSWORD_MAX} characters.`;
  if (!PASSWORD_RE.test(value)) {
    return "This password is too common. Choose one that is harder to guess.";
  }
  const local = email ? email.trim().toLowerCase().split("@")[0] ?? "" : "";
  if (length(local) >= 3 && value.toLowerCase().includes(local)) {
    return "The password must not contain your email address.";
  }
  return null;
}

export type Checks = Record<string, string | null>;

/** The fields that failed (field → message), or null when every check passed. */
export function failed(checks: Checks): Record<string, string> | null {
  const out: Record<string, string> = {};
  for (const [field, message] of Object.entries(checks)) {
    if (message) out[field] = message;
  }
  return Object.keys(out).length > 0 ? out : null;
}

/**
 * Field errors found before submitting. `check(form, checks)` records them and,
 * if any, moves focus to the first invalid field, so keyboard and screen-reader
 * users land on what to fix (its message is tied to it with aria-describedby);
 * it returns whether the form may be sent. Editing a field clears its error.
 */
export function useFieldChecks() {
  const [errors, setErrors] = useState<Record<string, string>>({});

  const check = useCallback((form: HTMLFormElement | null, checks: Checks): boolean => {
    const bad = failed(checks);
    // Render the messages now, so the field to focus is marked invalid.
    flushSync(() => setErrors(bad ?? {}));
    if (bad) form?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
    return bad === null;
  }, []);

  const clear = useCallback((field: string) => {
    setErrors((prev) => {
      if (!(field in prev)) return prev;
      const next = { ...prev };
      delete next[field];
      return next;
    });
  }, []);

  return { errors, check, clear };
}
