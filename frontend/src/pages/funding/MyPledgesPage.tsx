/**
 * The sponsor dashboard: my pledges with their state, what was received, totals per
 * currency, cancelling an open pledge, and the table as a CSV file (written by
 * papaparse, which quotes and escapes every cell). Compute pledges show GPU-hours
 * delivered of pledged and open onto their delivery reports (./ComputeDeliveries.tsx).
 */
import Papa from "papaparse";
import { useEffect, useState } from "react";
import { api, type MyPledge } from "../../api/client";
import { useSession } from "../../auth/useSession";
import { FormAlert } from "../../components/Form";
import { EmptyState, ErrorState, LoadingBlock } from "../../components/States";
import { formatShortDate } from "../../lib/format";
import { formatMoney, minorToDecimal, totalsBy } from "../../lib/money";
import { loginHref } from "../../lib/next";
import { useDocumentTitle } from "../../lib/useAsync";
import { useCursorList } from "../../lib/useCursorList";
import { useSubmit } from "../../lib/useSubmit";
import { Link, useLocation, useNavigate } from "../../router";
import { LoadMore, pledgeStateLabel } from "./common";
import { ComputePledgeRows } from "./ComputeDeliveries";
import { fundingProblemMessage } from "./problems";

const PAGE_SIZE = 50;
/** The pledge table's column count (a compute pledge's deliveries row spans them). */
const PLEDGE_COLUMNS = 8;

/** The money a pledge brought in so far: all of a received one-time pledge. */
function receivedMinor(p: MyPledge): number {
  return p.state === "received" && p.amount ? p.amount.amount_minor : 0;
}

function recurrenceWords(p: MyPledge): string {
  if (p.kind === "compute") return "Compute";
  return p.recurrence === "monthly" ? "Monthly" : "One-time";
}

/**
 * The rows as CSV text. Amounts are exact decimals in major units (from minor units,
 * no floats) next to their currency, so a spreadsheet reads them as numbers.
 */
export function pledgesCsv(items: MyPledge[]): string {
  return Papa.unparse({
    fields: [
      "pledge_id",
      "project",
      "project_slug",
      "created_at",
      "kind",
      "recurrence",
      "state",
      "currency",
      "amount",
      "received",
      "anonymous",
      "message",
      "accelerator",
      "gpu_minutes",
    ],
    data: items.map((p) => [
      p.id,
      p.project_name,
      p.project_slug,
      p.created_at,
      p.kind,
      p.recurrence ?? "",
      p.state,
      p.amount?.currency ?? "",
      p.amount ? minorToDecimal(p.amount.amount_minor, p.amount.currency) : "",
      p.amount ? minorToDecimal(receivedMinor(p), p.amount.currency) : "",
      p.anonymous ? "yes" : "no",
      p.message ?? "",
      p.compute?.accelerator ?? "",
      p.compute ? String(p.compute.gpu_minutes) : "",
    ]),
  }, { escapeFormulae: true });
}

function downloadCsv(items: MyPledge[]) {
  const blob = new Blob([pledgesCsv(items)], { type: "text/csv;charset=utf-8" });
  const url = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = url;
  a.download = "my-pledges.csv";
  document.body.appendChild(a);
  a.click();
  a.remove();
  URL.revokeObjectURL(url);
}

