import { useRef, useState, type FormEvent } from "react";
import { api } from "../../api/client";
import { Field, FormAlert, Notice, SubmitButton } from "../../components/Form";
import { fieldErrors, problemMessage } from "../../lib/problems";
import { useSubmit } from "../../lib/useSubmit";
import { checkEmail, useFieldChecks } from "../../lib/validate";

/** Email → `POST /auth/verify-email/resend`. */
export function ResendVerificationForm({ initialEmail = "" }: { initialEmail?: string }) {
  const [email, setEmail] = useState(initialEmail);
  const [sentTo, setSentTo] = useState<string | null>(null);
  const submit = useSubmit(() => api.resendVerification(email.trim()));
  const formRef = useRef<HTMLFormElement>(null);
  const checks = useFieldChecks();
  const errors = { ...fieldErrors(submit.error), ...checks.errors };

  async function onSubmit(e: FormEvent) {
    e.preventDefault();
    if (!checks.check(formRef.current, { email: checkEmail(email) })) {
      submit.reset();
      return;
    }
    const result = await submit.run();
    if (result.ok) setSentTo(email.trim());
  }

  if (sentTo !== null) {
    return (
      <Notice title="Verification link sent" testId="resend-done">
        <p>
          If <strong>{sentTo}</strong> has an account that still needs confirming, a new link is
          on its way.
        </p>
      </Notice>
    );
  }

  return (
    <form
      ref={formRef}
      onSubmit={onSubmit}
      noValidate
      aria-label="Resend verification email"
      className="form"
    >
      {submit.error !== null && <FormAlert>{problemMessage(submit.error)}</FormAlert>}
      <Field
        label="Email"
        name="email"
        type="email"
        autoComplete="email"
        required
        value={email}
        onChange={(v) => {
          setEmail(v);
          checks.clear("email");
        }}
        error={errors.email}
      />
      <SubmitButton pending={submit.pending} pendingLabel="Sending…" variant="secondary" block>
        Resend verification email
      </SubmitButton>
    </form>
  );
}
