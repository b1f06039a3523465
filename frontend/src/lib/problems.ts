/**
 * Turns API problems into the words a form shows: one message for the form
 * (driven by the problem `code`) and one per field (from the `errors[]` of a
 * `validation_failed` problem).
 */
import { CLIENT_ERROR_CODES, isApiError, type ApiError } from "../api/client";

export const PASSWORD_MIN = 12;
export const PASSWORD_MAX = 128;

const LINK_MESSAGES: Record<string, string> = {
  format: "Enter an http(s) link, like https://example.org.",
  length: "This link is too long.",
};

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
    format: "Enter a display name, using letters, digits and punctuation.",
    length: "Use at most 80 characters.",
  },
  name: {
    required: "Enter a name for the token.",
    format: "Enter a name, using letters, digits and punctuation.",
    length: "Use at most 64 characters.",
  },
  scopes: {
    empty: "Choose at least one scope.",
  },
  // Projects (the form maps the server's `name` to `project_name`).
  project_name: {
    required: "Enter the project's name.",
    format: "Enter a name, using letters, digits and punctuation.",
    length: "Use at most 120 characters.",
  },
  slug: {
    format: "Use lower-case letters, digits and single dashes, like tiny-llama.",
    length: "Use 2 to 64 characters.",
  },
  license: {
    spdx: "Enter an SPDX licence expression, like MIT or Apache-2.0 OR MIT.",
    length: "Use at most 200 characters.",
  },
  currency: {
    unknown_currency: "Enter an ISO 4217 currency code in capitals, like USD or EUR.",
    not_a_currency: "Money cannot be pledged in this currency; choose another.",
  },
  homepage: LINK_MESSAGES,
  repository_url: LINK_MESSAGES,
  model_card_url: LINK_MESSAGES,
  contact_email: {
    format: "Enter a valid email address, like name@example.org.",
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
      FIELD_MESSAGES[field]?.[v.code] ??
      FIELD_MESSAGES[v.field]?.[v.code] ??
      GENERIC_FIELD_MESSAGES[v.code] ??
      sentence(v.message);
  }
  return out;
}

/** Any field, by code, when we have nothing more specific. */
const GENERIC_FIELD_MESSAGES: Record<string, string> = {
  required: "This field is required.",
  too_long: "This is too long.",
  length: "This is too long.",
  format: "This is not in the expected form.",
};

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
  reauthentication_required:
    "To keep your account safe, please sign in with GitHub again, then make this change within 10 minutes.",
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
  network_error: "We could not reach the server. Check your internet connection and try again.",
  bad_response: "The server sent an answer we could not read. Please try again in a moment.",
  forbidden: "You do not have permission to do that.",
  slug_taken: "Another project already uses this address. Pick another one.",
  currency_locked:
    "The currency cannot change any more: this project already has pledges, ledger entries, money goals or compute values.",
  project_archived: "This project is archived: it takes no new pledges or expenses.",
  no_such_user: "There is no account with that email address or id.",
  already_member: "That person is already a member of this project.",
  last_owner: "A project needs at least one owner. Add another owner first.",
  not_found: "We could not find what you were looking for.",
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
  const { title, detail } = describeError(error);
  return detail ? `${title} ${detail}` : title;
}

/**
 * Any failure in words for people: a heading and a sentence on what to do. The
 * server's own `title` and `detail` are for developers (the API docs, the logs)
 * and are not shown.
 */
export function describeError(error: unknown): { title: string; detail: string | null } {
  if (!isApiError(error)) {
    return { title: "Something went wrong.", detail: "Please try again." };
  }
  return describeApiError(error);
}

function describeApiError(error: ApiError): { title: string; detail: string | null } {
  if (error.code === "rate_limited" || error.status === 429) {
    return { title: "Too many attempts.", detail: retryAfterText(error.retryAfter) };
  }
  if (error.status === 0) {
    return {
      title: "We could not reach the server.",
      detail: "Check your internet connection and try again.",
    };
  }
  if (error.code === "validation_failed") {
    return { title: "Please correct the highlighted fields.", detail: null };
  }
  const known = codeMessage(error.code);
  if (known && error.status < 500) return { title: known, detail: null };
  if (error.status === 503) {
    return {
      title: "The site is busy or under maintenance.",
      detail: "Please try again in a moment.",
    };
  }
  if (error.status >= 500 || error.code === CLIENT_ERROR_CODES.badResponse) {
    return {
      title: "Something went wrong on our side.",
      detail: "Please try again in a moment. If it keeps happening, tell the people who run this site.",
    };
  }
  if (error.status === 401) {
    return { title: "Please log in again.", detail: "Your session has ended." };
  }
  if (error.status === 403) return { title: "You do not have permission to do that.", detail: null };
  if (error.status === 404) return { title: "We could not find that.", detail: null };
  return { title: "That did not work.", detail: "Please check what you entered and try again." };
}
