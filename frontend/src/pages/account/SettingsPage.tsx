import { useEffect, useId, useRef, useState, type FormEvent, type ReactNode } from "react";
import { api, isApiError, type Me } from "../../api/client";
import { sessionStore } from "../../auth/session";
import { useSession } from "../../auth/useSession";
import { Field, FormAlert, Notice, PasswordRules, SubmitButton } from "../../components/Form";
import { LoadingBlock } from "../../components/States";
import { useGithubSignIn } from "../../instance/instance";
import { formatDate } from "../../lib/format";
import { loginHref } from "../../lib/next";
import { codeMessage, fieldErrors, problemMessage } from "../../lib/problems";
import { useDocumentTitle } from "../../lib/useAsync";
import { useSubmit } from "../../lib/useSubmit";
import {
  checkCurrentPassword,
  checkEmail,
  checkLabel,
  checkNewPassword,
  DISPLAY_NAME_MAX,
  useFieldChecks,
} from "../../lib/validate";
import { useLocation, useNavigate, useSearchParams } from "../../router";
import { GithubButton, GithubMark } from "./GithubButton";
import { TokensSection } from "./TokensSection";
import { SponsorProfileForm } from "../funding/SponsorProfileForm";

function Section({
  id,
  title,
  description,
  children,
  tone,
}: {
  id: string;
  title: string;
  description?: ReactNode;
  children: ReactNode;
  tone?: "danger";
}) {
  const headingId = `${id}-title`;
  return (
    <section
      className={`settings-section card${tone ? ` settings-${tone}` : ""}`}
      aria-labelledby={headingId}
      data-testid={`settings-${id}`}
      id={id}
    >
      <div className="settings-section-head">
        <h2 id={headingId}>{title}</h2>
        {description && <p className="muted">{description}</p>}
      </div>
      <div className="settings-section-body">{children}</div>
    </section>
  );
}

/**
 * A failed submit in words. Accounts that sign in only with GitHub must have done so
 * in the last 10 minutes to change their email, set a password or delete the
 * account; for them the alert comes with a way to sign in again.
 */
function SubmitError({ error }: { error: unknown }) {
  return (
    <>
      <FormAlert>{problemMessage(error)}</FormAlert>
      {isApiError(error) && error.code === "reauthentication_required" && (
        <GithubButton mode="login" className="button button-github" testId="github-reauth">
          Sign in with GitHub again
        </GithubButton>
      )}
    </>
  );
}

function ProfileSection({ me }: { me: Me }) {
  const [name, setName] = useState(me.display_name);
  const [saved, setSaved] = useState(false);
  const submit = useSubmit(() => api.updateMe({ display_name: name.trim() }));
  const formRef = useRef<HTMLFormElement>(null);
  const checks = useFieldChecks();
  const errors = { ...fieldErrors(submit.error), ...checks.errors };

  async function onSubmit(e: FormEvent) {
    e.preventDefault();
    setSaved(false);
    const ok = checks.check(formRef.current, {
      display_name: checkLabel(name, "a display name", DISPLAY_NAME_MAX),
    });
    if (!ok) {
      submit.reset();
      return;
    }
    const result = await submit.run();
    if (result.ok) {
      setName(result.value.display_name);
      setSaved(true);
    }
  }

  return (
    <Section id="profile" title="Profile" description="How you appear on pledges and contributions.">
      <form ref={formRef} onSubmit={onSubmit} noValidate aria-label="Profile" className="form form-narrow">
        {submit.error !== null && <FormAlert>{problemMessage(submit.error)}</FormAlert>}
        {saved && <Notice testId="profile-saved">Display name saved.</Notice>}
        <Field
          label="Display name"
          name="display_name"
          autoComplete="nickname"
          required
          value={name}
          onChange={(v) => {
            setName(v);
            setSaved(false);
            checks.clear("display_name");
          }}
          error={errors.display_name}
        />
        <div className="form-actions">
          <SubmitButton pending={submit.pending} pendingLabel="Saving…">
            Save
          </SubmitButton>
        </div>
      </form>
    </Section>
  );
}

