import { useEffect, useId, useRef, useState, type FormEvent, type KeyboardEvent, type RefObject } from "react";
import { api, type ApiToken, type CreatedApiToken, type TokenScope } from "../../api/client";
import { Field, FormAlert, SubmitButton } from "../../components/Form";
import { EmptyState, ErrorState, LoadingBlock } from "../../components/States";
import { formatShortDate } from "../../lib/format";
import { fieldErrors, problemMessage } from "../../lib/problems";
import { useAsync } from "../../lib/useAsync";
import { useSubmit } from "../../lib/useSubmit";
import { checkLabel, TOKEN_NAME_MAX, useFieldChecks } from "../../lib/validate";
import { copyText } from "../../lib/clipboard";

const SCOPES: { scope: TokenScope; label: string; hint: string }[] = [
  { scope: "read", label: "read", hint: "Read your account's data through the API." },
  { scope: "write", label: "write", hint: "Create and change things on your behalf." },
];

/**
 * Shows a new token's secret, once, with a copy button and a warning.
 *
 * A native modal `<dialog>` (`showModal()`): the browser keeps keyboard focus
 * inside it, makes the page behind inert for pointer, keyboard and screen
 * readers, and closes it on Escape (the `cancel` event). Focus goes back to
 * whatever opened it.
 */
export function TokenCreatedDialog({
  created,
  onClose,
  returnFocus,
}: {
  created: CreatedApiToken;
  onClose: () => void;
  /** Where focus goes on close when what had it is gone (a submit button that was busy). */
  returnFocus?: () => HTMLElement | null;
}) {
  const titleId = useId();
  const warnId = useId();
  const dialogRef = useRef<HTMLDialogElement>(null);
  const inputRef = useRef<HTMLInputElement>(null);
  const [copied, setCopied] = useState<boolean | null>(null);
  const closeRef = useRef(onClose);
  closeRef.current = onClose;
  const returnRef = useRef(returnFocus);
  returnRef.current = returnFocus;

  useEffect(() => {
    const dialog = dialogRef.current;
    if (!dialog) return;
    const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    // Browsers without showModal (and jsdom) get a plain open dialog.
    if (typeof dialog.showModal === "function") {
      if (!dialog.open) dialog.showModal();
    } else {
      dialog.setAttribute("open", "");
    }
    inputRef.current?.focus();
    inputRef.current?.select();
    const onCancel = (e: Event) => {
      // Escape: let React remove the dialog rather than the browser hiding it.
      e.preventDefault();
      closeRef.current();
    };
    dialog.addEventListener("cancel", onCancel);
    return () => {
      dialog.removeEventListener("cancel", onCancel);
      if (typeof dialog.close === "function" && dialog.open) dialog.close();
      const back =
        opener && opener !== document.body && opener.isConnected ? opener : returnRef.current?.();
      back?.focus();
    };
  }, []);

  // The modal dialog already keeps focus off the page behind; Tab past its last
  // control would go to the browser's own toolbar. Wrap round instead, as dialogs
  // usually do, so keyboard users stay among the dialog's controls.
  function wrapTab(e: KeyboardEvent<HTMLDialogElement>) {
    if (e.key !== "Tab") return;
    const focusable = [
      ...e.currentTarget.querySelectorAll<HTMLElement>("button, input, a[href], [tabindex='0']"),
    ].filter((el) => !el.hasAttribute("disabled"));
    const first = focusable[0];
    const last = focusable[focusable.length - 1];
    if (!first || !last) return;
    if (e.shiftKey && document.activeElement === first) {
      e.preventDefault();
      last.focus();
    } else if (!e.shiftKey && document.activeElement === last) {
      e.preventDefault();
      first.focus();
    }
  }

  return (
    <dialog
      ref={dialogRef}
      onKeyDown={wrapTab}
      className="dialog card"
      aria-labelledby={titleId}
      aria-describedby={warnId}
      data-testid="token-created"
    >
      <h2 id={titleId}>Token “{created.token.name}” created</h2>
      <p className="dialog-warning" id={warnId}>
        <strong>Copy it now.</strong> This is the only time the secret is shown: we keep only a
        fingerprint of it. If you lose it, revoke the token and create a new one.
      </p>
      <label className="field-label" htmlFor={`${titleId}-secret`}>
        Your new token
      </label>
      <div className="secret-box">
        <input
          id={`${titleId}-secret`}
          ref={inputRef}
          className="input secret-input"
          readOnly
          value={created.secret}
          onFocus={(e) => e.currentTarget.select()}
          data-testid="token-secret"
          spellCheck={false}
        />
        <button
          type="button"
          className="button button-secondary"
          onClick={async () => setCopied(await copyText(created.secret, inputRef.current))}
          data-testid="token-copy"
        >
          {copied ? "Copied ✓" : "Copy"}
        </button>
      </div>
      <p className="muted small" role="status">
        {copied === false ? "Copy failed: select the text and copy it by hand." : ""}
      </p>
      <div className="dialog-actions">
        <button type="button" className="button" onClick={onClose} data-testid="token-done">
          I have copied it
        </button>
      </div>
    </dialog>
  );
}

