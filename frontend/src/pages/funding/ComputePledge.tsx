/**
 * Pledging compute: a form (accelerator class from the catalogue, GPU-hours with up to
 * two decimals, provider, delivery window, optional goal, anonymous, message) → a
 * review step → the receipt. Hours become whole GPU-minutes in integer arithmetic
 * (`parseGpuHours`); the window's dates are whole UTC days, the last one included.
 *
 * As for money, each reviewed pledge gets one `Idempotency-Key`; "Try again" resends
 * the same body with the same key, "Edit" throws the key away.
 */
import { useEffect, useId, useState, type FormEvent, type ReactNode } from "react";
import {
  api,
  isApiError,
  type Accelerator,
  type CreateComputePledge,
  type Goal,
  type Pledge,
  type Project,
} from "../../api/client";
import { Field, FormAlert, Notice, SubmitButton } from "../../components/Form";
import { ErrorState, LoadingBlock } from "../../components/States";
import {
  hoursErrorMessage,
  isDate,
  parseGpuHours,
  utcDate,
  windowEndInstant,
  windowStartInstant,
} from "../../lib/compute";
import { formatDate } from "../../lib/format";
import { formatGpuHours } from "../../lib/money";
import { fieldErrors, type FieldErrors } from "../../lib/problems";
import { useAsync } from "../../lib/useAsync";
import { useSubmit } from "../../lib/useSubmit";
import { Link } from "../../router";
import { goalHref } from "./Goals";
import { chosenGoal, goalProblem, MESSAGE_MAX, PledgeExtras, SelectField, useOpenGoals } from "./PledgeParts";
import { projectHref } from "./ProjectFrame";
import { fundingProblemMessage } from "./problems";

export const PROVIDER_MAX = 200;

export interface ComputeDraft {
  accelerator: string;
  hours: string;
  provider: string;
  start: string;
  end: string;
  goal: string;
  anonymous: boolean;
  message: string;
}

interface Reviewed {
  body: CreateComputePledge;
  idempotencyKey: string;
}

/** The server's field names (and window codes) → the form's fields and words. */
const WINDOW_MESSAGES: Record<string, string> = {
  in_past: "The window must end in the future.",
  window_order: "The window must end after it starts.",
  too_far: "The window may end at most ten years from now.",
};

export function computeFieldErrors(error: unknown): FieldErrors {
  const out: FieldErrors = { ...goalProblem(error) };
  if (!isApiError(error) || error.code !== "validation_failed") return out;
  const words = fieldErrors(error);
  for (const v of error.violations) {
    const field = v.field.replace(/^compute\./, "");
    const target =
      field === "gpu_minutes" || field === "compute"
        ? "hours"
        : field === "window_end"
          ? "end"
          : field === "window_start"
            ? "start"
            : field === "goal_id"
              ? "goal"
              : field;
    if (target in out) continue;
    if (target === "end" && WINDOW_MESSAGES[v.code]) out.end = WINDOW_MESSAGES[v.code]!;
    else if (target === "hours" && (v.code === "too_large" || v.code === "not_positive")) {
      out.hours = hoursErrorMessage(v.code);
    } else if (target === "accelerator" && v.code === "unknown") {
      out.accelerator = "That class is not in the catalogue any more. Choose another.";
    } else out[target] = words[v.field] ?? v.message;
  }
  return out;
}