function EmailSection({ me }: { me: Me }) {
  const [newEmail, setNewEmail] = useState("");
  const [password, setPassword] = useState("");
  const [sentTo, setSentTo] = useState<string | null>(null);
  const submit = useSubmit(() =>
    api.changeEmail(
      me.has_password ? { new_email: newEmail.trim(), password } : { new_email: newEmail.trim() },
    ),
  );
  const formRef = useRef<HTMLFormElement>(null);
  const checks = useFieldChecks();
  const errors = { ...fieldErrors(submit.error), ...checks.errors };
  const code = isApiError(submit.error) ? submit.error.code : null;
  const wrongPassword = code === "invalid_credentials";
  const taken = code === "email_taken";

  async function onSubmit(e: FormEvent) {
    e.preventDefault();
    setSentTo(null);
    const ok = checks.check(formRef.current, {
      new_email: checkEmail(newEmail),
      password: me.has_password
        ? checkCurrentPassword(password, "Enter your current password.")
        : null,
    });
    if (!ok) {
      submit.reset();
      return;
    }
    const result = await submit.run();
    setPassword("");
    if (result.ok) {
      setSentTo(newEmail.trim());
      setNewEmail("");
    }
  }

  return (
    <Section id="email" title="Email">
      <p className="current-value">
        <span className="muted">Current address</span>
        <strong data-testid="current-email">{me.email}</strong>
        {me.email_verified ? (
          <span className="pill pill-ok">Verified</span>
        ) : (
          <span className="pill pill-warn">Not verified</span>
        )}
      </p>
      {sentTo !== null && (
        <Notice title="Verification sent to the new address" testId="email-sent">
          <p>
            Open the link we sent to <strong>{sentTo}</strong> to finish the change. Until then
            you keep using {me.email}.
          </p>
        </Notice>
      )}
      <form
        ref={formRef}
        onSubmit={onSubmit}
        noValidate
        aria-label="Change email"
        className="form form-narrow"
      >
        {submit.error !== null && !wrongPassword && !taken && (
          <SubmitError error={submit.error} />
        )}
        <Field
          label="New email"
          name="new_email"
          type="email"
          autoComplete="email"
          required
          value={newEmail}
          onChange={(v) => {
            setNewEmail(v);
            checks.clear("new_email");
          }}
          error={
            checks.errors.new_email ??
            (taken ? codeMessage("email_taken") : (errors.new_email ?? errors.email))
          }
        />
        {me.has_password && (
          <Field
            label="Current password"
            name="password"
            type="password"
            autoComplete="current-password"
            required
            value={password}
            onChange={(v) => {
              setPassword(v);
              checks.clear("password");
            }}
            error={
              checks.errors.password ??
              (wrongPassword ? "Your current password is wrong." : errors.password)
            }
          />
        )}
        <div className="form-actions">
          <SubmitButton pending={submit.pending} pendingLabel="Sending…">
            Change email
          </SubmitButton>
        </div>
      </form>
    </Section>
  );
}

