/**
 * Site admins' pages: failed background jobs (retry one, or every failed job of
 * a kind) and the mail outbox. Both lists are read page by page with cursors.
 */
import { useEffect, useId, useRef, useState, type ReactNode } from "react";
import { api, type Job, type OutboxMessage } from "../../api/client";
import { useSession } from "../../auth/useSession";
import { FormAlert, Notice } from "../../components/Form";
import { EmptyState, ErrorState, LoadingBlock } from "../../components/States";
import { useInstance } from "../../instance/instance";
import { loginHref } from "../../lib/next";
import { pluralize } from "../../lib/format";
import { problemMessage } from "../../lib/problems";
import { useCursorList } from "../../lib/useCursorList";
import { useDocumentTitle } from "../../lib/useAsync";
import { useSubmit } from "../../lib/useSubmit";
import { Link, useLocation, useNavigate } from "../../router";

const PAGE_SIZE = 25;

const dateTimeFormat = new Intl.DateTimeFormat("en-GB", {
  day: "numeric",
  month: "short",
  year: "numeric",
  hour: "2-digit",
  minute: "2-digit",
  timeZone: "UTC",
  timeZoneName: "short",
});

/** RFC 3339 → "28 Nov 2025, 09:30 UTC". */
export function formatDateTime(rfc3339: string): string {
  const ms = Date.parse(rfc3339);
  return Number.isNaN(ms) ? rfc3339 : dateTimeFormat.format(new Date(ms));
}

/** A job kind in words: `send_mail` → "Send mail". */
export function kindWords(kind: string): string {
  const words = kind.replace(/[_-]+/g, " ").trim();
  return words ? words.charAt(0).toUpperCase() + words.slice(1) : kind;
}

function AdminNav() {
  const { pathname } = useLocation();
  const links = [
    { to: "/admin/jobs", label: "Failed jobs" },
    { to: "/admin/outbox", label: "Mail outbox" },
  ];
  return (
    <nav className="admin-nav" aria-label="Admin">
      {links.map((l) => (
        <Link key={l.to} to={l.to} aria-current={pathname === l.to ? "page" : undefined}>
          {l.label}
        </Link>
      ))}
    </nav>
  );
}

/** The frame of an admin page: only for signed-in site admins. */
function AdminFrame({
  title,
  lead,
  testId,
  children,
}: {
  title: string;
  lead: ReactNode;
  testId: string;
  children: ReactNode;
}) {
  useDocumentTitle(title);
  const session = useSession();
  const navigate = useNavigate();
  const { pathname, search } = useLocation();

  useEffect(() => {
    if (session.status === "signed_out") navigate(loginHref(pathname + search), { replace: true });
  }, [session.status, navigate, pathname, search]);

  if (session.status !== "signed_in") return <LoadingBlock label="Loading your account…" />;
  if (!session.me.is_admin) {
    return (
      <div className="notice" data-testid="admin-only">
        <h1>{title}</h1>
        <p>This page is for the people who run this site. Your account cannot see it.</p>
        <Link to="/" className="button">
          Go to the home page
        </Link>
      </div>
    );
  }
  return (
    <div className="admin" data-testid={testId}>
      <header className="admin-header">
        <p className="admin-eyebrow">Site admin</p>
        <h1>{title}</h1>
        <p className="muted">{lead}</p>
      </header>
      <AdminNav />
      {children}
    </div>
  );
}

function LoadMore({
  shown,
  loading,
  error,
  onClick,
  noun,
}: {
  shown: number;
  loading: boolean;
  error: unknown;
  onClick: () => void;
  noun: string;
}) {
  return (
    <div className="load-more">
      {error !== null && <FormAlert>{problemMessage(error)}</FormAlert>}
      <button
        type="button"
        className="button button-secondary"
        onClick={onClick}
        disabled={loading}
        aria-busy={loading}
        data-testid="load-more"
      >
        {loading && <span className="spinner spinner-small" aria-hidden="true" />}
        {loading ? "Loading…" : `Show more ${noun}`}
      </button>
      <p className="muted small">{pluralize(shown, noun.replace(/s$/, ""), noun)} shown so far.</p>
    </div>
  );
}

// ---------------------------------------------------------------- failed jobs

