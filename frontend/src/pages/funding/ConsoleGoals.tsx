/**
 * The console's goals: post a goal (money target in the project's currency, compute
 * targets per accelerator class in GPU-hours, or both), edit or close one, and each
 * goal's status and progress as the server computes it (basis points, rounded down).
 */
import { useState, type FormEvent } from "react";
import {
  api,
  type Accelerator,
  type CreateGoal,
  type Goal,
  type Project,
  type UpdateGoal,
} from "../../api/client";
import { Field, FormAlert, Notice, SubmitButton, TextArea } from "../../components/Form";
import { Markdown } from "../../components/Markdown";
import { EmptyState, ErrorState, LoadingBlock } from "../../components/States";
import { formatBasisPoints } from "../../lib/compute";
import { formatShortDate } from "../../lib/format";
import { hoursErrorMessage, hoursInputOf, parseGpuHours } from "../../lib/gpuHours";
import {
  amountErrorMessage,
  currencyExponent,
  formatGpuHours,
  formatMoney,
  minorToDecimal,
  parseAmount,
} from "../../lib/money";
import { fieldErrors, type FieldErrors } from "../../lib/problems";
import { useCursorList } from "../../lib/useCursorList";
import { useSubmit } from "../../lib/useSubmit";
import { LoadMore } from "./common";
import {
  acceleratorName,
  consoleProblemMessage,
  ProgressBar,
  useAccelerators,
} from "./consoleParts";

const PAGE_SIZE = 25;

const STATUS_WORDS: Record<Goal["status"], string> = {
  open: "Open",
  met: "Met",
  closed: "Closed",
  expired: "Expired",
};

/** One compute target row as typed; `minutes` keeps an untouched row's exact value. */
interface TargetRow {
  key: number;
  accelerator: string;
  hours: string;
  initialHours?: string;
  minutes?: number;
}

interface GoalFields {
  title: string;
  description: string;
  /** `YYYY-MM-DD` (UTC) or "". */
  deadline: string;
  money: string;
  targets: TargetRow[];
}

let rowKeys = 0;
const nextKey = () => (rowKeys += 1);

const EMPTY_GOAL: GoalFields = { title: "", description: "", deadline: "", money: "", targets: [] };

function fieldsOfGoal(g: Goal): GoalFields {
  return {
    title: g.title,
    description: g.description,
    deadline: g.deadline ? g.deadline.slice(0, 10) : "",
    money: g.money_target ? minorToDecimal(g.money_target.amount_minor, g.money_target.currency) : "",
    targets: g.compute_targets.map((t) => {
      const hours = hoursInputOf(t.gpu_minutes);
      return { key: nextKey(), accelerator: t.accelerator, hours, initialHours: hours, minutes: t.gpu_minutes };
    }),
  };
}

/** A date input's day → the end of that day in UTC, as the API's RFC 3339. */
export function deadlineOf(day: string): string {
  return `${day}T23:59:59Z`;
}

/**
 * Server violations → form fields: `money_target.*` on the money field,
 * `compute_targets[i].*` on row i, the rest by name.
 */
function goalFieldErrors(error: unknown): FieldErrors {
  const out: FieldErrors = {};
  for (const [field, message] of Object.entries(fieldErrors(error))) {
    const row = /^compute_targets\[(\d+)\]/.exec(field);
    const target = field.startsWith("money_target") ? "money" : row ? `target-${row[1]}` : field;
    if (!(target in out)) out[target] = message;
  }
  return out;
}

type Checked =
  | { ok: true; money: { currency: string; amount_minor: number } | null; compute: { accelerator: string; gpu_minutes: number }[] }
  | { ok: false; errors: FieldErrors };