function ScopeList({ scopes }: { scopes: readonly string[] }) {
  return (
    <span className="scope-list">
      {scopes.map((s) => (
        <span key={s} className={`pill pill-scope pill-${s}`}>
          {s}
        </span>
      ))}
    </span>
  );
}

function TokenRow({ token, onRevoked }: { token: ApiToken; onRevoked: (id: number) => void }) {
  const [confirming, setConfirming] = useState(false);
  const revoke = useSubmit(() => api.revokeToken(token.id));
  const confirmRef = useRef<HTMLButtonElement>(null);

  useEffect(() => {
    if (confirming) confirmRef.current?.focus();
  }, [confirming]);

  async function onConfirm() {
    const result = await revoke.run();
    if (result.ok) onRevoked(token.id);
  }

  return (
    <tr data-testid="token-row" data-token-id={token.id}>
      <th scope="row" className="token-name">
        {token.name}
      </th>
      <td>
        <ScopeList scopes={token.scopes} />
      </td>
      <td>
        <code className="token-prefix" data-testid="token-prefix">
          {token.prefix}…
        </code>
      </td>
      <td>
        <time dateTime={token.created_at}>{formatShortDate(token.created_at)}</time>
      </td>
      <td>
        {token.last_used_at ? (
          <time dateTime={token.last_used_at}>{formatShortDate(token.last_used_at)}</time>
        ) : (
          <span className="muted">Never</span>
        )}
      </td>
      <td className="token-actions">
        {revoke.error !== null && (
          <span className="inline-error" role="alert">
            {problemMessage(revoke.error)}
          </span>
        )}
        {confirming ? (
          <span className="confirm-inline" role="group" aria-label={`Revoke ${token.name}?`}>
            <span className="confirm-text">Revoke?</span>
            <button
              ref={confirmRef}
              type="button"
              className="button button-danger button-small"
              onClick={() => void onConfirm()}
              disabled={revoke.pending}
              aria-busy={revoke.pending}
              data-testid="token-revoke-confirm"
            >
              {revoke.pending ? "Revoking…" : "Yes, revoke"}
            </button>
            <button
              type="button"
              className="button button-secondary button-small"
              onClick={() => setConfirming(false)}
              disabled={revoke.pending}
            >
              Cancel
            </button>
          </span>
        ) : (
          <button
            type="button"
            className="button button-secondary button-small"
            onClick={() => setConfirming(true)}
            aria-label={`Revoke token ${token.name}`}
            data-testid="token-revoke"
          >
            Revoke
          </button>
        )}
      </td>
    </tr>
  );
}

