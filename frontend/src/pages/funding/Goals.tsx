/**
 * Funding goals: the list on the project page (open goals first, then met, closed and
 * expired), each goal's progress bars, and the goal page (`/projects/:slug/goals/:id`)
 * with its Markdown description, deadline and status.
 *
 * Progress comes from the API in basis points (0–10000 per target, the combined figure
 * too); bars and texts are drawn from those integers and from the amounts, never from
 * a division done here. Money and each compute class show what is pledged and what is
 * received (money) or delivered (compute) as two separate bars.
 */
import { useId } from "react";
import {
  api,
  isApiError,
  type Goal,
  type GoalProgress as Progress,
  type GoalStatus,
  type Project,
} from "../../api/client";
import { Markdown } from "../../components/Markdown";
import { EmptyState, ErrorState, LoadingBlock } from "../../components/States";
import { basisPointsDecimal, clampBasisPoints, formatBasisPoints } from "../../lib/compute";
import { formatDate } from "../../lib/format";
import { formatGpuHours, formatMoney, type IntegerAmount } from "../../lib/money";
import { useAsync } from "../../lib/useAsync";
import { useCursorList } from "../../lib/useCursorList";
import { Link } from "../../router";
import { LoadMore } from "./common";
import { ProjectFrame } from "./ProjectFrame";

/** Goals asked for per page on the project page. */
export const GOALS_PAGE_SIZE = 50;

const STATUS_ORDER: Record<GoalStatus, number> = { open: 0, met: 1, closed: 2, expired: 3 };

const STATUS_WORDS: Record<GoalStatus, string> = {
  open: "Open",
  met: "Met",
  closed: "Closed",
  expired: "Expired",
};

export function goalStatusLabel(status: string): string {
  return STATUS_WORDS[status as GoalStatus] ?? status;
}

/** Open goals first, then met, closed, expired; the server's order within each. */
export function sortGoals(goals: readonly Goal[]): Goal[] {
  return goals
    .map((goal, index) => ({ goal, index }))
    .sort(
      (a, b) =>
        (STATUS_ORDER[a.goal.status] ?? 9) - (STATUS_ORDER[b.goal.status] ?? 9) ||
        a.index - b.index,
    )
    .map((x) => x.goal);
}

export function goalHref(slug: string, id: number): string {
  return `/projects/${encodeURIComponent(slug)}/goals/${encodeURIComponent(String(id))}`;
}

/** The pledge page, set to count toward `goal` (and to `kind`, if given). */
export function pledgeTowardHref(slug: string, goal: number, kind?: "money" | "compute"): string {
  const q = new URLSearchParams({ goal: String(goal) });
  if (kind) q.set("kind", kind);
  return `/projects/${encodeURIComponent(slug)}/pledge?${q.toString()}`;
}

/**
 * One accessible bar: role="progressbar" over 0–100 %, its value an exact decimal
 * (aria-valuenow "45.67") and its words in aria-valuetext ("$4,567.00 of $10,000.00
 * pledged, 45.67%"). The fill's width is the same decimal string; past 100 % the bar
 * is full and the text says how far past.
 */
export function ProgressBar({
  label,
  basisPoints,
  text,
  tone = "pledged",
  testId,
}: {
  label: string;
  basisPoints: IntegerAmount;
  text: string;
  tone?: "pledged" | "received";
  testId?: string;
}) {
  const id = useId();
  const percent = formatBasisPoints(basisPoints);
  const clamped = basisPointsDecimal(clampBasisPoints(basisPoints));
  return (
    <div className="progress-line" data-testid={testId} data-bp={String(basisPoints)}>
      <div className="progress-caption">
        <span id={`${id}-label`} className="progress-label">
          {label}
        </span>
        <span className="progress-text">
          {text} · <strong>{percent}</strong>
        </span>
      </div>
      <div
        className={`progress-track progress-${tone}`}
        role="progressbar"
        aria-labelledby={`${id}-label`}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={clamped as unknown as number}
        aria-valuetext={`${text}, ${percent}`}
      >
        <div className="progress-fill" style={{ width: `${clamped}%` }} />
      </div>
    </div>
  );
}