/** Client-side checks, mirroring the server's: exact amounts, one target at least, each class once. */
function checkGoal(f: GoalFields, currency: string): Checked {
  const errors: FieldErrors = {};
  if (!f.title.trim()) errors.title = "Give the goal a title.";
  let money: { currency: string; amount_minor: number } | null = null;
  if (f.money.trim()) {
    const parsed = parseAmount(f.money, currencyExponent(currency));
    if (parsed.ok) money = { currency, amount_minor: Number(parsed.minor) };
    else errors.money = amountErrorMessage(parsed.error, currency);
  }
  const compute: { accelerator: string; gpu_minutes: number }[] = [];
  const seen = new Set<string>();
  f.targets.forEach((row, i) => {
    if (!row.accelerator) {
      errors[`target-${i}`] = "Choose an accelerator class.";
      return;
    }
    if (seen.has(row.accelerator)) {
      errors[`target-${i}`] = `${row.accelerator} is targeted twice: one row per class.`;
      return;
    }
    seen.add(row.accelerator);
    if (row.minutes !== undefined && row.hours === row.initialHours) {
      compute.push({ accelerator: row.accelerator, gpu_minutes: row.minutes });
      return;
    }
    const parsed = parseGpuHours(row.hours);
    if (parsed.ok) compute.push({ accelerator: row.accelerator, gpu_minutes: Number(parsed.minutes) });
    else errors[`target-${i}`] = hoursErrorMessage(parsed.error);
  });
  if (!f.money.trim() && f.targets.length === 0) {
    errors.targets = "Give a money target, compute targets, or both.";
  }
  if (Object.keys(errors).length > 0) return { ok: false, errors };
  return { ok: true, money, compute };
}

function GoalForm({
  project,
  catalogue,
  initial,
  submitLabel,
  pendingLabel,
  onSubmit,
  onCancel,
  testId,
}: {
  project: Project;
  catalogue: Accelerator[];
  initial: GoalFields;
  submitLabel: string;
  pendingLabel: string;
  onSubmit: (f: GoalFields, checked: Extract<Checked, { ok: true }>) => Promise<{ ok: true } | { ok: false; error: unknown }>;
  onCancel?: () => void;
  testId: string;
}) {
  const [f, setF] = useState<GoalFields>(initial);
  const [errors, setErrors] = useState<FieldErrors>({});
  const [pending, setPending] = useState(false);
  const [failure, setFailure] = useState<unknown>(null);
  const set = <K extends keyof GoalFields>(key: K) => (value: GoalFields[K]) => setF((old) => ({ ...old, [key]: value }));
  const setRow = (key: number, patch: Partial<TargetRow>) =>
    setF((old) => ({ ...old, targets: old.targets.map((r) => (r.key === key ? { ...r, ...patch } : r)) }));

  async function submit(e: FormEvent) {
    e.preventDefault();
    const checked = checkGoal(f, project.currency);
    if (!checked.ok) {
      setErrors(checked.errors);
      setFailure(null);
      return;
    }
    setErrors({});
    setPending(true);
    const result = await onSubmit(f, checked);
    setPending(false);
    if (result.ok) {
      setFailure(null);
    } else {
      setFailure(result.error);
      setErrors(goalFieldErrors(result.error));
    }
  }

  const used = new Set(f.targets.map((r) => r.accelerator));
  const free = catalogue.filter((a) => !used.has(a.code));
  return (
    <form className="form form-narrow goal-form" onSubmit={(e) => void submit(e)} noValidate data-testid={testId}>
      {failure !== null && <FormAlert>{consoleProblemMessage(failure)}</FormAlert>}
      <Field label="Title" name="title" value={f.title} onChange={set("title")} error={errors.title} maxLength={120} required />
      <TextArea
        label="Description (optional)"
        name="description"
        value={f.description}
        onChange={set("description")}
        error={errors.description}
        maxLength={20000}
        rows={5}
        hint="Markdown: what the money and compute are for. HTML is shown as text."
      />
      <Field
        label="Deadline (optional)"
        name="deadline"
        type="date"
        value={f.deadline}
        onChange={set("deadline")}
        error={errors.deadline}
        hint="The goal expires at the end of this day (UTC) if it is not met by then."
      />
      <Field
        label={`Money target (${project.currency}, optional)`}
        name="money"
        inputMode="decimal"
        autoComplete="off"
        value={f.money}
        onChange={set("money")}
        error={errors.money}
      />
      <fieldset className="fieldset" data-testid="compute-targets">
        <legend>Compute targets (optional)</legend>
        {f.targets.length === 0 && <p className="muted small">No compute target.</p>}
        {f.targets.map((row, i) => (
          <div className="inline-form compute-target" key={row.key} data-testid="compute-target">
            <label className="field">
              <span className="field-label">Accelerator class</span>
              <select
                className="input"
                value={row.accelerator}
                onChange={(e) => setRow(row.key, { accelerator: e.target.value })}
                data-testid="target-accelerator"
              >
                <option value="">Choose…</option>
                {catalogue
                  .filter((a) => a.code === row.accelerator || !used.has(a.code))
                  .map((a) => (
                    <option key={a.code} value={a.code}>
                      {acceleratorName(a.code, catalogue)}
                    </option>
                  ))}
              </select>
            </label>
            <Field
              label="GPU-hours"
              name={`target-${i}`}
              inputMode="decimal"
              autoComplete="off"
              value={row.hours}
              onChange={(v) => setRow(row.key, { hours: v })}
              error={errors[`target-${i}`]}
            />
            <button
              type="button"
              className="link-button"
              onClick={() => setF((old) => ({ ...old, targets: old.targets.filter((r) => r.key !== row.key) }))}
              aria-label={`Remove the compute target ${row.accelerator || i + 1}`}
            >
              Remove
            </button>
          </div>
        ))}
        {errors.compute_targets && <p className="field-error">{errors.compute_targets}</p>}
        {free.length > 0 && f.targets.length < 32 && (
          <button
            type="button"
            className="button button-secondary button-small"
            onClick={() =>
              setF((old) => ({
                ...old,
                targets: [...old.targets, { key: nextKey(), accelerator: free[0]?.code ?? "", hours: "" }],
              }))
            }
            data-testid="add-compute-target"
          >
            Add a compute target
          </button>
        )}
        {catalogue.length === 0 && (
          <p className="muted small">The accelerator catalogue is empty: a site admin adds classes first.</p>
        )}
        <p className="field-hint">
          GPU-hours with up to two decimals, in multiples of 0.05 hours (3 minutes): compute is counted in whole
          GPU-minutes.
        </p>
      </fieldset>
      {errors.targets && (
        <p className="field-error" data-testid="error-targets">
          {errors.targets}
        </p>
      )}
      <div className="form-actions">
        <SubmitButton pending={pending} pendingLabel={pendingLabel} testId={`${testId}-submit`}>
          {submitLabel}
        </SubmitButton>
        {onCancel && (
          <button type="button" className="button button-secondary" onClick={onCancel} disabled={pending}>
            Cancel
          </button>
        )}
      </div>
    </form>
  );
}

