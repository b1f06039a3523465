import { useRef, useState, type FormEvent } from "react";
import { api, isApiError } from "../../api/client";
import { AuthCard } from "../../components/AuthCard";
import { Field, FormAlert, Notice, PasswordRules, SubmitButton } from "../../components/Form";
import { fieldErrors, problemMessage } from "../../lib/problems";
import { useDocumentTitle } from "../../lib/useAsync";
import { useSubmit } from "../../lib/useSubmit";
import { checkNewPassword, useFieldChecks } from "../../lib/validate";
import { Link, useSearchParams } from "../../router";

export function ResetPasswordPage() {
  useDocumentTitle("Choose a new password");
  const token = useSearchParams().get("token") ?? "";
  const [password, setPassword] = useState("");
  const [done, setDone] = useState(false);
  const submit = useSubmit(() => api.confirmPasswordReset(token, password));
  const formRef = useRef<HTMLFormElement>(null);
  const checks = useFieldChecks();
  const errors = { ...fieldErrors(submit.error), ...checks.errors };
  const expired =
    !token || (isApiError(submit.error) && submit.error.code === "invalid_or_expired_link");

  async function onSubmit(e: FormEvent) {
    e.preventDefault();
    if (!checks.check(formRef.current, { password: checkNewPassword(password) })) {
      submit.reset();
      return;
    }
    const result = await submit.run();
    if (result.ok) setDone(true);
  }

  if (done) {
    return (
      <AuthCard title="Password changed" testId="reset-done">
        <Notice title="All set">
          <p>Your new password is saved.</p>
        </Notice>
        <Link to="/login" className="button button-block" data-testid="reset-login">
          Log in
        </Link>
      </AuthCard>
    );
  }

  if (expired) {
    return (
      <AuthCard title="Link invalid or expired" testId="reset-invalid">
        <p className="auth-lead">
          Password reset links work once and only for a limited time. Ask for a new one.
        </p>
        <Link to="/forgot-password" className="button button-block">
          Request a new link
        </Link>
      </AuthCard>
    );
  }

  return (
    <AuthCard
      title="Choose a new password"
      lead="Pick one you do not use on any other site."
      testId="reset-page"
    >
      <form
        ref={formRef}
        onSubmit={onSubmit}
        noValidate
        aria-label="Choose a new password"
        className="form"
      >
        {submit.error !== null && <FormAlert>{problemMessage(submit.error)}</FormAlert>}
        <Field
          label="New password"
          name="password"
          type="password"
          autoComplete="new-password"
          required
          value={password}
          onChange={(v) => {
            setPassword(v);
            checks.clear("password");
          }}
          error={errors.password}
          describedBy="reset-password-rules"
        />
        <PasswordRules id="reset-password-rules" password={password} />
        <SubmitButton pending={submit.pending} pendingLabel="Saving…" block>
          Save new password
        </SubmitButton>
      </form>
    </AuthCard>
  );
}