function Totals({ items }: { items: MyPledge[] }) {
  const money = items.filter((p) => p.amount);
  const open = totalsBy(
    money.filter((p) => p.state === "pledged"),
    (p) => p.amount?.currency ?? null,
    (p) => p.amount?.amount_minor ?? 0,
  );
  const received = totalsBy(
    money,
    (p) => (p.state === "received" ? (p.amount?.currency ?? null) : null),
    receivedMinor,
  );
  const currencies = [...new Set([...open.keys(), ...received.keys()])];
  if (currencies.length === 0) return null;
  return (
    <div className="table-wrap" tabIndex={0} role="region" aria-label="Totals of my pledges">
      <table className="token-table funding-table" data-testid="pledge-totals">
        <caption>Totals of the pledges shown</caption>
        <thead>
          <tr>
            <th scope="col">Currency</th>
            <th scope="col" className="num">
              Open pledges
            </th>
            <th scope="col" className="num">
              Received
            </th>
          </tr>
        </thead>
        <tbody>
          {currencies.map((c) => (
            <tr key={c} data-currency={c}>
              <th scope="row">{c}</th>
              <td className="num" data-testid="total-open">
                {formatMoney({ currency: c, amount_minor: open.get(c) ?? 0n })}
              </td>
              <td className="num" data-testid="total-received">
                {formatMoney({ currency: c, amount_minor: received.get(c) ?? 0n })}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function CancelButton({ pledge, onCancelled }: { pledge: MyPledge; onCancelled: (p: MyPledge) => void }) {
  const [confirming, setConfirming] = useState(false);
  const cancel = useSubmit(() => api.cancelPledge(pledge.id));
  async function go() {
    const result = await cancel.run();
    if (result.ok) onCancelled({ ...pledge, ...result.value });
  }
  if (!confirming) {
    return (
      <button
        type="button"
        className="button button-secondary button-small"
        onClick={() => setConfirming(true)}
        aria-label={`Cancel pledge #${pledge.id}`}
        data-testid="pledge-cancel"
      >
        Cancel
      </button>
    );
  }
  return (
    <div className="confirm-inline">
      <span className="confirm-text">Cancel pledge #{pledge.id}?</span>
      <button
        type="button"
        className="button button-danger button-small"
        onClick={() => void go()}
        disabled={cancel.pending}
        aria-busy={cancel.pending}
        data-testid="pledge-cancel-confirm"
      >
        {cancel.pending ? "Cancelling…" : "Yes, cancel"}
      </button>
      <button
        type="button"
        className="link-button"
        onClick={() => setConfirming(false)}
        disabled={cancel.pending}
      >
        Keep it
      </button>
      {cancel.error !== null && <FormAlert>{fundingProblemMessage(cancel.error)}</FormAlert>}
    </div>
  );
}

function PledgeTable({ items, onCancelled }: { items: MyPledge[]; onCancelled: (p: MyPledge) => void }) {
  return (
    <div className="table-wrap" tabIndex={0} role="region" aria-label="My pledges">
      <table className="token-table funding-table" data-testid="my-pledges">
        <caption className="visually-hidden">My pledges</caption>
        <thead>
          <tr>
            <th scope="col">Pledge</th>
            <th scope="col">Project</th>
            <th scope="col">Made on</th>
            <th scope="col">Kind</th>
            <th scope="col" className="num">
              Amount
            </th>
            <th scope="col">State</th>
            <th scope="col" className="num">
              Received
            </th>
            <th scope="col">
              <span className="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {items.map((p) =>
            p.kind === "compute" ? (
              <ComputePledgeRows key={p.id} pledge={p} columns={PLEDGE_COLUMNS} />
            ) : (
              <tr key={p.id} data-testid="my-pledge" data-id={p.id} data-state={p.state}>
                <td>
                  #{p.id}
                  {p.anonymous && <span className="pill"> anonymous</span>}
                </td>
                <td>
                  <Link to={`/projects/${encodeURIComponent(p.project_slug)}`}>{p.project_name}</Link>
                </td>
                <td>
                  <time dateTime={p.created_at}>{formatShortDate(p.created_at)}</time>
                </td>
                <td>{recurrenceWords(p)}</td>
                <td className="num">{p.amount ? formatMoney(p.amount) : "—"}</td>
                <td data-testid="my-pledge-state">{pledgeStateLabel(p.state)}</td>
                <td className="num" data-testid="my-pledge-received">
                  {p.amount && p.recurrence !== "monthly"
                    ? formatMoney({ currency: p.amount.currency, amount_minor: receivedMinor(p) })
                    : p.recurrence === "monthly"
                      ? "Month by month"
                      : "—"}
                </td>
                <td>
                  {p.state === "pledged" && <CancelButton pledge={p} onCancelled={onCancelled} />}
                </td>
              </tr>
            ),
          )}
        </tbody>
      </table>
    </div>
  );
}

function Dashboard() {
  const list = useCursorList(
    (cursor, signal) => api.myPledges({ cursor, limit: PAGE_SIZE }, { signal }),
    [],
  );
  // Pledges cancelled on this page, shown with their new state.
  const [changed, setChanged] = useState<Record<number, MyPledge>>({});
  const s = list.state;
  if (s.status === "loading") return <LoadingBlock label="Loading your pledges…" />;
  if (s.status === "error") return <ErrorState error={s.error} onRetry={list.reload} />;
  const items = s.items.map((p) => changed[p.id] ?? p);
  if (items.length === 0) {
    return (
      <EmptyState title="You have not pledged yet" testId="no-pledges">
        <p>
          <Link to="/">Find a project to support</Link>.
        </p>
      </EmptyState>
    );
  }
  return (
    <>
      <Totals items={items} />
      <p>
        <button
          type="button"
          className="button button-secondary"
          onClick={() => downloadCsv(items)}
          data-testid="download-pledges-csv"
        >
          Download as CSV
        </button>
        {s.next && <span className="muted small"> (the pledges shown so far)</span>}
      </p>
      <PledgeTable items={items} onCancelled={(p) => setChanged((c) => ({ ...c, [p.id]: p }))} />
      {s.next && (
        <LoadMore
          shown={items.length}
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

export function MyPledgesPage() {
  useDocumentTitle("My pledges");
  const session = useSession();
  const navigate = useNavigate();
  const { pathname, search } = useLocation();
  useEffect(() => {
    if (session.status === "signed_out") navigate(loginHref(pathname + search), { replace: true });
  }, [session.status, navigate, pathname, search]);
  if (session.status !== "signed_in") return <LoadingBlock label="Loading your account…" />;
  return (
    <div className="funding-page" data-testid="my-pledges-page">
      <h1>My pledges</h1>
      <p className="muted">
        What you pledged, and what the projects confirmed they received. Monthly pledges are
        received month by month, each month confirmed by the project. Compute counts as
        delivered once the project confirms your delivery reports.
      </p>
      <Dashboard />
    </div>
  );
}
