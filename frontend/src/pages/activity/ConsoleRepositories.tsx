/**
 * The console's "Repositories" section: link a GitHub repository (its webhook URL and
 * secret shown once, with GitHub's settings steps), each repository's sync status with
 * "Sync now" and live progress (the list is asked again while a sync is queued or
 * running), a new webhook secret, and unlinking.
 */
import { useCallback, useEffect, useId, useRef, useState, type FormEvent } from "react";
import {
  api,
  isApiError,
  type Project,
  type Repository,
  type RepositoryList,
  type RepositoryWebhook,
} from "../../api/client";
import { Field, FormAlert, Notice, SubmitButton } from "../../components/Form";
import { EmptyState, ErrorState, LoadingBlock } from "../../components/States";
import { copyText } from "../../lib/clipboard";
import { pluralize } from "../../lib/format";
import { fieldErrors } from "../../lib/problems";
import {
  formatDateTimeUtc,
  parseFullName,
  phaseLabel,
  pollDelay,
  rateLimitWords,
  resourceLabel,
  sortResources,
  syncInProgress,
  syncPhase,
  totalItems,
  type SyncPhase,
} from "../../lib/sync";
import { useSubmit } from "../../lib/useSubmit";
import { consoleProblemMessage } from "../funding/consoleParts";

const REPOSITORY_MESSAGES: Record<string, string> = {
  repository_linked:
    "This repository is linked already, to this project or to another one: a repository belongs to one project.",
  project_archived: "This project is archived: unarchive it in its settings before linking or syncing repositories.",
  not_found: "This repository is no longer linked to the project. Reload the page to see the list as it is.",
};

/** The sentence a repository action shows when it fails. */
export function repositoryProblemMessage(error: unknown): string {
  if (isApiError(error) && error.status < 500) {
    const known = REPOSITORY_MESSAGES[error.code];
    if (known) return known;
  }
  return consoleProblemMessage(error);
}

// ------------------------------------------------------------ the list, polled while syncing

type ListState =
  | { status: "loading" }
  | { status: "error"; error: unknown }
  | { status: "ready"; data: RepositoryList; refreshError: unknown };

/**
 * The project's repositories. `refresh` asks again without blanking what is shown; while
 * a sync is queued or running the list is asked again by itself ({@link pollDelay}:
 * from every second, slower while nothing moves).
 */
function useRepositoryList(slug: string) {
  const [state, setState] = useState<ListState>({ status: "loading" });
  const controller = useRef<AbortController | null>(null);

  const refresh = useCallback(async () => {
    controller.current?.abort();
    const c = new AbortController();
    controller.current = c;
    try {
      const data = await api.listRepositories(slug, { signal: c.signal });
      if (!c.signal.aborted) setState({ status: "ready", data, refreshError: null });
    } catch (error) {
      if (c.signal.aborted) return;
      setState((s) => (s.status === "ready" ? { ...s, refreshError: error } : { status: "error", error }));
    }
  }, [slug]);

  const reload = useCallback(() => {
    setState({ status: "loading" });
    void refresh();
  }, [refresh]);

  useEffect(() => {
    void refresh();
    return () => controller.current?.abort();
  }, [refresh]);

  const attempt = useRef(0);
  const seen = useRef<string>("");
  const polling = state.status === "ready" && syncInProgress(state.data.items);
  useEffect(() => {
    if (state.status !== "ready" || !polling) {
      attempt.current = 0;
      return;
    }
    // Anything moving (items, a phase) starts the back-off again.
    const mark = `${totalItems(state.data.items)}|${state.data.items.map(syncPhase).join(",")}`;
    if (mark !== seen.current) {
      seen.current = mark;
      attempt.current = 0;
    }
    const timer = window.setTimeout(() => {
      attempt.current += 1;
      void refresh();
    }, pollDelay(attempt.current));
    return () => window.clearTimeout(timer);
  }, [state, polling, refresh]);

  return { state, refresh, reload, polling };
}

// ------------------------------------------------------------ the secret, shown once