/** Checks a draft; returns the field errors, or the request body. */
export function checkComputeDraft(
  draft: ComputeDraft,
  today: string = utcDate(),
): { ok: false; errors: FieldErrors } | { ok: true; body: CreateComputePledge } {
  const errors: FieldErrors = {};
  if (!draft.accelerator) errors.accelerator = "Choose the accelerator class.";
  const hours = parseGpuHours(draft.hours);
  if (!hours.ok) errors.hours = hoursErrorMessage(hours.error);
  const provider = draft.provider.trim();
  if (provider.length > PROVIDER_MAX) errors.provider = `Use at most ${PROVIDER_MAX} characters.`;
  if (draft.start && !isDate(draft.start)) errors.start = "Enter a date, like 2026-12-01.";
  if (!draft.end) errors.end = "Enter the last day of the delivery window.";
  else if (!isDate(draft.end)) errors.end = "Enter a date, like 2026-12-31.";
  else if (draft.end < today) errors.end = "The window must end today or later.";
  else if (draft.start && isDate(draft.start) && draft.end < draft.start) {
    errors.end = "The last day must not be before the first.";
  }
  if (draft.message.length > MESSAGE_MAX) {
    errors.message = `Use at most ${MESSAGE_MAX} characters.`;
  }
  if (!hours.ok || Object.keys(errors).length > 0) return { ok: false, errors };
  const message = draft.message.trim();
  return {
    ok: true,
    body: {
      kind: "compute",
      // At most 10^12 (parseGpuHours' limit): exact as a JSON number.
      compute: { accelerator: draft.accelerator, gpu_minutes: Number(hours.minutes) },
      provider: provider || null,
      window_start: draft.start ? windowStartInstant(draft.start) : null,
      window_end: windowEndInstant(draft.end),
      goal_id: draft.goal ? Number(draft.goal) : null,
      anonymous: draft.anonymous,
      message: message || null,
    },
  };
}

function acceleratorName(list: Accelerator[], code: string): string {
  const a = list.find((x) => x.code === code);
  return a && a.display_name !== a.code ? `${a.display_name} (${a.code})` : code;
}

function windowWords(start: string | null | undefined, end: string | null | undefined): string {
  const from = start ? formatDate(start) : "now";
  return end ? `${from} – ${formatDate(end)}` : from;
}

function ComputeForm({
  accelerators,
  goals,
  draft,
  setDraft,
  errors,
  formError,
  onReview,
  chooser,
}: {
  accelerators: Accelerator[];
  goals: Goal[] | null;
  draft: ComputeDraft;
  setDraft: (d: ComputeDraft) => void;
  errors: FieldErrors;
  formError: string | null;
  onReview: (e: FormEvent) => void;
  chooser: ReactNode;
}) {
  const id = useId();
  const parsed = parseGpuHours(draft.hours);
  const hint = parsed.ok
    ? `= ${parsed.minutes.toString()} GPU-minutes. Up to two decimals, in steps of 0.05 h (3 minutes).`
    : "Up to two decimals, in steps of 0.05 h (3 minutes): 1.5 is 90 GPU-minutes.";
  return (
    <form className="form form-narrow" onSubmit={onReview} noValidate data-testid="compute-pledge-form">
      {formError && <FormAlert>{formError}</FormAlert>}
      {chooser}
      <SelectField
        label="Accelerator class"
        name="accelerator"
        value={draft.accelerator}
        onChange={(accelerator) => setDraft({ ...draft, accelerator })}
        error={errors.accelerator}
      >
        <option value="">Choose a class…</option>
        {accelerators.map((a) => (
          <option key={a.code} value={a.code}>
            {acceleratorName(accelerators, a.code)}
          </option>
        ))}
      </SelectField>
      <Field
        label="GPU-hours"
        name="hours"
        inputMode="decimal"
        autoComplete="off"
        value={draft.hours}
        onChange={(hours) => setDraft({ ...draft, hours })}
        error={errors.hours}
        hint={hint}
        required
      />
      <Field
        label="Provider (optional)"
        name="provider"
        autoComplete="organization"
        maxLength={PROVIDER_MAX}
        value={draft.provider}
        onChange={(provider) => setDraft({ ...draft, provider })}
        error={errors.provider}
        hint="Who runs the machines: a cloud, a university cluster…"
      />
      <fieldset className="field compute-window">
        <legend className="field-label">Delivery window (UTC days)</legend>
        <div className="inline-fields">
          <Field
            label="First day (optional)"
            name="start"
            type="date"
            value={draft.start}
            onChange={(start) => setDraft({ ...draft, start })}
            error={errors.start}
            hint="Empty: from now."
          />
          <Field
            label="Last day"
            name="end"
            type="date"
            value={draft.end}
            onChange={(end) => setDraft({ ...draft, end })}
            error={errors.end}
            hint="What is not delivered by the end of this day expires."
            required
          />
        </div>
      </fieldset>
      <PledgeExtras
        idPrefix={id}
        goals={goals}
        draft={draft}
        errors={errors}
        onChange={(patch) => setDraft({ ...draft, ...patch })}
      />
    </form>
  );
}

