/**
 * Pledging: money or compute (`?kind=compute`; the compute flow is ./ComputePledge.tsx),
 * optionally toward one of the project's open goals (`?goal=ID`). Money: a form
 * (amount typed in the project's currency, one-time or monthly, anonymous, a message)
 * → a review step → the receipt.
 *
 * Each reviewed pledge gets one `Idempotency-Key` (crypto.randomUUID()) when the review
 * step opens; a retry of that same pledge (after a lost answer, a network error, a 5xx)
 * sends the same key, so the server makes at most one pledge of it. Editing the pledge
 * throws the key away: the next review gets a new one.
 */
import { useEffect, useId, useState, type FormEvent, type ReactNode } from "react";
import {
  api,
  isApiError,
  type CreateMoneyPledge,
  type Goal,
  type Pledge,
  type Project,
} from "../../api/client";
import { useSession } from "../../auth/useSession";
import { Field, FormAlert, Notice, SubmitButton } from "../../components/Form";
import { LoadingBlock } from "../../components/States";
import { formatDate } from "../../lib/format";
import {
  amountErrorMessage,
  currencyExponent,
  formatMoney,
  parseAmount,
} from "../../lib/money";
import { loginHref } from "../../lib/next";
import type { FieldErrors } from "../../lib/problems";
import { useSubmit } from "../../lib/useSubmit";
import { Link, useLocation, useNavigate, useSearchParams } from "../../router";
import { ComputePledgeFlow } from "./ComputePledge";
import {
  chosenGoal,
  goalIdOf,
  goalProblem,
  MESSAGE_MAX,
  PledgeExtras,
  PledgeKindChoice,
  pledgeKindOf,
  useOpenGoals,
  type PledgeKind,
} from "./PledgeParts";
import { ProjectFrame, projectHref } from "./ProjectFrame";
import { fundingProblemMessage, moneyFieldErrors } from "./problems";


type Recurrence = NonNullable<CreateMoneyPledge["recurrence"]>;

interface Draft {
  amount: string;
  recurrence: Recurrence;
  anonymous: boolean;
  message: string;
  /** The id of the goal it counts toward, or "". */
  goal: string;
}

/** A pledge checked and ready to send, with the key every try of it is sent with. */
interface Reviewed {
  body: CreateMoneyPledge;
  idempotencyKey: string;
}

const EMPTY: Draft = { amount: "", recurrence: "one_time", anonymous: false, message: "", goal: "" };

/** A new Idempotency-Key: a random UUID (crypto.randomUUID is in every current browser). */
export function newIdempotencyKey(): string {
  return crypto.randomUUID();
}

function recurrenceWords(r: Recurrence): string {
  return r === "monthly" ? "every month, until you cancel" : "once";
}

function PledgeForm({
  project,
  goals,
  draft,
  setDraft,
  errors,
  formError,
  onReview,
  chooser,
}: {
  project: Project;
  goals: Goal[] | null;
  draft: Draft;
  setDraft: (d: Draft) => void;
  errors: FieldErrors;
  formError: string | null;
  onReview: (e: FormEvent) => void;
  chooser?: ReactNode;
}) {
  const exponent = currencyExponent(project.currency);
  const example = exponent === 0 ? "1500" : `25.${"0".repeat(exponent)}`;
  const recurrenceId = useId();
  return (
    <form className="form form-narrow" onSubmit={onReview} noValidate data-testid="pledge-form">
      {formError && <FormAlert>{formError}</FormAlert>}
      {chooser}
      <Field
        label={`Amount (${project.currency})`}
        name="amount"
        inputMode="decimal"
        autoComplete="off"
        value={draft.amount}
        onChange={(amount) => setDraft({ ...draft, amount })}
        error={errors.amount}
        hint={`In ${project.currency}, e.g. ${example}.`}
        required
      />
      <fieldset className="field" aria-describedby={`${recurrenceId}-hint`}>
        <legend className="field-label">How often</legend>
        <label className="checkbox">
          <input
            type="radio"
            name="recurrence"
            value="one_time"
            checked={draft.recurrence === "one_time"}
            onChange={() => setDraft({ ...draft, recurrence: "one_time" })}
          />
          Once
        </label>
        <label className="checkbox">
          <input
            type="radio"
            name="recurrence"
            value="monthly"
            checked={draft.recurrence === "monthly"}
            onChange={() => setDraft({ ...draft, recurrence: "monthly" })}
          />
          Every month
        </label>
        <p className="field-hint" id={`${recurrenceId}-hint`}>
          A monthly pledge falls due on this day of each month; you can cancel it while it is open.
        </p>
      </fieldset>
      <PledgeExtras
        idPrefix={recurrenceId}
        goals={goals}
        draft={draft}
        errors={errors}
        onChange={(patch) => setDraft({ ...draft, ...patch })}
      />
    </form>
  );
}

