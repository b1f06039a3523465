/**
 * Identity merges in the console's "Contributors" section: pick two of the project's
 * contributors (one GitHub account and an old one, a commit address without an
 * account…) and credit the first's contributions to the second; the active merges, each
 * with "Undo" after a confirmation. Nothing is rewritten on the server, so an undo
 * restores exactly what was.
 */
import { useId, useState, type FormEvent } from "react";
import { api, isApiError, type ContributorEntry, type IdentityMerge, type MergedIdentity, type Project } from "../../api/client";
import { FormAlert, Notice, SubmitButton } from "../../components/Form";
import { EmptyState, ErrorState, LoadingBlock } from "../../components/States";
import { contributorName } from "../../lib/contributions";
import { formatShortDate, pluralize } from "../../lib/format";
import { fieldErrors, type FieldErrors } from "../../lib/problems";
import { useAsync } from "../../lib/useAsync";
import { useCursorList } from "../../lib/useCursorList";
import { useSubmit } from "../../lib/useSubmit";
import { LoadMore } from "../funding/common";
import { consoleProblemMessage } from "../funding/consoleParts";

const MERGE_MESSAGES: Record<string, string> = {
  identity_merged: "The first one is merged into someone already. Undo that merge below first.",
  identity_merge_chain:
    "That would make a chain of merges. Merge into the person's main identity, the one nobody is merged away from.",
  merge_undone: "This merge was undone already. Reload to see the merges as they are.",
};

const FIELD_CODES: Record<string, string> = {
  unknown_contributor: "This person has no contribution in this project.",
  self_merge: "Choose two different identities.",
};

export function mergeProblemMessage(error: unknown): string {
  if (isApiError(error) && error.status < 500) {
    const known = MERGE_MESSAGES[error.code];
    if (known) return known;
  }
  return consoleProblemMessage(error);
}

/** The form's field (`from`, `into`) for each violation, in our words where we know the code. */
export function mergeFieldErrors(error: unknown): FieldErrors {
  const out: FieldErrors = {};
  const violations = isApiError(error) ? error.violations : [];
  for (const v of violations) {
    const field = v.field === "from" || v.field === "into" ? v.field : null;
    if (field && !(field in out)) out[field] = FIELD_CODES[v.code] ?? v.message;
  }
  if (Object.keys(out).length === 0) return fieldErrors(error);
  return out;
}

/** "Ada Lovelace (@ada) · 12 contributions" for a choice. */
export function identityChoice(e: ContributorEntry): string {
  const c = e.contributor;
  const who = c.anonymous
    ? `Contributor without a GitHub account (#${c.id})`
    : c.name?.trim() && c.login
      ? `${c.name.trim()} (@${c.login})`
      : contributorName(c);
  return `${who} · ${pluralize(e.total, "contribution")}`;
}

/** A merged identity in words, for maintainers (the commit name of one without an account). */
export function identityWords(m: MergedIdentity): string {
  if (m.anonymous) return m.name?.trim() ? `${m.name.trim()} (no GitHub account)` : `Contributor #${m.id} (no GitHub account)`;
  if (m.name?.trim() && m.login) return `${m.name.trim()} (@${m.login})`;
  return m.login ? `@${m.login}` : `Contributor #${m.id}`;
}

function IdentitySelect({
  label,
  value,
  onChange,
  choices,
  error,
  name,
  hint,
}: {
  label: string;
  value: string;
  onChange: (v: string) => void;
  choices: ContributorEntry[];
  error?: string;
  name: string;
  hint: string;
}) {
  const id = useId();
  const described = [error ? `${id}-error` : "", `${id}-hint`].join(" ").trim();
  return (
    <div className={`field${error ? " field-invalid" : ""}`} data-field={name}>
      <label className="field-label" htmlFor={id}>
        {label}
      </label>
      <select
        id={id}
        className="input"
        value={value}
        onChange={(e) => onChange(e.target.value)}
        aria-invalid={error ? true : undefined}
        aria-describedby={described}
        data-testid={`merge-${name}`}
      >
        <option value="">Choose…</option>
        {choices.map((e) => (
          <option key={e.contributor.id} value={String(e.contributor.id)}>
            {identityChoice(e)}
          </option>
        ))}
      </select>
      <p className="field-hint" id={`${id}-hint`}>
        {hint}
      </p>
      {error && (
        <p className="field-error" id={`${id}-error`} data-testid={`error-${name}`}>
          {error}
        </p>
      )}
    </div>
  );
}

