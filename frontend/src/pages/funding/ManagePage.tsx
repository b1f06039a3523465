/**
 * The maintainer console of a project: one tab per section in {@link MANAGE_SECTIONS}.
 * Goals, deliveries, the Slurm upload, compute values and sponsor approval live in
 * ConsoleGoals, ConsoleCompute and ConsoleSponsors; another section is added by
 * appending it to MANAGE_SECTIONS below (a component that gets the project). Visible
 * to owners, maintainers and site admins: the server answers 403 to everyone else, and
 * the page says so.
 */
import { useEffect, useId, useState, type ComponentType, type FormEvent } from "react";
import {
  api,
  isApiError,
  type Expense,
  type Instalment,
  type LedgerTransaction,
  type Project,
  type ProjectPledge,
} from "../../api/client";
import { useSession } from "../../auth/useSession";
import { Field, FormAlert, Notice, SubmitButton } from "../../components/Form";
import { EmptyState, ErrorState, LoadingBlock } from "../../components/States";
import { formatShortDate, safeHttpUrl } from "../../lib/format";
import { amountErrorMessage, currencyExponent, formatMoney, parseAmount } from "../../lib/money";
import { loginHref } from "../../lib/next";
import type { FieldErrors } from "../../lib/problems";
import { useAsync } from "../../lib/useAsync";
import { useCursorList } from "../../lib/useCursorList";
import { useSubmit } from "../../lib/useSubmit";
import { Link, useLocation, useNavigate, useSearchParams } from "../../router";
import { LedgerTable, LoadMore } from "./common";
import { ConsoleDeliveries, ConsoleSlurm } from "./ConsoleCompute";
import { ConsoleGoals } from "./ConsoleGoals";
import { ConsoleContributors } from "../activity/ConsoleContributors";
import { ConsoleRepositories } from "../activity/ConsoleRepositories";
import { ConsoleSponsors, ConsoleValues } from "./ConsoleSponsors";
import { ProjectFrame } from "./ProjectFrame";
import { fundingProblemMessage, moneyFieldErrors } from "./problems";

const PAGE_SIZE = 25;

/** One tab of the console. `id` goes in the URL (`?section=`). */
export interface ManageSection {
  id: string;
  title: string;
  Component: ComponentType<{ project: Project }>;
}

// ------------------------------------------------------------ pledges to confirm

function ConfirmButton({
  label,
  ariaLabel,
  run,
  onDone,
  testId,
}: {
  label: string;
  ariaLabel: string;
  run: () => Promise<unknown>;
  onDone: () => void;
  testId: string;
}) {
  const submit = useSubmit(run);
  return (
    <>
      <button
        type="button"
        className="button button-small"
        onClick={() => void submit.run().then((r) => r.ok && onDone())}
        disabled={submit.pending}
        aria-busy={submit.pending}
        aria-label={ariaLabel}
        data-testid={testId}
      >
        {submit.pending ? "Confirming…" : label}
      </button>
      {submit.error !== null && <FormAlert>{fundingProblemMessage(submit.error)}</FormAlert>}
    </>
  );
}

function sponsorWords(p: ProjectPledge): string {
  if (p.anonymous) return "Anonymous";
  return p.sponsor_name ?? "A former account";
}