function ComputeReview({
  project,
  accelerators,
  goal,
  reviewed,
  pending,
  error,
  onEdit,
  onSubmit,
}: {
  project: Project;
  accelerators: Accelerator[];
  goal: Goal | null;
  reviewed: Reviewed;
  pending: boolean;
  error: unknown;
  onEdit: () => void;
  onSubmit: (e: FormEvent) => void;
}) {
  const { body } = reviewed;
  return (
    <form className="form form-narrow" onSubmit={onSubmit} data-testid="pledge-review-step">
      {error !== null && <FormAlert>{fundingProblemMessage(error)}</FormAlert>}
      <dl className="details">
        <dt>Project</dt>
        <dd>{project.name}</dd>
        <dt>Compute</dt>
        <dd data-testid="review-compute">
          {formatGpuHours(body.compute.gpu_minutes)} of {acceleratorName(accelerators, body.compute.accelerator)}
          <span className="muted small"> ({body.compute.gpu_minutes} GPU-minutes)</span>
        </dd>
        <dt>Provider</dt>
        <dd>{body.provider ?? <span className="muted">Not said</span>}</dd>
        <dt>Delivery window</dt>
        <dd data-testid="review-window">{windowWords(body.window_start, body.window_end)}</dd>
        {goal && (
          <>
            <dt>Goal</dt>
            <dd data-testid="review-goal">{goal.title}</dd>
          </>
        )}
        <dt>Shown as</dt>
        <dd data-testid="review-anonymous">{body.anonymous ? "Anonymous" : "Your display name"}</dd>
        {body.message && (
          <>
            <dt>Message</dt>
            <dd className="pre-wrap">{body.message}</dd>
          </>
        )}
      </dl>
      <p className="muted small">
        This is a promise to provide compute: it is recorded in the public ledger at once, and
        each delivery you report counts once a maintainer confirms it. What is not delivered by
        the end of the window expires.
      </p>
      <div className="form-actions">
        <SubmitButton pending={pending} pendingLabel="Pledging…" testId="pledge-submit">
          {error !== null ? "Try again" : "Confirm pledge"}
        </SubmitButton>
        <button type="button" className="button button-secondary" onClick={onEdit} disabled={pending}>
          Edit
        </button>
      </div>
    </form>
  );
}

function ComputeReceipt({ project, pledge, goal }: { project: Project; pledge: Pledge; goal: Goal | null }) {
  return (
    <div data-testid="pledge-receipt">
      <Notice title="Thank you: your compute pledge is recorded.">
        <p>
          Report what you deliver against <strong data-testid="receipt-reference">pledge #{pledge.id}</strong>{" "}
          from “My pledges”; the maintainers confirm each report.
        </p>
      </Notice>
      <dl className="details">
        <dt>Pledge</dt>
        <dd>#{pledge.id}</dd>
        <dt>Project</dt>
        <dd>{project.name}</dd>
        <dt>Compute</dt>
        <dd data-testid="receipt-compute">
          {pledge.compute ? `${formatGpuHours(pledge.compute.gpu_minutes)} ${pledge.compute.accelerator}` : "—"}
        </dd>
        <dt>Delivery window</dt>
        <dd>{windowWords(pledge.window_start, pledge.window_end)}</dd>
        {goal && pledge.goal_id === goal.id && (
          <>
            <dt>Goal</dt>
            <dd>
              <Link to={goalHref(project.slug, goal.id)}>{goal.title}</Link>
            </dd>
          </>
        )}
        <dt>Anonymous</dt>
        <dd>{pledge.anonymous ? "Yes" : "No"}</dd>
        <dt>Made on</dt>
        <dd>
          <time dateTime={pledge.created_at}>{formatDate(pledge.created_at)}</time>
        </dd>
        <dt>State</dt>
        <dd data-testid="receipt-state">Pledged, waiting for deliveries</dd>
      </dl>
      <p className="form-actions">
        <Link to="/me/pledges" className="button" data-testid="receipt-my-pledges">
          See all my pledges
        </Link>
        <Link to={projectHref(project.slug)} className="button button-secondary">
          Back to {project.name}
        </Link>
      </p>
    </div>
  );
}