function moneyDiffers(a: Goal["money_target"], b: { currency: string; amount_minor: number } | null) {
  if (a === null || b === null) return a !== b;
  return a.currency !== b.currency || a.amount_minor !== b.amount_minor;
}

/** Only what changed, so a goal that is no longer open can still be retitled. */
export function goalPatch(
  goal: Goal,
  f: GoalFields,
  checked: Extract<Checked, { ok: true }>,
): UpdateGoal {
  const patch: UpdateGoal = {};
  if (f.title.trim() !== goal.title) patch.title = f.title.trim();
  if (f.description !== goal.description) patch.description = f.description;
  const was = goal.deadline ? goal.deadline.slice(0, 10) : "";
  if (f.deadline !== was) patch.deadline = f.deadline ? deadlineOf(f.deadline) : null;
  if (moneyDiffers(goal.money_target, checked.money)) patch.money_target = checked.money;
  const before = JSON.stringify(goal.compute_targets.map((t) => [t.accelerator, t.gpu_minutes]));
  const after = JSON.stringify(checked.compute.map((t) => [t.accelerator, t.gpu_minutes]));
  if (before !== after) patch.compute_targets = checked.compute;
  return patch;
}

function GoalProgressFigures({ goal, catalogue }: { goal: Goal; catalogue: Accelerator[] }) {
  const p = goal.progress;
  return (
    <ul className="goal-figures" data-testid="goal-progress">
      {p.money && (
        <li data-testid="goal-money">
          <ProgressBar basisPoints={p.money.received_basis_points} label={`Money received toward ${goal.title}`} />
          <span>
            Received <strong>{formatMoney(p.money.received)}</strong> of {formatMoney(p.money.target)} (
            {formatBasisPoints(p.money.received_basis_points)}); pledged {formatMoney(p.money.pledged)} (
            {formatBasisPoints(p.money.pledged_basis_points)})
          </span>
        </li>
      )}
      {p.compute.map((c) => (
        <li key={c.accelerator} data-testid="goal-compute" data-accelerator={c.accelerator}>
          <ProgressBar
            basisPoints={c.delivered_basis_points}
            label={`${c.accelerator} delivered toward ${goal.title}`}
          />
          <span>
            {acceleratorName(c.accelerator, catalogue)}: delivered{" "}
            <strong data-testid="goal-compute-delivered">{formatGpuHours(c.delivered_gpu_minutes)}</strong> of{" "}
            {formatGpuHours(c.target_gpu_minutes)} ({formatBasisPoints(c.delivered_basis_points)}); pledged{" "}
            {formatGpuHours(c.pledged_gpu_minutes)} ({formatBasisPoints(c.pledged_basis_points)})
          </span>
        </li>
      ))}
      {p.combined && (
        <li data-testid="goal-combined">
          <ProgressBar basisPoints={p.combined.received_basis_points} label={`${goal.title} altogether`} />
          <span>
            Altogether, compute at its fair-market value: received {formatMoney(p.combined.received)} of{" "}
            {formatMoney(p.combined.target)} ({formatBasisPoints(p.combined.received_basis_points)}); pledged{" "}
            {formatMoney(p.combined.pledged)} ({formatBasisPoints(p.combined.pledged_basis_points)})
          </span>
        </li>
      )}
    </ul>
  );
}