/** Every target of a goal with its pledged and received/delivered bars, then the combined figure. */
export function GoalProgressView({ progress }: { progress: Progress }) {
  const { money, compute, combined } = progress;
  return (
    <div className="goal-bars" data-testid="goal-progress">
      {money && (
        <div className="goal-target" data-testid="goal-money" data-currency={money.target.currency}>
          <p className="goal-target-title">
            Money: <strong>{formatMoney(money.target)}</strong>
          </p>
          <ProgressBar
            label="Pledged"
            basisPoints={money.pledged_basis_points}
            text={`${formatMoney(money.pledged)} of ${formatMoney(money.target)} pledged`}
            testId="progress-money-pledged"
          />
          <ProgressBar
            label="Received"
            tone="received"
            basisPoints={money.received_basis_points}
            text={`${formatMoney(money.received)} of ${formatMoney(money.target)} received`}
            testId="progress-money-received"
          />
        </div>
      )}
      {compute.map((c) => (
        <div
          className="goal-target"
          key={c.accelerator}
          data-testid="goal-compute"
          data-accelerator={c.accelerator}
        >
          <p className="goal-target-title">
            Compute, {c.accelerator}: <strong>{formatGpuHours(c.target_gpu_minutes)}</strong>
          </p>
          <ProgressBar
            label="Pledged"
            basisPoints={c.pledged_basis_points}
            text={`${formatGpuHours(c.pledged_gpu_minutes)} of ${formatGpuHours(c.target_gpu_minutes)} pledged`}
            testId="progress-compute-pledged"
          />
          <ProgressBar
            label="Delivered"
            tone="received"
            basisPoints={c.delivered_basis_points}
            text={`${formatGpuHours(c.delivered_gpu_minutes)} of ${formatGpuHours(c.target_gpu_minutes)} delivered`}
            testId="progress-compute-delivered"
          />
        </div>
      ))}
      {combined && (
        <div className="goal-target goal-combined" data-testid="goal-combined">
          <p className="goal-target-title">
            All together, compute at its fair value: <strong>{formatMoney(combined.target)}</strong>
          </p>
          <ProgressBar
            label="Pledged"
            basisPoints={combined.pledged_basis_points}
            text={`${formatMoney(combined.pledged)} of ${formatMoney(combined.target)} pledged`}
            testId="progress-combined-pledged"
          />
          <ProgressBar
            label="Received"
            tone="received"
            basisPoints={combined.received_basis_points}
            text={`${formatMoney(combined.received)} of ${formatMoney(combined.target)} received or delivered`}
            testId="progress-combined-received"
          />
        </div>
      )}
    </div>
  );
}

function StatusPill({ goal }: { goal: Goal }) {
  const tone = goal.status === "open" ? "pill-read" : goal.status === "met" ? "pill-ok" : "";
  return (
    <span className={`pill ${tone}`} data-testid="goal-status">
      {goalStatusLabel(goal.status)}
    </span>
  );
}

/** The deadline (or its absence) and when the goal was met, in words. */
function GoalDates({ goal }: { goal: Goal }) {
  return (
    <p className="muted small goal-dates">
      {goal.deadline ? (
        <>
          {goal.status === "expired" ? "Ended" : "Deadline"}:{" "}
          <time dateTime={goal.deadline} data-testid="goal-deadline">
            {formatDate(goal.deadline)}
          </time>
        </>
      ) : (
        "No deadline"
      )}
      {goal.met_at && (
        <>
          {" · Met on "}
          <time dateTime={goal.met_at}>{formatDate(goal.met_at)}</time>
        </>
      )}
    </p>
  );
}

function GoalCard({ slug, goal }: { slug: string; goal: Goal }) {
  return (
    <li
      className="goal-item"
      data-testid="goal"
      data-id={goal.id}
      data-status={goal.status}
    >
      <div className="goal-head">
        <h4 className="goal-title">
          <Link to={goalHref(slug, goal.id)} data-testid="goal-link">
            {goal.title}
          </Link>
        </h4>
        <StatusPill goal={goal} />
      </div>
      <GoalDates goal={goal} />
      <GoalProgressView progress={goal.progress} />
      {goal.status === "open" && (
        <p className="goal-pledge-actions">
          <Link to={pledgeTowardHref(slug, goal.id)} className="button button-small" data-testid="goal-pledge">
            Pledge toward “{goal.title}”
          </Link>
        </p>
      )}
    </li>
  );
}