function JobItem({
  job,
  onRetried,
}: {
  job: Job;
  onRetried: (job: Job) => void;
}) {
  const retry = useSubmit(() => api.retryJob(job.id));
  const headingId = useId();

  async function onRetry() {
    const result = await retry.run();
    if (result.ok) onRetried(job);
  }

  return (
    <li className="admin-item card" aria-labelledby={headingId} data-testid="job" data-job-id={job.id}>
      <div className="admin-item-head">
        <h3 id={headingId} className="admin-item-title">
          {kindWords(job.kind)} <span className="muted">· job {job.id}</span>
        </h3>
        <button
          type="button"
          className="button button-secondary button-small"
          onClick={() => void onRetry()}
          disabled={retry.pending}
          aria-busy={retry.pending}
          aria-label={`Retry job ${job.id} (${kindWords(job.kind)})`}
          data-testid="job-retry"
        >
          {retry.pending ? "Retrying…" : "Retry"}
        </button>
      </div>
      <dl className="admin-facts">
        <div>
          <dt>Attempts</dt>
          <dd>
            {job.attempts} of {job.max_attempts}
          </dd>
        </div>
        <div>
          <dt>Last tried</dt>
          <dd>
            <time dateTime={job.updated_at}>{formatDateTime(job.updated_at)}</time>
          </dd>
        </div>
        <div>
          <dt>Created</dt>
          <dd>
            <time dateTime={job.created_at}>{formatDateTime(job.created_at)}</time>
          </dd>
        </div>
      </dl>
      {job.last_error && (
        <div className="admin-error">
          <p className="admin-error-label">Last error</p>
          <pre data-testid="job-error">{job.last_error}</pre>
        </div>
      )}
      {retry.error !== null && <FormAlert>{problemMessage(retry.error)}</FormAlert>}
    </li>
  );
}

function RetryAll({ kinds, onDone }: { kinds: string[]; onDone: (message: string) => void }) {
  const retryAll = useSubmit((kind: string) => api.retryJobs(kind));
  const [busyKind, setBusyKind] = useState<string | null>(null);

  async function onRetryAll(kind: string) {
    setBusyKind(kind);
    const result = await retryAll.run(kind);
    setBusyKind(null);
    if (result.ok) {
      const n = result.value.retried;
      onDone(
        n === 0
          ? `No failed “${kindWords(kind)}” jobs were left to retry.`
          : `${pluralize(n, "job")} of “${kindWords(kind)}” went back in the queue.`,
      );
    }
  }

  if (kinds.length === 0) return null;
  return (
    <div className="admin-bulk">
      {retryAll.error !== null && <FormAlert>{problemMessage(retryAll.error)}</FormAlert>}
      {kinds.map((kind) => (
        <button
          key={kind}
          type="button"
          className="button"
          onClick={() => void onRetryAll(kind)}
          disabled={busyKind !== null}
          aria-busy={busyKind === kind}
          data-testid="jobs-retry-all"
          data-kind={kind}
        >
          {busyKind === kind ? "Retrying…" : `Retry all failed “${kindWords(kind)}” jobs`}
        </button>
      ))}
    </div>
  );
}

export function FailedJobsPage() {
  return (
    <AdminFrame
      title="Failed jobs"
      testId="admin-jobs"
      lead="Background work that gave up after its last attempt, such as mail that could not be delivered. Retrying puts a job back in the queue with a fresh set of attempts."
    >
      <FailedJobs />
    </AdminFrame>
  );
}