function CopyField({ label, value, testId }: { label: string; value: string; testId: string }) {
  const id = useId();
  const input = useRef<HTMLInputElement>(null);
  const [copied, setCopied] = useState<boolean | null>(null);
  return (
    <div className="field">
      <label className="field-label" htmlFor={id}>
        {label}
      </label>
      <div className="secret-box">
        <input
          id={id}
          ref={input}
          className="input secret-input"
          readOnly
          value={value}
          onFocus={(e) => e.currentTarget.select()}
          spellCheck={false}
          data-testid={testId}
        />
        <button
          type="button"
          className="button button-secondary"
          onClick={async () => setCopied(await copyText(value, input.current))}
          aria-label={`Copy the ${label.toLowerCase()}`}
          data-testid={`${testId}-copy`}
        >
          {copied ? "Copied ✓" : "Copy"}
        </button>
      </div>
      <p className="muted small" role="status">
        {copied === true ? `${label} copied.` : copied === false ? "Copy failed: select the text and copy it by hand." : ""}
      </p>
    </div>
  );
}

/** What GitHub's "Add webhook" form needs, with the secret shown this once. */
export function WebhookSetup({
  webhook,
  rotated,
  onDone,
}: {
  webhook: RepositoryWebhook;
  rotated: boolean;
  onDone: () => void;
}) {
  const titleId = useId();
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus(), []);
  const name = webhook.repository.full_name;
  return (
    <section className="card webhook-setup" aria-labelledby={titleId} data-testid="webhook-setup">
      <h3 id={titleId} ref={heading} tabIndex={-1}>
        {rotated ? `New webhook secret for ${name}` : `${name} is linked: set up its webhook`}
      </h3>
      <p className="dialog-warning">
        <strong>Copy the secret now.</strong> This is the only time it is shown. If it is lost, give the
        repository a new secret here and paste that one into GitHub instead.
      </p>
      <CopyField label="Payload URL" value={webhook.webhook_url} testId="webhook-url" />
      <CopyField label="Secret" value={webhook.webhook_secret} testId="webhook-secret" />
      {rotated ? (
        <p>
          The old secret stopped working just now. On GitHub, open the repository's <strong>Settings</strong> →{" "}
          <strong>Webhooks</strong>, edit this instance's webhook, paste the new secret into <strong>Secret</strong>{" "}
          and press <strong>Update webhook</strong>.
        </p>
      ) : (
        <>
          <p>On GitHub, as someone who administers {name}:</p>
          <ol className="steps" data-testid="webhook-steps">
            <li>
              Open the repository's <strong>Settings</strong> → <strong>Webhooks</strong> →{" "}
              <strong>Add webhook</strong>.
            </li>
            <li>
              <strong>Payload URL</strong>: the Payload URL above.
            </li>
            <li>
              <strong>Content type</strong>: <code>application/json</code> (deliveries in another type are refused).
            </li>
            <li>
              <strong>Secret</strong>: the secret above. Leave SSL verification on.
            </li>
            <li>
              <strong>Which events</strong>: choose <em>Let me select individual events</em> and tick{" "}
              <strong>Pushes</strong>, <strong>Pull requests</strong>, <strong>Pull request reviews</strong>,{" "}
              <strong>Issues</strong>, <strong>Issue comments</strong> and <strong>Releases</strong>. Other events
              are ignored.
            </li>
            <li>
              Keep <strong>Active</strong> ticked and press <strong>Add webhook</strong>. GitHub sends a ping at
              once; its delivery should show a green tick.
            </li>
          </ol>
          <p className="muted small">
            Webhooks bring new activity as it happens. The history before them comes from a sync: press “Sync now”
            below.
          </p>
        </>
      )}
      <div className="dialog-actions">
        <button type="button" className="button" onClick={onDone} data-testid="webhook-done">
          I have copied it
        </button>
      </div>
    </section>
  );
}

// ------------------------------------------------------------ linking