function MergeRow({ project, merge, onUndone }: { project: Project; merge: IdentityMerge; onUndone: () => void }) {
  const [confirming, setConfirming] = useState(false);
  const undo = useSubmit(() => api.undoIdentityMerge(project.slug, merge.id));
  return (
    <li className="activity-item" data-testid="identity-merge" data-id={merge.id}>
      <div className="activity-body">
        <p>
          <strong>{identityWords(merge.from)}</strong> is credited as <strong>{identityWords(merge.into)}</strong>
        </p>
        <p className="muted small">
          Since <time dateTime={merge.created_at}>{formatShortDate(merge.created_at)}</time>
        </p>
        <div className="goal-actions">
          {!confirming ? (
            <button
              type="button"
              className="button button-secondary button-small"
              onClick={() => setConfirming(true)}
              aria-label={`Undo the merge of ${identityWords(merge.from)} into ${identityWords(merge.into)}`}
              data-testid="undo-merge"
            >
              Undo
            </button>
          ) : (
            <span className="confirm-inline">
              <span className="confirm-text">Credit each identity with its own contributions again?</span>
              <button
                type="button"
                className="button button-danger button-small"
                disabled={undo.pending}
                aria-busy={undo.pending}
                onClick={() => void undo.run().then((r) => r.ok && onUndone())}
                data-testid="undo-merge-confirm"
              >
                {undo.pending ? "Undoing…" : "Yes, undo"}
              </button>
              <button type="button" className="link-button" onClick={() => setConfirming(false)} disabled={undo.pending}>
                Keep it merged
              </button>
            </span>
          )}
        </div>
        {undo.error !== null && <FormAlert>{mergeProblemMessage(undo.error)}</FormAlert>}
      </div>
    </li>
  );
}

export function IdentityMerges({ project }: { project: Project }) {
  const people = useCursorList(
    (cursor, signal) => api.listContributors(project.slug, { cursor, limit: 100 }, { signal }),
    [project.slug],
  );
  const merges = useAsync((signal) => api.listIdentityMerges(project.slug, { signal }), [project.slug]);
  const [from, setFrom] = useState("");
  const [into, setInto] = useState("");
  const [errors, setErrors] = useState<FieldErrors>({});
  const [done, setDone] = useState<string | null>(null);
  const submit = useSubmit((f: number, i: number) => api.mergeIdentities(project.slug, f, i));

  async function onSubmit(e: FormEvent) {
    e.preventDefault();
    const next: FieldErrors = {};
    if (!from) next.from = "Choose the identity to merge away.";
    if (!into) next.into = "Choose the person to credit instead.";
    else if (from && from === into) next.into = FIELD_CODES.self_merge ?? "";
    setErrors(next);
    if (Object.keys(next).length > 0) return;
    const result = await submit.run(Number(from), Number(into));
    if (result.ok) {
      setDone(`${identityWords(result.value.from)} is now credited as ${identityWords(result.value.into)}.`);
      setFrom("");
      setInto("");
      merges.retry();
      people.reload();
    } else {
      setErrors(mergeFieldErrors(result.error));
    }
  }

  const s = people.state;
  const formError = submit.error !== null && Object.keys(mergeFieldErrors(submit.error)).length === 0;
  return (
    <>
      <h3>Merge two identities</h3>
      <p className="muted">
        One person can show up as two contributors: an old GitHub account and a new one, or commits from an address
        GitHub does not link to their account. Merge them, and the first one's contributions are credited to the
        second in the contributors list and the activity feed. Nothing is rewritten: undoing a merge restores exactly
        what was.
      </p>
      {done && <Notice testId="identities-merged">{done}</Notice>}
      {s.status === "loading" && <LoadingBlock label="Loading contributors…" />}
      {s.status === "error" && <ErrorState error={s.error} onRetry={people.reload} />}
      {s.status === "ready" && s.items.length < 2 && (
        <EmptyState title="Nothing to merge yet" testId="nothing-to-merge">
          <p>Merging needs two contributors: sync a repository or record work first.</p>
        </EmptyState>
      )}
      {s.status === "ready" && s.items.length >= 2 && (
        <form className="form form-narrow" onSubmit={(e) => void onSubmit(e)} noValidate data-testid="merge-form">
          {formError && <FormAlert>{mergeProblemMessage(submit.error)}</FormAlert>}
          <IdentitySelect
            label="Merge this identity"
            name="from"
            value={from}
            onChange={setFrom}
            choices={s.items}
            error={errors.from}
            hint="Its contributions are credited to the one below while the merge lasts."
          />
          <IdentitySelect
            label="Into this person"
            name="into"
            value={into}
            onChange={setInto}
            choices={s.items}
            error={errors.into}
            hint="Usually the GitHub account the person uses now."
          />
          {s.next && (
            <LoadMore
              shown={s.items.length}
              loading={s.loadingMore}
              error={s.moreError}
              onClick={people.loadMore}
              singular="contributor to choose from"
              plural="contributors to choose from"
            />
          )}
          <div className="form-actions">
            <SubmitButton pending={submit.pending} pendingLabel="Merging…" testId="merge-submit">
              Merge
            </SubmitButton>
          </div>
        </form>
      )}
      <h3 className="repositories-title">Active merges</h3>
      {merges.status === "loading" && <LoadingBlock label="Loading merges…" />}
      {merges.status === "error" && <ErrorState error={merges.error} onRetry={merges.retry} />}
      {merges.status === "success" && merges.data.items.length === 0 && (
        <EmptyState title="No merges" testId="no-merges">
          <p>Every contributor is credited as themselves.</p>
        </EmptyState>
      )}
      {merges.status === "success" && merges.data.items.length > 0 && (
        <ol className="activity-feed" data-testid="identity-merges">
          {merges.data.items.map((m) => (
            <MergeRow
              key={m.id}
              project={project}
              merge={m}
              onUndone={() => {
                setDone(null);
                merges.retry();
                people.reload();
              }}
            />
          ))}
        </ol>
      )}
    </>
  );
}
