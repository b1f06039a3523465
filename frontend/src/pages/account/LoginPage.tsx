import { useEffect, useRef, useState, type FormEvent } from "react";
import { api, isApiError } from "../../api/client";
import { useSession } from "../../auth/useSession";
import { AuthCard } from "../../components/AuthCard";
import { Field, FormAlert, SubmitButton } from "../../components/Form";
import { useGithubSignIn, useInstance } from "../../instance/instance";
import { safeNext } from "../../lib/next";
import { fieldErrors, problemMessage } from "../../lib/problems";
import { useDocumentTitle } from "../../lib/useAsync";
import { useSubmit } from "../../lib/useSubmit";
import { checkCurrentPassword, checkEmail, useFieldChecks } from "../../lib/validate";
import { Link, useNavigate, useSearchParams } from "../../router";
import { GithubButton } from "./GithubButton";
import { ResendVerificationForm } from "./ResendVerificationForm";

export function LoginPage() {
  useDocumentTitle("Log in");
  const params = useSearchParams();
  const next = safeNext(params.get("next"));
  const navigate = useNavigate();
  const session = useSession();
  const instance = useInstance();
  const github = useGithubSignIn();
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const submit = useSubmit(() => api.login({ email: email.trim(), password }));
  const formRef = useRef<HTMLFormElement>(null);
  const checks = useFieldChecks();
  const errors = { ...fieldErrors(submit.error), ...checks.errors };
  const code = isApiError(submit.error) ? submit.error.code : null;

  // Someone already signed in (or who just signed in) goes on to `next`.
  useEffect(() => {
    if (session.status === "signed_in") navigate(next, { replace: true });
  }, [session.status, next, navigate]);

  async function onSubmit(e: FormEvent) {
    e.preventDefault();
    const ok = checks.check(formRef.current, {
      email: checkEmail(email),
      password: checkCurrentPassword(password),
    });
    if (!ok) {
      submit.reset();
      return;
    }
    const result = await submit.run();
    if (!result.ok) setPassword("");
  }

  return (
    <AuthCard
      title={`Log in to ${instance.name}`}
      lead="Welcome back. Pick up your pledges, projects and API tokens."
      testId="login-page"
      footer={
        <p>
          New here? <Link to="/signup">Create an account</Link>
        </p>
      }
    >
      {github && (
        <>
          <GithubButton mode="login">Sign in with GitHub</GithubButton>
          <p className="divider" aria-hidden="true">
            <span>or with your email</span>
          </p>
        </>
      )}
      <form ref={formRef} onSubmit={onSubmit} noValidate aria-label="Log in" className="form">
        {submit.error !== null && (
          <FormAlert tone={code === "email_not_verified" ? "warning" : "error"}>
            {problemMessage(submit.error)}
          </FormAlert>
        )}
        <Field
          label="Email"
          name="email"
          type="email"
          autoComplete="username"
          required
          value={email}
          onChange={(v) => {
            setEmail(v);
            checks.clear("email");
          }}
          error={errors.email}
        />
        <div className="field-row">
          <Field
            label="Password"
            name="password"
            type="password"
            autoComplete="current-password"
            required
            value={password}
            onChange={(v) => {
              setPassword(v);
              checks.clear("password");
            }}
            error={errors.password}
          />
          <Link to="/forgot-password" className="field-aside" data-testid="forgot-link">
            Forgot password?
          </Link>
        </div>
        <SubmitButton pending={submit.pending} pendingLabel="Logging in…" block testId="login-submit">
          Log in
        </SubmitButton>
      </form>
      {code === "email_not_verified" && (
        <div className="subsection" data-testid="login-resend">
          <h2 className="subsection-title">Need a new verification link?</h2>
          <ResendVerificationForm initialEmail={email} />
        </div>
      )}
    </AuthCard>
  );
}