function LinkForm({ project, onLinked }: { project: Project; onLinked: (w: RepositoryWebhook) => void }) {
  const [value, setValue] = useState("");
  const [error, setError] = useState<string | null>(null);
  const submit = useSubmit((fullName: string) => api.linkRepository(project.slug, fullName));

  async function onSubmit(e: FormEvent) {
    e.preventDefault();
    const fullName = parseFullName(value);
    if (!fullName) {
      setError("Enter the repository as owner/name, like huggingface/transformers.");
      return;
    }
    setError(null);
    const result = await submit.run(fullName);
    if (result.ok) {
      setValue("");
      onLinked(result.value);
    } else {
      setError(fieldErrors(result.error).full_name ?? null);
    }
  }

  return (
    <form className="form form-narrow" onSubmit={(e) => void onSubmit(e)} noValidate data-testid="link-repository-form">
      {submit.error !== null && !fieldErrors(submit.error).full_name && (
        <FormAlert>{repositoryProblemMessage(submit.error)}</FormAlert>
      )}
      <Field
        label="GitHub repository"
        name="full_name"
        value={value}
        onChange={setValue}
        error={error}
        placeholder="owner/name"
        autoComplete="off"
        spellCheck={false}
        maxLength={200}
        hint="owner/name as on GitHub, or the repository's address. A repository belongs to one project."
        required
      />
      <div className="form-actions">
        <SubmitButton pending={submit.pending} pendingLabel="Linking…" testId="link-repository-submit">
          Link repository
        </SubmitButton>
      </div>
    </form>
  );
}

// ------------------------------------------------------------ one repository

function Timestamp({ at }: { at: string }) {
  return <time dateTime={at}>{formatDateTimeUtc(at)}</time>;
}

const PHASE_PILL: Record<SyncPhase, string> = {
  hidden: "pill",
  never: "pill",
  queued: "pill pill-read",
  running: "pill pill-read",
  failed: "pill pill-warn",
  synced: "pill pill-ok",
};

/** The live line under a repository's name: what its sync is doing, for screen readers too. */
export function progressWords(repo: Repository): string {
  const phase = syncPhase(repo);
  const items = (repo.status?.resources ?? []).reduce((n, r) => n + r.items_stored, 0);
  const stored = `${pluralize(items, "item")} stored`;
  switch (phase) {
    case "queued":
      return "Sync queued: waiting for a worker to start it.";
    case "running":
      return `Syncing: ${stored} so far.`;
    case "failed":
      return `The last sync stopped with an error; ${stored}.`;
    case "synced":
      return `Synced; ${stored}.`;
    case "never":
      return "Not synced yet.";
    default:
      return "";
  }
}