function CreateTokenForm({
  onCreated,
  formRef,
}: {
  onCreated: (created: CreatedApiToken) => void;
  formRef: RefObject<HTMLFormElement | null>;
}) {
  const [name, setName] = useState("");
  const [scopes, setScopes] = useState<TokenScope[]>(["read"]);
  const [scopeError, setScopeError] = useState<string | null>(null);
  const submit = useSubmit(() => api.createToken({ name: name.trim(), scopes }));
  const checks = useFieldChecks();
  const errors = { ...fieldErrors(submit.error), ...checks.errors };
  const scopeErrorId = useId();

  function toggle(scope: TokenScope, on: boolean) {
    setScopeError(null);
    setScopes((prev) =>
      on ? SCOPES.map((s) => s.scope).filter((s) => s === scope || prev.includes(s)) : prev.filter((s) => s !== scope),
    );
  }

  async function onSubmit(e: FormEvent) {
    e.preventDefault();
    const nameOk = checks.check(formRef.current, {
      name: checkLabel(name, "a name for the token", TOKEN_NAME_MAX),
    });
    if (scopes.length === 0) setScopeError("Choose at least one scope.");
    if (!nameOk || scopes.length === 0) {
      submit.reset();
      return;
    }
    const result = await submit.run();
    if (result.ok) {
      setName("");
      setScopes(["read"]);
      onCreated(result.value);
    }
  }

  const shownScopeError = scopeError ?? errors.scopes;
  return (
    <form
      ref={formRef}
      onSubmit={onSubmit}
      noValidate
      aria-label="Create API token"
      className="form token-form"
    >
      <h3 className="subsection-title">Create a token</h3>
      {submit.error !== null && <FormAlert>{problemMessage(submit.error)}</FormAlert>}
      <Field
        label="Token name"
        name="name"
        required
        value={name}
        onChange={(v) => {
          setName(v);
          checks.clear("name");
        }}
        error={errors.name}
        hint="Something to recognise it by, e.g. “CI sync script”."
        autoComplete="off"
        data-testid="token-name"
      />
      <fieldset
        className={`field scopes${shownScopeError ? " field-invalid" : ""}`}
        aria-describedby={shownScopeError ? scopeErrorId : undefined}
      >
        <legend className="field-label">Scopes</legend>
        {SCOPES.map((s) => (
          <label key={s.scope} className="checkbox">
            <input
              type="checkbox"
              name="scopes"
              value={s.scope}
              checked={scopes.includes(s.scope)}
              onChange={(e) => toggle(s.scope, e.target.checked)}
              data-testid={`scope-${s.scope}`}
            />
            <span>
              <code>{s.label}</code> <span className="muted">— {s.hint}</span>
            </span>
          </label>
        ))}
        {shownScopeError && (
          <p className="field-error" id={scopeErrorId}>
            {shownScopeError}
          </p>
        )}
      </fieldset>
      <div className="form-actions">
        <SubmitButton pending={submit.pending} pendingLabel="Creating…" testId="token-create">
          Create token
        </SubmitButton>
      </div>
    </form>
  );
}

/** The API tokens section of the settings page: list, create (secret once), revoke. */
export function TokensSection() {
  const state = useAsync((signal) => api.listTokens({ signal }), []);
  const [tokens, setTokens] = useState<ApiToken[] | null>(null);
  const [created, setCreated] = useState<CreatedApiToken | null>(null);
  const listRef = useRef<HTMLDivElement>(null);
  const createFormRef = useRef<HTMLFormElement>(null);

  const loaded = state.status === "success" ? state.data : null;
  useEffect(() => {
    if (loaded) setTokens(loaded);
  }, [loaded]);

  let list;
  if (tokens === null) {
    list =
      state.status === "error" ? (
        <ErrorState error={state.error} onRetry={state.retry} />
      ) : (
        <LoadingBlock label="Loading tokens…" />
      );
  } else if (tokens.length === 0) {
    list = (
      <EmptyState title="No tokens yet" testId="tokens-empty">
        <p>Create one below to use the API from a script.</p>
      </EmptyState>
    );
  } else {
    list = (
      <div className="table-wrap">
        <table className="token-table" data-testid="token-table">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Scopes</th>
              <th scope="col">Prefix</th>
              <th scope="col">Created</th>
              <th scope="col">Last used</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {tokens.map((t) => (
              <TokenRow
                key={t.id}
                token={t}
                onRevoked={(id) => {
                  setTokens((prev) => (prev ?? []).filter((x) => x.id !== id));
                  listRef.current?.focus();
                }}
              />
            ))}
          </tbody>
        </table>
      </div>
    );
  }

  return (
    <>
      <div ref={listRef} tabIndex={-1} className="tokens-list">
        {list}
      </div>
      <CreateTokenForm
        formRef={createFormRef}
        onCreated={(c) => {
          setTokens((prev) => [c.token, ...(prev ?? []).filter((t) => t.id !== c.token.id)]);
          setCreated(c);
        }}
      />
      {created && (
        <TokenCreatedDialog
          created={created}
          onClose={() => setCreated(null)}
          returnFocus={() =>
            createFormRef.current?.querySelector<HTMLElement>('button[type="submit"]') ?? null
          }
        />
      )}
    </>
  );
}
