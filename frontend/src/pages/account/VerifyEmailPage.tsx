import { useEffect } from "react";
import { api, isApiError, type StatusResponse } from "../../api/client";
import { useSession } from "../../auth/useSession";
import { AuthCard } from "../../components/AuthCard";
import { FormAlert, Notice } from "../../components/Form";
import { ErrorState, LoadingBlock } from "../../components/States";
import { useAsync, useDocumentTitle } from "../../lib/useAsync";
import { Link, useSearchParams } from "../../router";
import { ResendVerificationForm } from "./ResendVerificationForm";

// A verification token works once. Remember the answer per token so a
// re-mount (React StrictMode, back/forward) does not spend it twice.
const attempts = new Map<string, Promise<StatusResponse>>();

function verifyOnce(token: string): Promise<StatusResponse> {
  let p = attempts.get(token);
  if (!p) {
    p = api.verifyEmail(token);
    attempts.set(token, p);
    // Let a network failure be retried.
    p.catch((err: unknown) => {
      if (isApiError(err) && err.status === 0) attempts.delete(token);
    });
  }
  return p;
}

/** What the server answers for a link whose address was confirmed before (a second click, or a mail scanner that opened it first). */
export const ALREADY_VERIFIED = "already_verified";

function InvalidLink() {
  return (
    <AuthCard
      title="Link invalid or expired"
      testId="verify-invalid"
      footer={
        <p>
          Already confirmed your address? <Link to="/login">Log in</Link>
        </p>
      }
    >
      <p className="auth-lead" data-testid="verify-invalid-message">
        Verification links work once and only for a limited time. Enter your email and we will
        send a new one.
      </p>
      <ResendVerificationForm />
    </AuthCard>
  );
}

function Confirmed({ again, signedIn }: { again: boolean; signedIn: boolean }) {
  return (
    <AuthCard
      title={again ? "Email already confirmed" : "Email confirmed"}
      testId={again ? "verify-already" : "verify-done"}
    >
      <Notice title={again ? "Nothing more to do" : "Thank you!"}>
        <p>
          {again
            ? "This address was already confirmed. The link works only once, so there is nothing more to do with it."
            : "Your email address is confirmed."}
        </p>
      </Notice>
      {signedIn ? (
        <Link to="/settings" className="button button-block" data-testid="verify-continue">
          Go to settings
        </Link>
      ) : (
        <Link to="/login" className="button button-block" data-testid="verify-login">
          Log in
        </Link>
      )}
    </AuthCard>
  );
}

export function VerifyEmailPage() {
  useDocumentTitle("Confirm your email");
  const token = useSearchParams().get("token") ?? "";
  const session = useSession();
  const state = useAsync(
    () => (token ? verifyOnce(token) : Promise.reject(new Error("missing token"))),
    [token],
  );
  const verified = state.status === "success";
  const signedIn = session.status === "signed_in";

  // A confirmed change of address: show the new one in the signed-in session.
  useEffect(() => {
    if (verified && signedIn) api.getMe().catch(() => undefined);
  }, [verified, signedIn]);

  if (!token) return <InvalidLink />;
  if (state.status === "loading") {
    return (
      <AuthCard title="Confirming your email" testId="verify-loading">
        <LoadingBlock label="Checking your link…" />
      </AuthCard>
    );
  }
  if (state.status === "error") {
    if (isApiError(state.error) && state.error.code === "invalid_or_expired_link") {
      return <InvalidLink />;
    }
    if (isApiError(state.error) && state.error.code === "email_taken") {
      return (
        <AuthCard title="Address already in use" testId="verify-taken">
          <FormAlert>
            Another account started using this address in the meantime, so your email was not
            changed.
          </FormAlert>
          <Link to="/settings" className="button button-block">
            Back to settings
          </Link>
        </AuthCard>
      );
    }
    return (
      <AuthCard title="Confirming your email" testId="verify-error">
        <ErrorState
          error={state.error}
          onRetry={() => {
            attempts.delete(token);
            state.retry();
          }}
        />
      </AuthCard>
    );
  }
  return <Confirmed again={state.data.status === ALREADY_VERIFIED} signedIn={signedIn} />;
}
