/**
 * Turns API problems into the words a form shows: one message for the form
 * (driven by the problem `code`) and one per field (from the `errors[]` of a
 * `validation_failed` problem).
 */
import { isApiError, type ApiError } from "../api/client";

export const PASSWORD_MIN = 12;
export const PASSWORD_MAX = 128;

/** Field codes we can say better than the server's generic message. */
const FIELD_MESSAGES: Record<string, Record<string, string>> = {
  password: {
    too_short: `Use at least ${PASSWORD_MIN} characters.`,
    too_long: `Use at most ${PASSWORD_MAX} characters.`,
    too_common: "This password is too common. Choose one that is harder to guess.",
    contains_email: "The password must not contain your email address.",
    required: "Enter a password.",
  },
  email: {
    format: "Enter a valid email address, like name@example.org.",
    invalid: "Enter a valid email address, like name@example.org.",
    too_long: "This address is too long.",
    required: "Enter your email address.",
  },
  display_name: {
    required: "Enter a display name.",
  },
  scopes: {
    empty: "Choose at least one scope.",
  },
};
// The same rules apply wherever a new password is typed.
FIELD_MESSAGES.new_password = FIELD_MESSAGES.password!;
FIELD_MESSAGES.new_email = FIELD_MESSAGES.email!;

export type FieldErrors = Record<string, string>;

/**
 * `validation_failed` errors[] → { field: message }, the first message per field.
 * `aliases` renames server fields to form fields (e.g. `{ password: "new_password" }`).
 */
export function fieldErrors(error: unknown, aliases: Record<string, string> = {}): FieldErrors {
  if (!isApiError(error) || error.code !== "validation_failed") return {};
  const out: FieldErrors = {};
  for (const v of error.violations) {
    const field = aliases[v.field] ?? v.field;
    if (field in out) continue;
    out[field] =
      FIELD_MESSAGES[field]?.[v.code] ?? FIELD_MESSAGES[v.field]?.[v.code] ?? sentence(v.message);
  }
  return out;
}

/** The server's "must be 1 to 80 characters" → "Must be 1 to 80 characters." */
function sentence(message: string): string {
  const t = message.trim();
  if (!t) return "This value is not valid.";
  const first = t.charAt(0).toUpperCase() + t.slice(1);
  return /[.!?]$/.test(first) ? first : `${first}.`;
}

/** Form-level texts for problem codes; `{seconds}` is filled from Retry-After. */
const CODE_MESSAGES: Record<string, string> = {
  invalid_credentials: "Email or password is wrong.",
  email_not_verified: "Please confirm your email address before logging in.",
  invalid_or_expired_link: "This link is invalid or has expired.",
  validation_failed: "Please correct the highlighted fields.",
  last_sign_in_method:
    "GitHub is your only way to sign in. Set a password before unlinking it.",
  session_required: "Managing API tokens needs a signed-in session, not an API token.",
  github_denied: "GitHub sign-in was cancelled.",
  invalid_state:
    "The GitHub sign-in expired or was started in another browser. Please try again.",
  github_unavailable: "GitHub could not be reached. Please try again in a moment.",
  github_already_linked: "That GitHub account is already linked to another OpenFund account.",
  github_email_unverified:
    "Your GitHub account has no verified primary email address. Verify one on GitHub, or sign up with your email.",
  github_disabled: "Sign-in with GitHub is not enabled on this OpenFund instance.",
  email_taken: "Another account already uses this address.",
  too_many_tokens: "You have reached the limit of API tokens. Revoke one you no longer use first.",
  insufficient_scope: "This token's scopes do not allow that.",
  invalid_token: "Your session has ended. Please log in again.",
  unauthenticated: "Your session has ended. Please log in again.",
  network_error: "Could not reach the server. Check your connection and try again.",
};

export function codeMessage(code: string): string | null {
  return CODE_MESSAGES[code] ?? null;
}

/** "Try again in 30 seconds." / "in 2 minutes" for a Retry-After. */
export function retryAfterText(seconds: number | null): string {
  if (seconds === null) return "Please wait a moment and try again.";
  if (seconds < 90) return `Try again in ${seconds} ${seconds === 1 ? "second" : "seconds"}.`;
  const minutes = Math.ceil(seconds / 60);
  return `Try again in ${minutes} minutes.`;
}

/** The sentence a form shows above its fields for a failed submit. */
export function problemMessage(error: unknown): string {
  if (!isApiError(error)) {
    return error instanceof Error ? error.message : "Something went wrong. Please try again.";
  }
  if (error.code === "rate_limited") {
    return `Too many attempts. ${retryAfterText(error.retryAfter)}`;
  }
  const known = codeMessage(error.code);
  if (known) return known;
  return apiErrorText(error);
}

function apiErrorText(error: ApiError): string {
  return error.detail ? `${error.title}: ${error.detail}` : error.title;
}
