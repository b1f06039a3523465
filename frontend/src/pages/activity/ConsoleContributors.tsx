/**
 * The console's "Contributors" section: record work GitHub does not see (data,
 * evaluation, infrastructure, compute operations, documentation, design, security,
 * research, community) for a person, on a day, with a description and a link; it joins
 * the public activity feed and counts like the rest. Then identity merges
 * ({@link IdentityMerges}).
 */
import { useId, useMemo, useState, type FormEvent } from "react";
import { api, isApiError, type ActivityItem, type Project } from "../../api/client";
import { Field, FormAlert, Notice, SubmitButton, TextArea } from "../../components/Form";
import {
  contributionKindHint,
  contributionKindLabel,
  contributorName,
  isRecordableKind,
  RECORDABLE_KINDS,
} from "../../lib/contributions";
import { formatShortDate, safeHttpUrl } from "../../lib/format";
import { fieldErrors, type FieldErrors } from "../../lib/problems";
import { useAsync } from "../../lib/useAsync";
import { useSubmit } from "../../lib/useSubmit";
import { consoleProblemMessage } from "../funding/consoleParts";
import { IdentityMerges } from "./IdentityMerges";

const RECORD_MESSAGES: Record<string, string> = {
  idempotency_key_reused: "This was already sent with other details. Check the form and send it again.",
  not_recorded: "Only recorded work can be deleted: activity from GitHub stays as GitHub shows it.",
};

function recordProblemMessage(error: unknown): string {
  if (isApiError(error) && error.status < 500) {
    const known = RECORD_MESSAGES[error.code];
    if (known) return known;
  }
  return consoleProblemMessage(error);
}

/** Today in UTC as `YYYY-MM-DD` (the server takes days in UTC). */
export function todayUtc(now: Date = new Date()): string {
  return now.toISOString().slice(0, 10);
}

/** `@alice`, `alice`, ` Alice ` → `Alice`/`alice` as typed, without the `@`; null when it cannot be a login. */
export function parseLogin(input: string): string | null {
  const s = input.trim().replace(/^@/, "");
  return /^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$/.test(s) ? s : null;
}

/** The form's field for each member the server names in a `validation_failed` problem. */
export function recordFieldErrors(error: unknown): FieldErrors {
  const out: FieldErrors = {};
  for (const [field, message] of Object.entries(fieldErrors(error))) {
    const target = field.startsWith("contributor") || field === "github_login" ? "github_login" : field;
    if (!(target in out)) out[target] = message;
  }
  // An unknown person is a 422 of its own code on some servers: show it on the field.
  if (isApiError(error) && error.status === 422 && Object.keys(out).length === 0 && /contributor/.test(error.code)) {
    out.github_login = error.detail ?? "No contributor with this login is known to the project.";
  }
  return out;
}

interface Draft {
  kind: string;
  login: string;
  day: string;
  description: string;
  url: string;
}

function newKey(): string {
  return globalThis.crypto?.randomUUID?.() ?? `${Date.now()}-${Math.random().toString(36).slice(2)}`;
}

/** Checks a draft before sending; the server has the last word. */
export function checkDraft(d: Draft, today: string): FieldErrors {
  const errors: FieldErrors = {};
  if (!isRecordableKind(d.kind)) errors.kind = "Choose the kind of work.";
  if (!parseLogin(d.login)) errors.github_login = "Enter the person's GitHub login, like octocat.";
  if (!/^\d{4}-\d{2}-\d{2}$/.test(d.day)) errors.occurred_on = "Enter the day of the work.";
  else if (d.day > today) errors.occurred_on = "The day cannot be in the future.";
  const description = d.description.trim();
  if (!description) errors.description = "Say what the work was.";
  else if (description.length > 1000) errors.description = "Use at most 1,000 characters.";
  if (d.url.trim() && !safeHttpUrl(d.url.trim())) errors.url = "Enter the link's address, starting with https://.";
  return errors;
}

