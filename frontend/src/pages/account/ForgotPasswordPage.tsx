import { useRef, useState, type FormEvent } from "react";
import { api } from "../../api/client";
import { AuthCard } from "../../components/AuthCard";
import { Field, FormAlert, Notice, SubmitButton } from "../../components/Form";
import { fieldErrors, problemMessage } from "../../lib/problems";
import { useDocumentTitle } from "../../lib/useAsync";
import { useSubmit } from "../../lib/useSubmit";
import { checkEmail, useFieldChecks } from "../../lib/validate";
import { Link } from "../../router";

export function ForgotPasswordPage() {
  useDocumentTitle("Forgot password");
  const [email, setEmail] = useState("");
  const [sentTo, setSentTo] = useState<string | null>(null);
  const submit = useSubmit(() => api.requestPasswordReset(email.trim()));
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

  return (
    <AuthCard
      title="Reset your password"
      lead={
        sentTo === null
          ? "Enter the email address of your account and we will send you a link to choose a new password."
          : undefined
      }
      testId="forgot-page"
      footer={
        <p>
          Remembered it? <Link to="/login">Log in</Link>
        </p>
      }
    >
      {sentTo !== null ? (
        <Notice title="Check your inbox" testId="forgot-done">
          <p>
            If an account exists for <strong>{sentTo}</strong>, we sent a link to reset its
            password. The link works once and expires soon.
          </p>
        </Notice>
      ) : (
        <form
          ref={formRef}
          onSubmit={onSubmit}
          noValidate
          aria-label="Reset password"
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
          <SubmitButton pending={submit.pending} pendingLabel="Sending…" block>
            Send reset link
          </SubmitButton>
        </form>
      )}
    </AuthCard>
  );
}