function ResourceTable({ repo }: { repo: Repository }) {
  const resources = sortResources(repo.status?.resources ?? []);
  if (resources.length === 0) return null;
  const caption = `What the sync of ${repo.full_name} has stored`;
  return (
    <div className="table-wrap" tabIndex={0} role="region" aria-label={caption}>
      <table className="token-table funding-table" data-testid="sync-resources">
        <caption className="visually-hidden">{caption}</caption>
        <thead>
          <tr>
            <th scope="col">Resource</th>
            <th scope="col" className="num">
              Items stored
            </th>
            <th scope="col" className="num">
              Requests
            </th>
            <th scope="col" className="num">
              Of which unchanged (304)
            </th>
            <th scope="col">State</th>
          </tr>
        </thead>
        <tbody>
          {resources.map((r) => (
            <tr key={r.resource} data-testid="sync-resource" data-resource={r.resource}>
              <th scope="row">{resourceLabel(r.resource)}</th>
              <td className="num" data-testid="resource-items">
                {r.items_stored.toLocaleString("en-US")}
              </td>
              <td className="num">{r.requests_spent.toLocaleString("en-US")}</td>
              <td className="num">{r.not_modified.toLocaleString("en-US")}</td>
              <td>
                {r.skipped ? (
                  <span className="muted small" data-testid="resource-skipped">
                    Left out: {r.skipped}
                  </span>
                ) : r.resuming ? (
                  <span className="pill pill-warn">Paused; resumes where it stopped</span>
                ) : (
                  <span className="muted small">
                    Updated <Timestamp at={r.updated_at} />
                  </span>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function RepositoryCard({
  project,
  repo,
  onChanged,
  onUnlinked,
  onSecret,
}: {
  project: Project;
  repo: Repository;
  onChanged: () => void;
  onUnlinked: () => void;
  onSecret: (w: RepositoryWebhook) => void;
}) {
  const [confirming, setConfirming] = useState<"unlink" | "rotate" | null>(null);
  const [queuedNote, setQueuedNote] = useState<string | null>(null);
  const sync = useSubmit(() => api.syncRepository(project.slug, repo.owner, repo.name));
  const unlink = useSubmit(() => api.unlinkRepository(project.slug, repo.owner, repo.name));
  const rotate = useSubmit(() => api.rotateRepositorySecret(project.slug, repo.owner, repo.name));
  const phase = syncPhase(repo);
  const s = repo.status;
  const busy = phase === "queued" || phase === "running";
  const headingId = useId();
  return (
    <li
      className="card repository-card"
      aria-labelledby={headingId}
      data-testid="repository"
      data-name={repo.full_name}
      data-phase={phase}
    >
      <div className="goal-card-head">
        <h4 id={headingId}>{repo.full_name}</h4>
        {phase !== "hidden" && (
          <span className={PHASE_PILL[phase]} data-testid="sync-phase">
            {busy && <span className="spinner spinner-small" aria-hidden="true" />} {phaseLabel(phase)}
          </span>
        )}
      </div>
      <p className="muted small" role="status" data-testid="sync-progress">
        {progressWords(repo)}
      </p>
      <dl className="details details-compact">
        <dt>Linked</dt>
        <dd>
          <Timestamp at={repo.linked_at} />
        </dd>
        <dt>Last successful sync</dt>
        <dd data-testid="last-success">{repo.last_success_at ? <Timestamp at={repo.last_success_at} /> : "Never"}</dd>
        {s?.last_sync_started_at && (
          <>
            <dt>Last sync started</dt>
            <dd>
              <Timestamp at={s.last_sync_started_at} />
            </dd>
          </>
        )}
        {s?.last_error && (
          <>
            <dt>Last error</dt>
            <dd className="field-error" data-testid="last-error">
              {s.last_error}
              {s.last_error_at && (
                <span className="muted small">
                  {" "}
                  (<Timestamp at={s.last_error_at} />)
                </span>
              )}
            </dd>
          </>
        )}
        {s?.rate_limit && (
          <>
            <dt>GitHub rate limit</dt>
            <dd data-testid="rate-limit">{rateLimitWords(s.rate_limit)}</dd>
          </>
        )}
        {s?.default_branch && (
          <>
            <dt>Default branch</dt>
            <dd>
              <code>{s.default_branch}</code>
            </dd>
          </>
        )}
      </dl>
      <ResourceTable repo={repo} />
      {queuedNote && <p className="muted small">{queuedNote}</p>}
      <div className="goal-actions">
        <button
          type="button"
          className="button button-small"
          disabled={sync.pending || busy}
          aria-busy={sync.pending}
          aria-label={sync.pending ? undefined : `${busy ? "Sync in progress" : "Sync now"}: ${repo.full_name}`}
          onClick={() =>
            void sync.run().then((r) => {
              if (r.ok) {
                setQueuedNote(r.value.queued ? null : "A sync of this repository was already queued or running.");
                onChanged();
              }
            })
          }
          data-testid="sync-now"
        >
          {sync.pending ? "Asking…" : busy ? "Sync in progress" : "Sync now"}
        </button>
        {confirming === null && (
          <>
            <button
              type="button"
              className="button button-secondary button-small"
              onClick={() => setConfirming("rotate")}
              aria-label={`New webhook secret for ${repo.full_name}`}
              data-testid="rotate-secret"
            >
              New webhook secret
            </button>
            <button
              type="button"
              className="button button-secondary button-small"
              onClick={() => setConfirming("unlink")}
              aria-label={`Unlink ${repo.full_name}`}
              data-testid="unlink"
            >
              Unlink
            </button>
          </>
        )}
        {confirming === "rotate" && (
          <span className="confirm-inline">
            <span className="confirm-text">
              Give {repo.full_name} a new secret? The current one stops working at once.
            </span>
            <button
              type="button"
              className="button button-danger button-small"
              disabled={rotate.pending}
              aria-busy={rotate.pending}
              onClick={() =>
                void rotate.run().then((r) => {
                  if (r.ok) {
                    setConfirming(null);
                    onSecret(r.value);
                  }
                })
              }
              data-testid="rotate-confirm"
            >
              {rotate.pending ? "Rotating…" : "Yes, new secret"}
            </button>
            <button type="button" className="link-button" onClick={() => setConfirming(null)} disabled={rotate.pending}>
              Keep the current one
            </button>
          </span>
        )}
        {confirming === "unlink" && (
          <span className="confirm-inline">
            <span className="confirm-text">
              Unlink {repo.full_name}? It is no longer synced and its webhooks are refused; its contributions stay in
              the history but stop counting.
            </span>
            <button
              type="button"
              className="button button-danger button-small"
              disabled={unlink.pending}
              aria-busy={unlink.pending}
              onClick={() =>
                void unlink.run().then((r) => {
                  if (r.ok) {
                    setConfirming(null);
                    onUnlinked();
                  }
                })
              }
              data-testid="unlink-confirm"
            >
              {unlink.pending ? "Unlinking…" : "Yes, unlink"}
            </button>
            <button type="button" className="link-button" onClick={() => setConfirming(null)} disabled={unlink.pending}>
              Keep it linked
            </button>
          </span>
        )}
      </div>
      {sync.error !== null && <FormAlert testId="sync-error">{repositoryProblemMessage(sync.error)}</FormAlert>}
      {rotate.error !== null && <FormAlert testId="rotate-error">{repositoryProblemMessage(rotate.error)}</FormAlert>}
      {unlink.error !== null && <FormAlert testId="unlink-error">{repositoryProblemMessage(unlink.error)}</FormAlert>}
    </li>
  );
}

// ------------------------------------------------------------ the section

/** Shown when the instance talks to GitHub without credentials (60 requests an hour). */
export function UnauthenticatedNote() {
  return (
    <Notice tone="warning" title="This instance syncs without a GitHub token" testId="github-unauthenticated">
      <p>
        GitHub allows 60 requests an hour without one, shared by every repository on this instance: a large
        history takes many hours, and syncs pause until the limit resets. Pull-request reviews are not synced
        without one either (GitHub's GraphQL API needs a token). A site administrator can set{" "}
        <code>OPENFUND_GITHUB_TOKEN</code> (a personal or fine-grained access token with read access to public
        repositories) or a GitHub App (<code>OPENFUND_GITHUB_APP_ID</code> and its private key) and restart the
        server: 5,000 requests an hour or more.
      </p>
    </Notice>
  );
}

export function ConsoleRepositories({ project }: { project: Project }) {
  const { state, refresh, reload, polling } = useRepositoryList(project.slug);
  const [shown, setShown] = useState<{ webhook: RepositoryWebhook; rotated: boolean } | null>(null);
  const [unlinked, setUnlinked] = useState<string | null>(null);

  return (
    <>
      <p className="muted">
        Contributors are recognised from the activity of the project's GitHub repositories: commits, pull requests,
        reviews, issues, comments and releases. Link a repository, add its webhook on GitHub for new activity, and sync
        it once for its history.
      </p>
      {state.status === "ready" && state.data.github_auth === "unauthenticated" && <UnauthenticatedNote />}
      {shown ? (
        <WebhookSetup webhook={shown.webhook} rotated={shown.rotated} onDone={() => setShown(null)} />
      ) : (
        <>
          <h3>Link a repository</h3>
          <LinkForm
            project={project}
            onLinked={(w) => {
              setUnlinked(null);
              setShown({ webhook: w, rotated: false });
              void refresh();
            }}
          />
        </>
      )}
      <h3 className="repositories-title">Linked repositories</h3>
      {unlinked && <Notice testId="repository-unlinked">{unlinked} is unlinked.</Notice>}
      {state.status === "loading" && <LoadingBlock label="Loading repositories…" />}
      {state.status === "error" && <ErrorState error={state.error} onRetry={reload} />}
      {state.status === "ready" && state.data.items.length === 0 && (
        <EmptyState title="No repository linked yet" testId="no-repositories">
          <p>Link the project's GitHub repositories above to recognise the people who work on them.</p>
        </EmptyState>
      )}
      {state.status === "ready" && state.data.items.length > 0 && (
        <>
          <ul className="goal-list" data-testid="repositories" aria-busy={polling}>
            {state.data.items.map((repo) => (
              <RepositoryCard
                key={repo.full_name}
                project={project}
                repo={repo}
                onChanged={() => {
                  void refresh();
                }}
                onUnlinked={() => {
                  setUnlinked(repo.full_name);
                  void refresh();
                }}
                onSecret={(w) => setShown({ webhook: w, rotated: true })}
              />
            ))}
          </ul>
          {state.refreshError !== null && (
            <FormAlert tone="warning" testId="refresh-error">
              Could not refresh the sync status: {repositoryProblemMessage(state.refreshError)}{" "}
              <button type="button" className="link-button" onClick={() => void refresh()}>
                Try again
              </button>
            </FormAlert>
          )}
        </>
      )}
    </>
  );
}