function GoalCard({
  goal,
  project,
  catalogue,
  onChanged,
}: {
  goal: Goal;
  project: Project;
  catalogue: Accelerator[];
  onChanged: (g: Goal) => void;
}) {
  const [editing, setEditing] = useState(false);
  const [closing, setClosing] = useState(false);
  const close = useSubmit(() => api.closeGoal(goal.id));
  return (
    <li className="card goal-card" data-testid="console-goal" data-id={goal.id} data-status={goal.status}>
      <div className="goal-card-head">
        <h4>{goal.title}</h4>
        <span className={`pill${goal.status === "met" ? " pill-ok" : goal.status === "open" ? "" : " pill-warn"}`} data-testid="goal-status">
          {STATUS_WORDS[goal.status] ?? goal.status}
        </span>
      </div>
      <p className="muted small">
        Goal #{goal.id}
        {goal.deadline && (
          <>
            {" "}
            · until <time dateTime={goal.deadline}>{formatShortDate(goal.deadline)}</time>
          </>
        )}
        {goal.met_at && (
          <>
            {" "}
            · met on <time dateTime={goal.met_at}>{formatShortDate(goal.met_at)}</time>
          </>
        )}
      </p>
      {goal.description && !editing && <Markdown source={goal.description} />}
      <GoalProgressFigures goal={goal} catalogue={catalogue} />
      {editing ? (
        <GoalForm
          project={project}
          catalogue={catalogue}
          initial={fieldsOfGoal(goal)}
          submitLabel="Save goal"
          pendingLabel="Saving…"
          testId="goal-edit-form"
          onCancel={() => setEditing(false)}
          onSubmit={async (f, checked) => {
            const patch = goalPatch(goal, f, checked);
            if (Object.keys(patch).length === 0) {
              setEditing(false);
              return { ok: true };
            }
            try {
              const updated = await api.updateGoal(goal.id, patch);
              setEditing(false);
              onChanged(updated);
              return { ok: true };
            } catch (error) {
              return { ok: false, error };
            }
          }}
        />
      ) : (
        <div className="goal-actions">
          <button type="button" className="button button-secondary button-small" onClick={() => setEditing(true)} data-testid="goal-edit">
            Edit
          </button>
          {goal.status === "open" && !closing && (
            <button type="button" className="button button-secondary button-small" onClick={() => setClosing(true)} data-testid="goal-close">
              Close
            </button>
          )}
          {goal.status === "open" && closing && (
            <span className="confirm-inline">
              <span className="confirm-text">Close this goal? It stops collecting toward its targets.</span>
              <button
                type="button"
                className="button button-danger button-small"
                disabled={close.pending}
                aria-busy={close.pending}
                onClick={() =>
                  void close.run().then((r) => {
                    if (r.ok) {
                      setClosing(false);
                      onChanged(r.value);
                    }
                  })
                }
                data-testid="goal-close-confirm"
              >
                {close.pending ? "Closing…" : "Yes, close it"}
              </button>
              <button type="button" className="link-button" onClick={() => setClosing(false)} disabled={close.pending}>
                Keep it open
              </button>
            </span>
          )}
          {close.error !== null && <FormAlert testId="goal-close-error">{consoleProblemMessage(close.error)}</FormAlert>}
        </div>
      )}
    </li>
  );
}