function PasswordSection({ me }: { me: Me }) {
  const [current, setCurrent] = useState("");
  const [next, setNext] = useState("");
  const [done, setDone] = useState<string | null>(null);
  const rulesId = useId();
  const setting = !me.has_password;
  const submit = useSubmit(async () => {
    await api.changePassword(
      setting ? { new_password: next } : { current_password: current, new_password: next },
    );
    // has_password changes when a GitHub-only account sets its first password.
    if (setting) await api.getMe().catch(() => sessionStore.setMe({ ...me, has_password: true }));
  });
  const formRef = useRef<HTMLFormElement>(null);
  const checks = useFieldChecks();
  const errors = { ...fieldErrors(submit.error, { password: "new_password" }), ...checks.errors };
  const wrongPassword = isApiError(submit.error) && submit.error.code === "invalid_credentials";

  async function onSubmit(e: FormEvent) {
    e.preventDefault();
    setDone(null);
    const ok = checks.check(formRef.current, {
      current_password: setting
        ? null
        : checkCurrentPassword(current, "Enter your current password."),
      new_password: checkNewPassword(next, me.email),
    });
    if (!ok) {
      submit.reset();
      return;
    }
    const result = await submit.run();
    setCurrent("");
    if (result.ok) {
      setNext("");
      setDone(setting ? "Password set. You can now also log in with your email." : "Password changed.");
    }
  }

  return (
    <Section
      id="password"
      title="Password"
      description={
        setting ? "You sign in with GitHub. Set a password to log in with your email too." : undefined
      }
    >
      <form
        ref={formRef}
        onSubmit={onSubmit}
        noValidate
        aria-label={setting ? "Set password" : "Change password"}
        className="form form-narrow"
      >
        {submit.error !== null && !wrongPassword && (
          <SubmitError error={submit.error} />
        )}
        {done && <Notice testId="password-changed">{done}</Notice>}
        {!setting && (
          <Field
            label="Current password"
            name="current_password"
            type="password"
            autoComplete="current-password"
            required
            value={current}
            onChange={(v) => {
              setCurrent(v);
              checks.clear("current_password");
            }}
            error={
              checks.errors.current_password ??
              (wrongPassword ? "Your current password is wrong." : errors.current_password)
            }
          />
        )}
        <Field
          label="New password"
          name="new_password"
          type="password"
          autoComplete="new-password"
          required
          value={next}
          onChange={(v) => {
            setNext(v);
            setDone(null);
            checks.clear("new_password");
          }}
          error={errors.new_password}
          describedBy={rulesId}
        />
        <PasswordRules id={rulesId} password={next} email={me.email} />
        <div className="form-actions">
          <SubmitButton pending={submit.pending} pendingLabel="Saving…">
            {setting ? "Set password" : "Change password"}
          </SubmitButton>
        </div>
      </form>
    </Section>
  );
}

/** GitHub link/unlink. Without GitHub sign-in on this instance only an existing link is shown (it can still be removed). */
function GithubSection({
  me,
  justLinked,
  offered,
}: {
  me: Me;
  justLinked: boolean;
  offered: boolean;
}) {
  const unlink = useSubmit(async () => {
    await api.unlinkGithub();
    // getMe() refreshes the account in the session; if it fails, patch it locally.
    await api.getMe().catch(() => sessionStore.setMe({ ...me, github_login: null }));
  });
  const linked = me.github_login;

  async function onUnlink() {
    await unlink.run();
  }

  return (
    <Section
      id="github"
      title="GitHub"
      description={
        offered
          ? "Link GitHub to sign in with it and to have your contributions recognised."
          : "Sign-in with GitHub is not enabled on this instance."
      }
    >
      {justLinked && linked && <Notice testId="github-linked">GitHub account linked.</Notice>}
      {unlink.error !== null && <FormAlert>{problemMessage(unlink.error)}</FormAlert>}
      {linked ? (
        <div className="linked-account">
          <span className="linked-identity">
            <GithubMark />
            Linked to{" "}
            <a
              href={`https://github.com/${encodeURIComponent(linked)}`}
              target="_blank"
              rel="noopener noreferrer"
              data-testid="github-login"
            >
              @{linked}
            </a>
          </span>
          <button
            type="button"
            className="button button-secondary"
            onClick={() => void onUnlink()}
            disabled={unlink.pending}
            aria-busy={unlink.pending}
            data-testid="github-unlink"
          >
            {unlink.pending && <span className="spinner spinner-small" aria-hidden="true" />}
            Unlink
          </button>
        </div>
      ) : (
        offered && (
          <div className="form-narrow">
            <GithubButton mode="link" className="button button-github" testId="github-link">
              Link GitHub account
            </GithubButton>
          </div>
        )
      )}
    </Section>
  );
}