function FailedJobs() {
  const list = useCursorList(
    (cursor, signal) => api.listJobs({ state: "failed", limit: PAGE_SIZE, cursor }, { signal }),
    [],
  );
  const [message, setMessage] = useState<string | null>(null);
  const listRef = useRef<HTMLDivElement>(null);
  const { state } = list;

  let body;
  if (state.status === "loading") {
    body = <LoadingBlock label="Loading failed jobs…" />;
  } else if (state.status === "error") {
    body = <ErrorState error={state.error} onRetry={list.reload} />;
  } else if (state.items.length === 0) {
    body = (
      <EmptyState title="No failed jobs" testId="jobs-empty">
        <p>Everything has run, or is still waiting for its turn.</p>
      </EmptyState>
    );
  } else {
    const kinds = [...new Set(state.items.map((j) => j.kind))].sort();
    body = (
      <>
        <RetryAll
          kinds={kinds}
          onDone={(m) => {
            setMessage(m);
            list.reload();
          }}
        />
        <ul className="admin-list" aria-label="Failed jobs">
          {state.items.map((job) => (
            <JobItem
              key={job.id}
              job={job}
              onRetried={(j) => {
                setMessage(`Job ${j.id} (${kindWords(j.kind)}) went back in the queue.`);
                list.remove((x) => x.id === j.id);
                listRef.current?.focus();
              }}
            />
          ))}
        </ul>
        {state.next && (
          <LoadMore
            shown={state.items.length}
            loading={state.loadingMore}
            error={state.moreError}
            onClick={list.loadMore}
            noun="jobs"
          />
        )}
      </>
    );
  }

  return (
    <div ref={listRef} tabIndex={-1} className="admin-body">
      <div role="status" className="admin-status" data-testid="admin-status">
        {message && <Notice>{message}</Notice>}
      </div>
      {body}
    </div>
  );
}

// ---------------------------------------------------------------- outbox

function MessageItem({ message }: { message: OutboxMessage }) {
  const headingId = useId();
  return (
    <li className="admin-item card" aria-labelledby={headingId} data-testid="outbox-message">
      <div className="admin-item-head">
        <h3 id={headingId} className="admin-item-title">
          {message.subject}
        </h3>
        {message.sent_at ? (
          <span className="pill pill-ok">Sent</span>
        ) : (
          <span className="pill pill-warn">Waiting</span>
        )}
      </div>
      <dl className="admin-facts">
        <div>
          <dt>To</dt>
          <dd className="admin-address">{message.to}</dd>
        </div>
        <div>
          <dt>Written</dt>
          <dd>
            <time dateTime={message.created_at}>{formatDateTime(message.created_at)}</time>
          </dd>
        </div>
        <div>
          <dt>{message.sent_at ? "Sent" : "Attempts"}</dt>
          <dd>
            {message.sent_at ? (
              <time dateTime={message.sent_at}>{formatDateTime(message.sent_at)}</time>
            ) : (
              message.attempts
            )}
          </dd>
        </div>
      </dl>
      {!message.sent_at && message.last_error && (
        <div className="admin-error">
          <p className="admin-error-label">Last error</p>
          <pre>{message.last_error}</pre>
        </div>
      )}
    </li>
  );
}

export function OutboxPage() {
  const { mail_delivery: delivering } = useInstance();
  return (
    <AdminFrame
      title="Mail outbox"
      testId="admin-outbox"
      lead={
        delivering
          ? "Every message the site writes waits here until the mail server has taken it."
          : "No mail server is configured, so messages stay here instead of being sent. Nothing is lost: you can read each one here, or print it with the openfund outbox command."
      }
    >
      <Outbox />
    </AdminFrame>
  );
}

function Outbox() {
  const [all, setAll] = useState(false);
  const list = useCursorList(
    (cursor, signal) => api.listOutbox({ all, limit: PAGE_SIZE, cursor }, { signal }),
    [all],
  );
  const { state } = list;

  let body;
  if (state.status === "loading") {
    body = <LoadingBlock label="Loading the outbox…" />;
  } else if (state.status === "error") {
    body = <ErrorState error={state.error} onRetry={list.reload} />;
  } else if (state.items.length === 0) {
    body = (
      <EmptyState title={all ? "No mail yet" : "Nothing waiting"} testId="outbox-empty">
        <p>{all ? "The site has not written any mail so far." : "Every message has been sent."}</p>
      </EmptyState>
    );
  } else {
    body = (
      <>
        <ul className="admin-list" aria-label="Messages">
          {state.items.map((m) => (
            <MessageItem key={m.id} message={m} />
          ))}
        </ul>
        {state.next && (
          <LoadMore
            shown={state.items.length}
            loading={state.loadingMore}
            error={state.moreError}
            onClick={list.loadMore}
            noun="messages"
          />
        )}
      </>
    );
  }

  return (
    <div className="admin-body">
      <label className="checkbox admin-filter">
        <input
          type="checkbox"
          checked={all}
          onChange={(e) => setAll(e.target.checked)}
          data-testid="outbox-all"
        />
        Include mail that was sent
      </label>
      {body}
    </div>
  );
}
