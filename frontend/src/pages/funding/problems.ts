/** Words for the funding endpoints' problem codes, over the shared ones in lib/problems. */
import { isApiError } from "../../api/client";
import { fieldErrors, problemMessage, type FieldErrors } from "../../lib/problems";

const FUNDING_MESSAGES: Record<string, string> = {
  email_not_verified: "Please confirm your email address before pledging.",
  currency_mismatch: "This project takes money in another currency. Reload the page and try again.",
  idempotency_key_reused:
    "This pledge was already sent with other details. Go back, review it and send it again.",
  invalid_state: "This has changed in the meantime (confirmed or cancelled already). Reload to see it.",
  insufficient_funds: "The project does not hold that much money: an expense cannot overdraw it.",
  already_reversed: "This transaction was reversed already.",
};

/** The sentence a funding form shows for a failed call. */
export function fundingProblemMessage(error: unknown): string {
  if (isApiError(error) && error.status < 500) {
    const known = FUNDING_MESSAGES[error.code];
    if (known) return known;
  }
  return problemMessage(error);
}

/**
 * Field errors of a `validation_failed` problem, with the money's members
 * (`amount_minor`, `currency`, `amount.amount_minor`…) shown on the amount field.
 */
export function moneyFieldErrors(error: unknown): FieldErrors {
  const raw = fieldErrors(error);
  const out: FieldErrors = {};
  for (const [field, message] of Object.entries(raw)) {
    const target = /amount|currency/.test(field) ? "amount" : field;
    if (!(target in out)) out[target] = message;
  }
  return out;
}