function DeleteSection({ me }: { me: Me }) {
  const navigate = useNavigate();
  const [password, setPassword] = useState("");
  const [understood, setUnderstood] = useState(false);
  const submit = useSubmit(async () => {
    await api.deleteAccount(me.has_password ? { password } : {});
    // Drop the (now useless) refresh cookie too.
    await api.logout().catch(() => undefined);
  });
  const wrongPassword = isApiError(submit.error) && submit.error.code === "invalid_credentials";
  const errors = fieldErrors(submit.error);

  async function onSubmit(e: FormEvent) {
    e.preventDefault();
    const result = await submit.run();
    if (result.ok) navigate("/", { replace: true });
    else setPassword("");
  }

  return (
    <Section
      id="delete"
      title="Delete account"
      tone="danger"
      description="This removes your account and signs you out everywhere. It cannot be undone."
    >
      <form onSubmit={onSubmit} noValidate aria-label="Delete account" className="form form-narrow">
        {submit.error !== null && !wrongPassword && (
          <SubmitError error={submit.error} />
        )}
        {me.has_password ? (
          <Field
            label="Confirm with your password"
            name="password"
            type="password"
            autoComplete="current-password"
            required
            value={password}
            onChange={setPassword}
            error={wrongPassword ? "Your password is wrong." : errors.password}
          />
        ) : (
          <label className="checkbox">
            <input
              type="checkbox"
              checked={understood}
              onChange={(e) => setUnderstood(e.target.checked)}
            />
            I understand that my account will be deleted.
          </label>
        )}
        <div className="form-actions">
          <button
            type="submit"
            className="button button-danger"
            disabled={submit.pending || (me.has_password ? !password : !understood)}
            aria-busy={submit.pending}
            data-testid="delete-account"
          >
            {submit.pending && <span className="spinner spinner-small" aria-hidden="true" />}
            {submit.pending ? "Deleting…" : "Delete my account"}
          </button>
        </div>
      </form>
    </Section>
  );
}

export function SettingsPage() {
  useDocumentTitle("Settings");
  const session = useSession();
  const navigate = useNavigate();
  const { pathname, search } = useLocation();
  const justLinked = useSearchParams().get("github") === "linked";
  const githubOffered = useGithubSignIn();

  useEffect(() => {
    if (session.status === "signed_out") {
      navigate(loginHref(pathname + search), { replace: true });
    }
  }, [session.status, navigate, pathname, search]);

  if (session.status !== "signed_in") {
    return <LoadingBlock label="Loading your account…" />;
  }
  const me = session.me;
  // Without GitHub sign-in there is nothing to link; an existing link stays visible.
  const showGithub = githubOffered || me.github_login !== null;
  return (
    <div className="settings" data-testid="settings-page">
      <header className="settings-header">
        <h1>Settings</h1>
        <p className="muted">
          Signed in as <strong data-testid="settings-name">{me.display_name}</strong> ·
          member since {formatDate(me.created_at)}
        </p>
      </header>
      <nav className="settings-nav" aria-label="Settings sections">
        <a href="#profile">Profile</a>
        <a href="#email">Email</a>
        <a href="#password">Password</a>
        {showGithub && <a href="#github">GitHub</a>}
        <a href="#tokens">API tokens</a>
        <a href="#delete">Delete account</a>
      </nav>
      <div className="settings-sections">
        <ProfileSection me={me} />
        <Section
          id="sponsor-profile"
          title="Sponsor profile"
          description="How projects you sponsor under your name may show you on their sponsor wall, once their maintainers approve you."
        >
          <SponsorProfileForm />
        </Section>
        <EmailSection me={me} />
        <PasswordSection me={me} />
        {showGithub && (
          <GithubSection me={me} justLinked={justLinked} offered={githubOffered} />
        )}
        <Section
          id="tokens"
          title="API tokens"
          description={
            <>
              Personal tokens let scripts call the OpenFund API as you. Send one as{" "}
              <code>Authorization: Bearer &lt;token&gt;</code>.
            </>
          }
        >
          <TokensSection />
        </Section>
        <DeleteSection me={me} />
      </div>
    </div>
  );
}