function PendingPledges({ project }: { project: Project }) {
  const list = useCursorList(
    (cursor, signal) =>
      api.listProjectPledges(project.slug, { state: "pledged", cursor, limit: PAGE_SIZE }, { signal }),
    [project.slug],
  );
  const [done, setDone] = useState<number[]>([]);
  const s = list.state;
  if (s.status === "loading") return <LoadingBlock label="Loading pledges…" />;
  if (s.status === "error") return <ErrorState error={s.error} onRetry={list.reload} />;
  const confirmed = done.length > 0 && (
    <Notice testId="pledge-confirmed">
      Confirmed {done.map((id) => `#${id}`).join(", ")}: recorded in the public ledger.
    </Notice>
  );
  if (s.items.length === 0) {
    return (
      <>
        {confirmed}
        <EmptyState title="No pledges waiting" testId="no-pending-pledges">
          <p>Pledges whose money has not been confirmed yet appear here.</p>
        </EmptyState>
      </>
    );
  }
  return (
    <>
      {confirmed}
      <p className="muted">
        Confirm a pledge when its money has arrived. Sponsors quote the pledge number with
        their transfer; anonymous sponsors are known by it alone. Monthly pledges are
        confirmed month by month under "Instalments due".
      </p>
      <div className="table-wrap" tabIndex={0} role="region" aria-label="Pledges waiting for their money">
        <table className="token-table funding-table" data-testid="pending-pledges">
          <caption className="visually-hidden">Pledges waiting for their money</caption>
          <thead>
            <tr>
              <th scope="col">Pledge</th>
              <th scope="col">Sponsor</th>
              <th scope="col">Made on</th>
              <th scope="col" className="num">
                Amount
              </th>
              <th scope="col">Message</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {s.items.map((p) => (
              <tr key={p.id} data-testid="pending-pledge" data-id={p.id}>
                <td>#{p.id}</td>
                <td data-testid="pending-sponsor">{sponsorWords(p)}</td>
                <td>
                  <time dateTime={p.created_at}>{formatShortDate(p.created_at)}</time>
                </td>
                <td className="num">
                  {p.amount ? formatMoney(p.amount) : "—"}
                  {p.recurrence === "monthly" && <span className="muted small"> a month</span>}
                </td>
                <td className="pre-wrap">{p.message ?? ""}</td>
                <td>
                  {p.kind === "money" && p.recurrence !== "monthly" && (
                    <ConfirmButton
                      label="Money received"
                      ariaLabel={`Money received for pledge #${p.id}`}
                      run={() => api.confirmPledge(p.id)}
                      onDone={() => {
                        setDone((d) => [...d, p.id]);
                        list.remove((x) => x.id === p.id);
                      }}
                      testId="confirm-pledge"
                    />
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {s.next && (
        <LoadMore
          shown={s.items.length}
          loading={s.loadingMore}
          error={s.moreError}
          onClick={list.loadMore}
          singular="pledge"
          plural="pledges"
        />
      )}
    </>
  );
}

// ------------------------------------------------------------ instalments due

function DueInstalments({ project }: { project: Project }) {
  const list = useCursorList(
    (cursor, signal) =>
      api.listInstalments(project.slug, { state: "due", cursor, limit: PAGE_SIZE }, { signal }),
    [project.slug],
  );
  const s = list.state;
  if (s.status === "loading") return <LoadingBlock label="Loading instalments…" />;
  if (s.status === "error") return <ErrorState error={s.error} onRetry={list.reload} />;
  if (s.items.length === 0) {
    return (
      <EmptyState title="No instalments due" testId="no-due-instalments">
        <p>Each month of a monthly pledge appears here on its day, until you confirm it.</p>
      </EmptyState>
    );
  }
  return (
    <>
      <div className="table-wrap" tabIndex={0} role="region" aria-label="Instalments due">
        <table className="token-table funding-table" data-testid="due-instalments">
          <caption className="visually-hidden">Instalments due</caption>
          <thead>
            <tr>
              <th scope="col">Pledge</th>
              <th scope="col">Month</th>
              <th scope="col">Due on</th>
              <th scope="col" className="num">
                Amount
              </th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {s.items.map((i: Instalment) => (
              <tr key={i.id} data-testid="due-instalment" data-id={i.id}>
                <td>#{i.pledge_id}</td>
                <td>{i.number}</td>
                <td>
                  <time dateTime={i.due_at}>{formatShortDate(i.due_at)}</time>
                </td>
                <td className="num">{formatMoney(i.amount)}</td>
                <td>
                  <ConfirmButton
                    label="Money received"
                    ariaLabel={`Money received for month ${i.number} of pledge #${i.pledge_id}`}
                    run={() => api.confirmInstalment(i.id)}
                    onDone={() => list.remove((x) => x.id === i.id)}
                    testId="confirm-instalment"
                  />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {s.next && (
        <LoadMore
          shown={s.items.length}
          loading={s.loadingMore}
          error={s.moreError}
          onClick={list.loadMore}
          singular="instalment"
          plural="instalments"
        />
      )}
    </>
  );
}

// ------------------------------------------------------------ expenses

function ExpenseForm({ project, onRecorded }: { project: Project; onRecorded: () => void }) {
  const [description, setDescription] = useState("");
  const [amount, setAmount] = useState("");
  const [receipt, setReceipt] = useState("");
  const [errors, setErrors] = useState<FieldErrors>({});
  const submit = useSubmit((body: Parameters<typeof api.createExpense>[1]) =>
    api.createExpense(project.slug, body),
  );

  async function onSubmit(e: FormEvent) {
    e.preventDefault();
    const next: FieldErrors = {};
    const parsed = parseAmount(amount, currencyExponent(project.currency));
    if (!parsed.ok) next.amount = amountErrorMessage(parsed.error, project.currency);
    if (!description.trim()) next.description = "Say what the money was spent on.";
    if (receipt.trim() && !safeHttpUrl(receipt.trim())) {
      next.receipt_url = "Enter the receipt's address, starting with https://.";
    }
    setErrors(next);
    if (!parsed.ok || Object.keys(next).length > 0) return;
    const result = await submit.run({
      description: description.trim(),
      amount: { currency: project.currency, amount_minor: Number(parsed.minor) },
      receipt_url: receipt.trim() || null,
    });
    if (result.ok) {
      setDescription("");
      setAmount("");
      setReceipt("");
      onRecorded();
    } else {
      setErrors(moneyFieldErrors(result.error));
    }
  }

  return (
    <form className="form form-narrow" onSubmit={(e) => void onSubmit(e)} noValidate data-testid="expense-form">
      <h3>Record an expense</h3>
      {submit.error !== null && <FormAlert>{fundingProblemMessage(submit.error)}</FormAlert>}
      <Field
        label="What it was for"
        name="description"
        value={description}
        onChange={setDescription}
        error={errors.description}
        maxLength={500}
        required
      />
      <Field
        label={`Amount (${project.currency})`}
        name="amount"
        inputMode="decimal"
        autoComplete="off"
        value={amount}
        onChange={setAmount}
        error={errors.amount}
        required
      />
      <Field
        label="Receipt link (optional)"
        name="receipt_url"
        type="url"
        value={receipt}
        onChange={setReceipt}
        error={errors.receipt_url}
        hint="Where anyone can see the receipt or invoice."
        maxLength={2000}
      />
      <div className="form-actions">
        <SubmitButton pending={submit.pending} pendingLabel="Recording…" testId="expense-submit">
          Record expense
        </SubmitButton>
      </div>
    </form>
  );
}

function Expenses({ project }: { project: Project }) {
  const list = useCursorList(
    (cursor, signal) => api.listExpenses(project.slug, { cursor, limit: PAGE_SIZE }, { signal }),
    [project.slug],
  );
  const s = list.state;
  return (
    <>
      <ExpenseForm project={project} onRecorded={list.reload} />
      <h3>Recorded expenses</h3>
      {s.status === "loading" && <LoadingBlock label="Loading expenses…" />}
      {s.status === "error" && <ErrorState error={s.error} onRetry={list.reload} />}
      {s.status === "ready" && s.items.length === 0 && (
        <EmptyState title="No expenses yet" testId="no-expenses" />
      )}
      {s.status === "ready" && s.items.length > 0 && (
        <div className="table-wrap" tabIndex={0} role="region" aria-label="Expenses">
          <table className="token-table funding-table" data-testid="expenses">
            <caption className="visually-hidden">Expenses</caption>
            <thead>
              <tr>
                <th scope="col">Date</th>
                <th scope="col">What</th>
                <th scope="col" className="num">
                  Amount
                </th>
                <th scope="col">Receipt</th>
              </tr>
            </thead>
            <tbody>
              {s.items.map((x: Expense) => {
                const href = safeHttpUrl(x.receipt_url);
                return (
                  <tr key={x.id} data-testid="expense">
                    <td>
                      <time dateTime={x.created_at}>{formatShortDate(x.created_at)}</time>
                    </td>
                    <td>{x.description}</td>
                    <td className="num">{formatMoney(x.amount)}</td>
                    <td>
                      {href ? (
                        <a href={href} target="_blank" rel="noopener noreferrer nofollow">
                          Receipt ↗
                        </a>
                      ) : (
                        <span className="muted">None</span>
                      )}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
      {s.status === "ready" && s.next && (
        <LoadMore
          shown={s.items.length}
          loading={s.loadingMore}
          error={s.moreError}
          onClick={list.loadMore}
          singular="expense"
          plural="expenses"
        />
      )}
    </>
  );
}

// ------------------------------------------------------------ reversals

function ReverseButton({ project, t, onReversed }: { project: Project; t: LedgerTransaction; onReversed: () => void }) {
  const [confirming, setConfirming] = useState(false);
  const submit = useSubmit(() => api.reverseTransaction(project.slug, t.id));
  if (t.kind === "reversal") return null;
  if (!confirming) {
    return (
      <button
        type="button"
        className="button button-secondary button-small"
        onClick={() => setConfirming(true)}
        aria-label={`Reverse transaction #${t.id}`}
        data-testid="reverse"
      >
        Reverse
      </button>
    );
  }
  return (
    <div className="confirm-inline">
      <span className="confirm-text">Post the opposite entries of #{t.id}? This is public and final.</span>
      <button
        type="button"
        className="button button-danger button-small"
        onClick={() =>
          void submit.run().then((r) => {
            if (r.ok) onReversed();
          })
        }
        disabled={submit.pending}
        aria-busy={submit.pending}
        data-testid="reverse-confirm"
      >
        {submit.pending ? "Reversing…" : "Yes, reverse"}
      </button>
      <button type="button" className="link-button" onClick={() => setConfirming(false)} disabled={submit.pending}>
        Keep it
      </button>
      {submit.error !== null && <FormAlert>{fundingProblemMessage(submit.error)}</FormAlert>}
    </div>
  );
}

function Reversals({ project }: { project: Project }) {
  const list = useCursorList(
    (cursor, signal) => api.listLedger(project.slug, { cursor, limit: PAGE_SIZE }, { signal }),
    [project.slug],
  );
  const s = list.state;
  if (s.status === "loading") return <LoadingBlock label="Loading the ledger…" />;
  if (s.status === "error") return <ErrorState error={s.error} onRetry={list.reload} />;
  if (s.items.length === 0) return <EmptyState title="The ledger is empty" testId="ledger-empty" />;
  return (
    <>
      <p className="muted">
        The ledger is never edited. A transaction recorded by mistake is undone by a reversal:
        a new transaction with the opposite entries, shown in the public ledger next to it.
      </p>
      <LedgerTable
        items={s.items}
        caption="Ledger transactions"
        actions={(t) => <ReverseButton project={project} t={t} onReversed={list.reload} />}
      />
      {s.next && (
        <LoadMore
          shown={s.items.length}
          loading={s.loadingMore}
          error={s.moreError}
          onClick={list.loadMore}
          singular="transaction"
          plural="transactions"
        />
      )}
    </>
  );
}

/**
 * The console's sections, in tab order. Append here to add one.
 */
export const MANAGE_SECTIONS: ManageSection[] = [
  { id: "pledges", title: "Pledges to confirm", Component: PendingPledges },
  { id: "instalments", title: "Instalments due", Component: DueInstalments },
  { id: "expenses", title: "Expenses", Component: Expenses },
  { id: "ledger", title: "Reverse a transaction", Component: Reversals },
  { id: "goals", title: "Goals", Component: ConsoleGoals },
  { id: "deliveries", title: "Deliveries to confirm", Component: ConsoleDeliveries },
  { id: "slurm", title: "Slurm upload", Component: ConsoleSlurm },
  { id: "values", title: "Compute values", Component: ConsoleValues },
  { id: "sponsors", title: "Sponsor approval", Component: ConsoleSponsors },
  { id: "repositories", title: "Repositories", Component: ConsoleRepositories },
  { id: "contributors", title: "Contributors", Component: ConsoleContributors },
];

function Console({ project, sections }: { project: Project; sections: ManageSection[] }) {
  const params = useSearchParams();
  const navigate = useNavigate();
  const tabsId = useId();
  // One request up front tells whether the caller may manage the project at all.
  const access = useAsync(
    (signal) => api.listProjectPledges(project.slug, { limit: 1 }, { signal }),
    [project.slug],
  );
  const current = sections.find((s) => s.id === params.get("section")) ?? sections[0];
  if (access.status === "loading") return <LoadingBlock label="Checking your access…" />;
  if (access.status === "error") {
    if (isApiError(access.error) && access.error.status === 403) {
      return (
        <div className="notice" data-testid="manage-forbidden">
          <h1>Manage {project.name}</h1>
          <p>Only this project's owners and maintainers can manage its funding.</p>
          <Link to={`/projects/${encodeURIComponent(project.slug)}`} className="button">
            Back to the project
          </Link>
        </div>
      );
    }
    return <ErrorState error={access.error} onRetry={access.retry} />;
  }
  if (!current) return null;
  const base = `/projects/${encodeURIComponent(project.slug)}/manage`;
  const Section = current.Component;
  return (
    <>
      <h1>Manage {project.name}</h1>
      <nav className="admin-nav" aria-label="Console sections" id={tabsId}>
        {sections.map((s) => (
          <Link
            key={s.id}
            to={`${base}?section=${encodeURIComponent(s.id)}`}
            aria-current={s.id === current.id ? "page" : undefined}
            data-testid={`section-${s.id}`}
            onClick={(e) => {
              e.preventDefault();
              navigate(`${base}?section=${encodeURIComponent(s.id)}`, { replace: true });
            }}
          >
            {s.title}
          </Link>
        ))}
      </nav>
      <section aria-labelledby={`${tabsId}-title`} data-testid={`manage-${current.id}`}>
        <h2 id={`${tabsId}-title`}>{current.title}</h2>
        <Section key={current.id} project={project} />
      </section>
    </>
  );
}

export function ManagePage({ slug, sections = MANAGE_SECTIONS }: { slug: string; sections?: ManageSection[] }) {
  const session = useSession();
  const navigate = useNavigate();
  const { pathname, search } = useLocation();
  useEffect(() => {
    if (session.status === "signed_out") navigate(loginHref(pathname + search), { replace: true });
  }, [session.status, navigate, pathname, search]);
  if (session.status !== "signed_in") return <LoadingBlock label="Loading your account…" />;
  return (
    <ProjectFrame slug={slug} title="Manage funding" testId="manage-page">
      {(project) => <Console project={project} sections={sections} />}
    </ProjectFrame>
  );
}