function PledgeReview({
  project,
  goal,
  reviewed,
  pending,
  error,
  onEdit,
  onSubmit,
}: {
  project: Project;
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
        <dt>Amount</dt>
        <dd data-testid="review-amount">{formatMoney(body.amount)}</dd>
        <dt>How often</dt>
        <dd data-testid="review-recurrence">{recurrenceWords(body.recurrence ?? "one_time")}</dd>
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
        This is a promise to pay: the project's maintainers confirm when the money has arrived,
        and only then is it recorded in the public ledger.
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

function PledgeReceipt({ project, pledge }: { project: Project; pledge: Pledge }) {
  return (
    <div data-testid="pledge-receipt">
      <Notice title="Thank you: your pledge is recorded.">
        <p>
          Quote <strong data-testid="receipt-reference">pledge #{pledge.id}</strong> when you send
          the money, so the maintainers can confirm it.
        </p>
      </Notice>
      <dl className="details">
        <dt>Pledge</dt>
        <dd>#{pledge.id}</dd>
        <dt>Project</dt>
        <dd>{project.name}</dd>
        <dt>Amount</dt>
        <dd data-testid="receipt-amount">{pledge.amount ? formatMoney(pledge.amount) : "—"}</dd>
        <dt>How often</dt>
        <dd>{recurrenceWords(pledge.recurrence ?? "one_time")}</dd>
        <dt>Anonymous</dt>
        <dd>{pledge.anonymous ? "Yes" : "No"}</dd>
        <dt>Made on</dt>
        <dd>
          <time dateTime={pledge.created_at}>{formatDate(pledge.created_at)}</time>
        </dd>
        <dt>State</dt>
        <dd data-testid="receipt-state">Pledged, waiting for the money</dd>
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

function PledgeFlow({
  project,
  initialGoal,
  chooser,
}: {
  project: Project;
  initialGoal: number | null;
  chooser?: ReactNode;
}) {
  const goals = useOpenGoals(project.slug);
  const [draft, setDraft] = useState<Draft>({ ...EMPTY, goal: initialGoal ? String(initialGoal) : "" });
  const [errors, setErrors] = useState<FieldErrors>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [reviewed, setReviewed] = useState<Reviewed | null>(null);
  const [receipt, setReceipt] = useState<Pledge | null>(null);
  const submit = useSubmit((r: Reviewed) => api.createPledge(project.slug, r.body, r.idempotencyKey));
  const goal = chosenGoal(goals, draft.goal);

  // A goal from the link that is not open (any more) is not offered.
  useEffect(() => {
    if (goals && draft.goal && !chosenGoal(goals, draft.goal)) setDraft((d) => ({ ...d, goal: "" }));
  }, [goals, draft.goal]);

  function onReview(e: FormEvent) {
    e.preventDefault();
    const exponent = currencyExponent(project.currency);
    const parsed = parseAmount(draft.amount, exponent);
    const next: FieldErrors = {};
    if (!parsed.ok) next.amount = amountErrorMessage(parsed.error, project.currency);
    if (draft.message.length > MESSAGE_MAX) next.message = `Use at most ${MESSAGE_MAX} characters.`;
    setErrors(next);
    setFormError(null);
    if (!parsed.ok || Object.keys(next).length > 0) return;
    const message = draft.message.trim();
    setReviewed({
      body: {
        kind: "money",
        // At most 10^13 (parseAmount's limit): exact as a JSON number.
        amount: { currency: project.currency, amount_minor: Number(parsed.minor) },
        recurrence: draft.recurrence,
        anonymous: draft.anonymous,
        message: message || null,
        ...(goal ? { goal_id: goal.id } : {}),
      },
      idempotencyKey: newIdempotencyKey(),
    });
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
    // The server refused what was typed: back to the form, with its words per field.
    const goalErrors = goalProblem(result.error);
    if (
      (isApiError(result.error) && result.error.code === "validation_failed") ||
      Object.keys(goalErrors).length > 0
    ) {
      setErrors({ ...moneyFieldErrors(result.error), ...goalErrors });
      setFormError(fundingProblemMessage(result.error));
      setReviewed(null);
    }
    // Anything else (network, 5xx, 409…) stays on the review: "Try again" resends the
    // same body with the same key.
  }

  if (receipt) {
    return (
      <>
        <h1>Pledge received</h1>
        <PledgeReceipt project={project} pledge={receipt} />
      </>
    );
  }
  if (reviewed) {
    return (
      <>
        <h1>Review your pledge</h1>
        <PledgeReview
          project={project}
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
      <h1>Pledge money to {project.name}</h1>
      <PledgeForm
        project={project}
        goals={goals}
        chooser={chooser}
        draft={draft}
        setDraft={setDraft}
        errors={errors}
        formError={formError}
        onReview={onReview}
      />
    </>
  );
}

/** Money or compute, chosen at the top of the form (first from `?kind=`). */
function PledgeKinds({ project, initialKind, initialGoal }: {
  project: Project;
  initialKind: PledgeKind;
  initialGoal: number | null;
}) {
  const [kind, setKind] = useState<PledgeKind>(initialKind);
  const chooser = <PledgeKindChoice kind={kind} onChange={setKind} />;
  return kind === "compute" ? (
    <ComputePledgeFlow
      project={project}
      initialGoal={initialGoal}
      chooser={chooser}
      newKey={newIdempotencyKey}
    />
  ) : (
    <PledgeFlow project={project} initialGoal={initialGoal} chooser={chooser} />
  );
}

export function PledgePage({ slug }: { slug: string }) {
  const params = useSearchParams();
  const initialKind = pledgeKindOf(params.get("kind"));
  const initialGoal = goalIdOf(params.get("goal"));
  const session = useSession();
  const navigate = useNavigate();
  const { pathname, search } = useLocation();
  useEffect(() => {
    if (session.status === "signed_out") navigate(loginHref(pathname + search), { replace: true });
  }, [session.status, navigate, pathname, search]);
  if (session.status !== "signed_in") return <LoadingBlock label="Loading your account…" />;
  return (
    <ProjectFrame slug={slug} title="Pledge" testId="pledge-page">
      {(project) => <PledgeKinds project={project} initialKind={initialKind} initialGoal={initialGoal} />}
    </ProjectFrame>
  );
}
