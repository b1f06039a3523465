import { useEffect, useRef, useState } from "react";
import { api } from "../../api/client";
import { useSession } from "../../auth/useSession";
import { AuthCard } from "../../components/AuthCard";
import { FormAlert } from "../../components/Form";
import { LoadingBlock } from "../../components/States";
import { safeNext } from "../../lib/next";
import { codeMessage, problemMessage } from "../../lib/problems";
import { useDocumentTitle } from "../../lib/useAsync";
import { Link, useNavigate, useSearchParams } from "../../router";

/**
 * Where the server's GitHub callback sends the browser: `?error=<code>` on
 * failure; otherwise the refresh cookie is set and a refresh yields the session.
 */
export function GithubSigninPage() {
  useDocumentTitle("Signing in with GitHub");
  const params = useSearchParams();
  const errorCode = params.get("error");
  const next = safeNext(params.get("next"));
  const navigate = useNavigate();
  const session = useSession();
  const [failure, setFailure] = useState<unknown>(null);
  const started = useRef(false);

  useEffect(() => {
    if (errorCode || started.current) return;
    started.current = true;
    // Shares the request with the app's start-up refresh if that is still running.
    api.refresh().then(
      (s) => {
        if (s) navigate(next, { replace: true });
        else setFailure(new Error("GitHub sign-in did not complete. Please try again."));
      },
      (err: unknown) => setFailure(err),
    );
  }, [errorCode, next, navigate]);

  if (errorCode || failure !== null) {
    const message = errorCode
      ? (codeMessage(errorCode) ?? "GitHub sign-in did not complete. Please try again.")
      : problemMessage(failure);
    const signedIn = session.status === "signed_in";
    return (
      <AuthCard title="GitHub sign-in failed" testId="github-signin-error">
        <FormAlert>{message}</FormAlert>
        <Link to={signedIn ? "/settings" : "/login"} className="button button-block">
          {signedIn ? "Back to settings" : "Back to log in"}
        </Link>
      </AuthCard>
    );
  }

  return (
    <AuthCard title="Signing in with GitHub" testId="github-signin-pending">
      <LoadingBlock label="Finishing sign-in…" />
    </AuthCard>
  );
}