/** The project page's goals: open first, then met, closed, expired. */
export function GoalsSection({ project }: { project: Pick<Project, "slug"> }) {
  const { slug } = project;
  const list = useCursorList(
    (cursor, signal) => api.listGoals(slug, { cursor, limit: GOALS_PAGE_SIZE }, { signal }),
    [slug],
  );
  const s = list.state;
  let body;
  if (s.status === "loading") body = <LoadingBlock label="Loading goals…" />;
  else if (s.status === "error") body = <ErrorState error={s.error} onRetry={list.reload} />;
  else if (s.items.length === 0) {
    body = (
      <EmptyState title="No funding goals yet" testId="no-goals">
        <p>When the maintainers post goals in money or GPU-hours, they will appear here.</p>
      </EmptyState>
    );
  } else {
    body = (
      <>
        <ul className="goal-cards" data-testid="goal-list">
          {sortGoals(s.items).map((g) => (
            <GoalCard key={g.id} slug={slug} goal={g} />
          ))}
        </ul>
        {s.next && (
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
  return (
    <section className="goals" aria-labelledby="goals-title" data-testid="goals-section">
      <h3 id="goals-title">Goals</h3>
      {body}
    </section>
  );
}

function GoalNotFound({ slug }: { slug: string }) {
  return (
    <div className="notice" data-testid="goal-not-found">
      <p className="notice-code">404</p>
      <h1>Goal not found</h1>
      <p>This project has no such goal. It may have been removed, or the link may be mistyped.</p>
      <Link to={`/projects/${encodeURIComponent(slug)}`} className="button">
        Back to the project
      </Link>
    </div>
  );
}

function GoalDetails({ project, id }: { project: Project; id: number }) {
  const state = useAsync((signal) => api.getGoal(id, { signal }), [id]);
  if (state.status === "loading") return <LoadingBlock label="Loading the goal…" />;
  if (state.status === "error") {
    if (isApiError(state.error) && state.error.isNotFound) return <GoalNotFound slug={project.slug} />;
    return (
      <>
        <h1 className="visually-hidden">Goal</h1>
        <ErrorState error={state.error} onRetry={state.retry} />
      </>
    );
  }
  const goal = state.data;
  // A goal of another project is not found here (its own page is under its project).
  if (goal.project_id !== project.id) return <GoalNotFound slug={project.slug} />;
  return (
    <article className="goal-page" data-testid="goal-page" data-id={goal.id} data-status={goal.status}>
      <header className="goal-head">
        <h1 data-testid="goal-title">{goal.title}</h1>
        <StatusPill goal={goal} />
      </header>
      <GoalDates goal={goal} />
      {goal.description && <Markdown source={goal.description} testId="goal-description" />}
      <h2>Progress</h2>
      <GoalProgressView progress={goal.progress} />
      {goal.status === "open" ? (
        <p className="form-actions">
          <Link to={pledgeTowardHref(project.slug, goal.id, "money")} className="button" data-testid="goal-pledge-money">
            Pledge money
          </Link>
          <Link
            to={pledgeTowardHref(project.slug, goal.id, "compute")}
            className="button button-secondary"
            data-testid="goal-pledge-compute"
          >
            Pledge compute
          </Link>
        </p>
      ) : (
        <p className="muted">This goal takes no more pledges: it is {goalStatusLabel(goal.status).toLowerCase()}.</p>
      )}
    </article>
  );
}

/** `/projects/:slug/goals/:id`: one goal with its description, deadline, status and progress. */
export function GoalPage({ slug, id }: { slug: string; id: string }) {
  const goalId = /^[1-9]\d{0,15}$/.test(id) ? Number(id) : null;
  return (
    <ProjectFrame slug={slug} title="Goal" testId="goal-frame">
      {(project) =>
        goalId === null ? <GoalNotFound slug={project.slug} /> : <GoalDetails project={project} id={goalId} />
      }
    </ProjectFrame>
  );
}
