import { useRef, useState, type FormEvent } from "react";
import { api } from "../../api/client";
import { AuthCard } from "../../components/AuthCard";
import { Field, FormAlert, Notice, PasswordRules, SubmitButton } from "../../components/Form";
import { fieldErrors, problemMessage } from "../../lib/problems";
import { useDocumentTitle } from "../../lib/useAsync";
import { useSubmit } from "../../lib/useSubmit";
import {
  checkEmail,
  checkLabel,
  checkNewPassword,
  DISPLAY_NAME_MAX,
  useFieldChecks,
} from "../../lib/validate";
import { Link } from "../../router";

export function SignupPage() {
  useDocumentTitle("Sign up");
  const [email, setEmail] = useState("");
  const [displayName, setDisplayName] = useState("");
  const [password, setPassword] = useState("");
  const [sentTo, setSentTo] = useState<string | null>(null);
  const submit = useSubmit(() =>
    api.register({ email: email.trim(), display_name: displayName.trim(), password }),
  );
  const formRef = useRef<HTMLFormElement>(null);
  const checks = useFieldChecks();
  const errors = { ...fieldErrors(submit.error), ...checks.errors };

  async function onSubmit(e: FormEvent) {
    e.preventDefault();
    const ok = checks.check(formRef.current, {
      email: checkEmail(email),
      display_name: checkLabel(displayName, "a display name", DISPLAY_NAME_MAX),
      password: checkNewPassword(password, email),
    });
    if (!ok) {
      submit.reset();
      return;
    }
    const result = await submit.run();
    if (result.ok) setSentTo(email.trim());
  }

  if (sentTo !== null) {
    return (
      <AuthCard title="Check your inbox" testId="signup-done">
        <Notice tone="success" title="Almost there">
          <p>
            We sent a verification link to <strong data-testid="signup-email">{sentTo}</strong>.
            Open it to activate your account, then log in.
          </p>
        </Notice>
        <p className="muted small">
          No mail after a few minutes? Check your spam folder, or{" "}
          <button
            type="button"
            className="link-button"
            onClick={() => {
              setSentTo(null);
              setPassword("");
            }}
          >
            sign up again with another address
          </button>
          .
        </p>
        <Link to="/login" className="button button-block">
          Go to log in
        </Link>
      </AuthCard>
    );
  }

  return (
    <AuthCard
      title="Create your account"
      lead="Pledge money or compute, follow projects, and get credit for your contributions."
      testId="signup-page"
      footer={
        <p>
          Already have an account? <Link to="/login">Log in</Link>
        </p>
      }
    >
      <form ref={formRef} onSubmit={onSubmit} noValidate aria-label="Sign up" className="form">
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
        <Field
          label="Display name"
          name="display_name"
          autoComplete="nickname"
          required
          value={displayName}
          onChange={(v) => {
            setDisplayName(v);
            checks.clear("display_name");
          }}
          error={errors.display_name}
          hint="Shown on your pledges and contributions."
        />
        <Field
          label="Password"
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
          describedBy="signup-password-rules"
        />
        <PasswordRules id="signup-password-rules" password={password} email={email} />
        <SubmitButton pending={submit.pending} pendingLabel="Creating account…" block testId="signup-submit">
          Create account
        </SubmitButton>
      </form>
    </AuthCard>
  );
}