function RecordWorkForm({ project, onRecorded }: { project: Project; onRecorded: (item: ActivityItem) => void }) {
  const kindId = useId();
  const today = todayUtc();
  const empty: Draft = { kind: "", login: "", day: today, description: "", url: "" };
  const [d, setD] = useState<Draft>(empty);
  const [errors, setErrors] = useState<FieldErrors>({});
  const [key, setKey] = useState(newKey);
  const submit = useSubmit((body: Parameters<typeof api.recordContribution>[1], k: string) =>
    api.recordContribution(project.slug, body, k),
  );
  // Logins the project already knows, offered as the person is typed.
  const known = useAsync((signal) => api.listContributors(project.slug, { limit: 100 }, { signal }), [project.slug]);
  const logins = useMemo(
    () =>
      known.status === "success"
        ? known.data.items.flatMap((e) => (e.contributor.login ? [e.contributor.login] : []))
        : [],
    [known],
  );
  const set = (k: keyof Draft) => (v: string) => {
    setD((old) => ({ ...old, [k]: v }));
    // Another request from now on: a changed form must not replay the last answer.
    setKey(newKey());
  };

  async function onSubmit(e: FormEvent) {
    e.preventDefault();
    const found = checkDraft(d, today);
    setErrors(found);
    if (Object.keys(found).length > 0 || !isRecordableKind(d.kind)) return;
    const url = d.url.trim();
    const result = await submit.run(
      {
        kind: d.kind,
        contributor: { github_login: parseLogin(d.login) },
        occurred_on: d.day,
        description: d.description.trim(),
        url: url || null,
      },
      key,
    );
    if (result.ok) {
      setD(empty);
      setKey(newKey());
      onRecorded(result.value);
    } else {
      setErrors(recordFieldErrors(result.error));
    }
  }

  const hint = contributionKindHint(d.kind);
  const formError = submit.error !== null && Object.keys(recordFieldErrors(submit.error)).length === 0;
  return (
    <form className="form form-narrow" onSubmit={(e) => void onSubmit(e)} noValidate data-testid="record-work-form">
      {formError && <FormAlert>{recordProblemMessage(submit.error)}</FormAlert>}
      <div className={`field${errors.kind ? " field-invalid" : ""}`} data-field="kind">
        <label className="field-label" htmlFor={kindId}>
          Kind of work
        </label>
        <select
          id={kindId}
          className="input"
          value={d.kind}
          onChange={(e) => set("kind")(e.target.value)}
          aria-invalid={errors.kind ? true : undefined}
          aria-describedby={[errors.kind ? `${kindId}-error` : "", hint ? `${kindId}-hint` : ""].join(" ").trim() || undefined}
          data-testid="record-kind"
        >
          <option value="">Choose…</option>
          {RECORDABLE_KINDS.map((k) => (
            <option key={k} value={k}>
              {contributionKindLabel(k)}
            </option>
          ))}
        </select>
        {hint && (
          <p className="field-hint" id={`${kindId}-hint`}>
            {hint}
          </p>
        )}
        {errors.kind && (
          <p className="field-error" id={`${kindId}-error`} data-testid="error-kind">
            {errors.kind}
          </p>
        )}
      </div>
      <Field
        label="Who (GitHub login)"
        name="github_login"
        value={d.login}
        onChange={set("login")}
        error={errors.github_login}
        autoComplete="off"
        spellCheck={false}
        list={`${kindId}-logins`}
        hint="Someone the project's repositories have seen, or who signed in here with GitHub."
        required
      />
      <datalist id={`${kindId}-logins`}>
        {logins.map((l) => (
          <option key={l} value={l} />
        ))}
      </datalist>
      <Field
        label="Day of the work"
        name="occurred_on"
        type="date"
        value={d.day}
        max={today}
        onChange={set("day")}
        error={errors.occurred_on}
        required
      />
      <TextArea
        label="What the work was"
        name="description"
        value={d.description}
        onChange={set("description")}
        error={errors.description}
        maxLength={1000}
        rows={3}
        hint="Shown in the public activity feed, as text."
      />
      <Field
        label="Link (optional)"
        name="url"
        type="url"
        value={d.url}
        onChange={set("url")}
        error={errors.url}
        maxLength={2000}
        hint="Where anyone can see the work: a data card, a report, a dashboard."
      />
      <div className="form-actions">
        <SubmitButton pending={submit.pending} pendingLabel="Recording…" testId="record-work-submit">
          Record work
        </SubmitButton>
      </div>
    </form>
  );
}

function RecordedRow({ project, item, onDeleted }: { project: Project; item: ActivityItem; onDeleted: () => void }) {
  const [confirming, setConfirming] = useState(false);
  const del = useSubmit(() => api.deleteContribution(project.slug, item.id));
  return (
    <li className="activity-item" data-testid="recorded-work" data-id={item.id}>
      <div className="activity-body">
        <p className="activity-what">
          <span className="pill pill-write">{contributionKindLabel(item.kind)}</span> {item.description}
        </p>
        <p className="muted small">
          {contributorName(item.contributor)} ·{" "}
          <time dateTime={item.occurred_at}>{formatShortDate(item.occurred_at)}</time>
        </p>
        <div className="goal-actions">
          {!confirming ? (
            <button
              type="button"
              className="button button-secondary button-small"
              onClick={() => setConfirming(true)}
              aria-label={`Delete the recorded work #${item.id}`}
              data-testid="delete-recorded"
            >
              Delete
            </button>
          ) : (
            <span className="confirm-inline">
              <span className="confirm-text">Delete this recorded work? It stops counting.</span>
              <button
                type="button"
                className="button button-danger button-small"
                disabled={del.pending}
                aria-busy={del.pending}
                onClick={() => void del.run().then((r) => r.ok && onDeleted())}
                data-testid="delete-recorded-confirm"
              >
                {del.pending ? "Deleting…" : "Yes, delete"}
              </button>
              <button type="button" className="link-button" onClick={() => setConfirming(false)} disabled={del.pending}>
                Keep it
              </button>
            </span>
          )}
        </div>
        {del.error !== null && <FormAlert>{recordProblemMessage(del.error)}</FormAlert>}
      </div>
    </li>
  );
}

export function ConsoleContributors({ project }: { project: Project }) {
  const [recorded, setRecorded] = useState<ActivityItem[]>([]);
  const [last, setLast] = useState<ActivityItem | null>(null);
  return (
    <>
      <h3>Record work GitHub does not see</h3>
      <p className="muted">
        Data sets, evaluations, infrastructure, running compute, documentation, design, security and red-teaming,
        research, community work: recorded here, it appears in the project's public activity feed and counts in the
        contributors list like commits and reviews do.
      </p>
      {last && (
        <Notice testId="work-recorded">
          Recorded: {contributionKindLabel(last.kind)} by {contributorName(last.contributor)}.
        </Notice>
      )}
      <RecordWorkForm
        project={project}
        onRecorded={(item) => {
          setLast(item);
          setRecorded((r) => [item, ...r.filter((x) => x.id !== item.id)]);
        }}
      />
      {recorded.length > 0 && (
        <>
          <h3 className="repositories-title">Recorded just now</h3>
          <ol className="activity-feed" data-testid="recorded-list">
            {recorded.map((item) => (
              <RecordedRow
                key={item.id}
                project={project}
                item={item}
                onDeleted={() => {
                  setLast(null);
                  setRecorded((r) => r.filter((x) => x.id !== item.id));
                }}
              />
            ))}
          </ol>
        </>
      )}
      <IdentityMerges project={project} />
    </>
  );
}