/** The whole compute flow; `chooser` (money or compute) is shown at the top of the form. */
export function ComputePledgeFlow({
  project,
  initialGoal,
  chooser,
  newKey,
}: {
  project: Project;
  initialGoal: number | null;
  chooser: ReactNode;
  newKey: () => string;
}) {
  const catalogue = useAsync((signal) => api.listAccelerators({ signal }), []);
  const goals = useOpenGoals(project.slug);
  const [draft, setDraft] = useState<ComputeDraft>({
    accelerator: "",
    hours: "",
    provider: "",
    start: "",
    end: "",
    goal: initialGoal ? String(initialGoal) : "",
    anonymous: false,
    message: "",
  });
  const [errors, setErrors] = useState<FieldErrors>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [reviewed, setReviewed] = useState<Reviewed | null>(null);
  const [receipt, setReceipt] = useState<Pledge | null>(null);
  const submit = useSubmit((r: Reviewed) => api.createPledge(project.slug, r.body, r.idempotencyKey));

  // A goal from the link that is not open (any more) is not offered.
  useEffect(() => {
    if (goals && draft.goal && !chosenGoal(goals, draft.goal)) setDraft((d) => ({ ...d, goal: "" }));
  }, [goals, draft.goal]);

  if (catalogue.status === "loading") return <LoadingBlock label="Loading the accelerator classes…" />;
  if (catalogue.status === "error") return <ErrorState error={catalogue.error} onRetry={catalogue.retry} />;
  const accelerators = catalogue.data.items;
  const goal = chosenGoal(goals, draft.goal);

  function onReview(e: FormEvent) {
    e.preventDefault();
    const checked = checkComputeDraft(draft);
    setFormError(null);
    if (!checked.ok) {
      setErrors(checked.errors);
      return;
    }
    setErrors({});
    setReviewed({ body: checked.body, idempotencyKey: newKey() });
    submit.reset();
  }

  async function onSubmit(e: FormEvent) {
    e.preventDefault();
    if (!reviewed) return;
    const result = await submit.run(reviewed);
    if (result.ok) {
      setReceipt(result.value);
      return;
    }
    const fields = computeFieldErrors(result.error);
    if (Object.keys(fields).length > 0) {
      setErrors(fields);
      setFormError(fundingProblemMessage(result.error));
      setReviewed(null);
    }
  }

  if (receipt) {
    return (
      <>
        <h1>Pledge received</h1>
        <ComputeReceipt project={project} pledge={receipt} goal={goal} />
      </>
    );
  }
  if (reviewed) {
    return (
      <>
        <h1>Review your pledge</h1>
        <ComputeReview
          project={project}
          accelerators={accelerators}
          goal={goal}
          reviewed={reviewed}
          pending={submit.pending}
          error={submit.error}
          onEdit={() => {
            setReviewed(null);
            submit.reset();
          }}
          onSubmit={(e) => void onSubmit(e)}
        />
      </>
    );
  }
  return (
    <>
      <h1>Pledge compute to {project.name}</h1>
      {accelerators.length === 0 ? (
        <>
          {chooser}
          <Notice tone="info" title="No compute classes yet" testId="no-accelerators">
            <p>This site's admins have not set up the accelerator catalogue, so compute cannot be pledged yet.</p>
          </Notice>
        </>
      ) : (
        <ComputeForm
          accelerators={accelerators}
          goals={goals}
          draft={draft}
          setDraft={setDraft}
          errors={errors}
          formError={formError}
          onReview={onReview}
          chooser={chooser}
        />
      )}
    </>
  );
}