export function ConsoleGoals({ project }: { project: Project }) {
  const accelerators = useAccelerators();
  const list = useCursorList(
    (cursor, signal) => api.listGoals(project.slug, { cursor, limit: PAGE_SIZE }, { signal }),
    [project.slug],
  );
  const [posted, setPosted] = useState<Goal | null>(null);
  const [formKey, setFormKey] = useState(0);
  const [changed, setChanged] = useState<Record<number, Goal>>({});
  if (accelerators.status === "loading") return <LoadingBlock label="Loading the accelerator catalogue…" />;
  if (accelerators.status === "error") return <ErrorState error={accelerators.error} onRetry={accelerators.retry} />;
  const catalogue = accelerators.data.items;
  const s = list.state;
  return (
    <>
      <h3>Post a goal</h3>
      {posted && (
        <Notice testId="goal-posted">
          Goal #{posted.id} “{posted.title}” is posted: sponsors can pledge toward it.
        </Notice>
      )}
      <GoalForm
        key={formKey}
        project={project}
        catalogue={catalogue}
        initial={EMPTY_GOAL}
        submitLabel="Post goal"
        pendingLabel="Posting…"
        testId="goal-form"
        onSubmit={async (f, checked) => {
          const body: CreateGoal = {
            title: f.title.trim(),
            description: f.description,
            deadline: f.deadline ? deadlineOf(f.deadline) : null,
            money_target: checked.money,
            compute_targets: checked.compute,
          };
          try {
            const goal = await api.createGoal(project.slug, body);
            setPosted(goal);
            setFormKey((k) => k + 1);
            setChanged({});
            list.reload();
            return { ok: true };
          } catch (error) {
            return { ok: false, error };
          }
        }}
      />
      <h3>Goals</h3>
      {s.status === "loading" && <LoadingBlock label="Loading goals…" />}
      {s.status === "error" && <ErrorState error={s.error} onRetry={list.reload} />}
      {s.status === "ready" && s.items.length === 0 && (
        <EmptyState title="No goals yet" testId="no-goals">
          <p>A goal says what the project raises money and compute for, and shows how far it got.</p>
        </EmptyState>
      )}
      {s.status === "ready" && s.items.length > 0 && (
        <ul className="goal-list" data-testid="console-goals">
          {s.items.map((g) => {
            const goal = changed[g.id] ?? g;
            return (
              <GoalCard
                key={goal.id}
                goal={goal}
                project={project}
                catalogue={catalogue}
                onChanged={(updated) => setChanged((c) => ({ ...c, [updated.id]: updated }))}
              />
            );
          })}
        </ul>
      )}
      {s.status === "ready" && s.next && (
        <LoadMore
          shown={s.items.length}
          loading={s.loadingMore}
          error={s.moreError}
          onClick={list.loadMore}
          singular="goal"
          plural="goals"
        />
      )}
    </>
  );
}
