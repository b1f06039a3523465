/**
 * Building blocks shared by the funding pages: ledger and balance tables, words for
 * ledger kinds and accounts, and a "show more" button for cursor lists.
 */
import type { ReactNode } from "react";
import type { Balance, LedgerKind, LedgerTransaction, PledgeState } from "../../api/client";
import { FormAlert } from "../../components/Form";
import { formatShortDate, pluralize } from "../../lib/format";
import { formatCommodity, totalsBy } from "../../lib/money";
import { problemMessage } from "../../lib/problems";

/** Every ledger kind, in the order the filter offers them (typed against the schema). */
export const LEDGER_KINDS: readonly LedgerKind[] = [
  "pledge",
  "receipt",
  "gift",
  "delivery",
  "expiry",
  "expense",
  "payout",
  "reversal",
];

const KIND_WORDS: Record<LedgerKind, string> = {
  pledge: "Pledge",
  receipt: "Money received",
  gift: "Gift",
  delivery: "Compute delivered",
  expiry: "Pledge expired",
  expense: "Expense",
  payout: "Payout",
  reversal: "Reversal",
};

export function ledgerKindLabel(kind: string): string {
  return KIND_WORDS[kind as LedgerKind] ?? kind;
}

export function isLedgerKind(value: string | null): value is LedgerKind {
  return value !== null && (LEDGER_KINDS as readonly string[]).includes(value);
}

const PLEDGE_STATE_WORDS: Record<PledgeState, string> = {
  pledged: "Pledged, waiting for the money",
  received: "Received",
  cancelled: "Cancelled",
  delivered: "Delivered",
  expired: "Expired",
};

export function pledgeStateLabel(state: string): string {
  return PLEDGE_STATE_WORDS[state as PledgeState] ?? state;
}

/**
 * A ledger account's path in words: the project's own accounts by their role, the
 * others by their last segment (sponsors are never named: `Income:Sponsors`).
 */
export function accountLabel(path: string): string {
  if (/^Assets:Projects:[^:]+:Held$/.test(path)) return "Held by the project";
  if (/^Assets:Projects:[^:]+:Receivable:Pledges$/.test(path)) return "Pledged, not yet received";
  if (/^Assets:Projects:[^:]+:Receivable:Compute$/.test(path)) return "Compute pledged, not yet delivered";
  if (path.startsWith("Income:Sponsors")) return "Sponsors";
  if (path.startsWith("Expenses:")) return `Spent (${path.slice("Expenses:".length)})`;
  return path;
}

/** Whether `path` is one of a project's own accounts (what its balances are made of). */
export function isProjectAccount(path: string): boolean {
  return path.startsWith("Assets:Projects:");
}

/** Balances grouped by commodity, each account on its own row. */
export function BalancesTable({ balances, caption }: { balances: Balance[]; caption: string }) {
  const byCommodity = new Map<string, Balance[]>();
  for (const b of balances) {
    const list = byCommodity.get(b.commodity) ?? [];
    list.push(b);
    byCommodity.set(b.commodity, list);
  }
  return (
    <div className="table-wrap" tabIndex={0} role="region" aria-label={caption}>
      <table className="token-table funding-table" data-testid="balances">
        <caption className="visually-hidden">{caption}</caption>
        <thead>
          <tr>
            <th scope="col">Commodity</th>
            <th scope="col">Account</th>
            <th scope="col" className="num">
              Balance
            </th>
          </tr>
        </thead>
        <tbody>
          {[...byCommodity.entries()].map(([commodity, rows]) =>
            rows.map((b, i) => (
              <tr key={`${commodity}|${b.account}`} data-testid="balance" data-commodity={commodity}>
                {i === 0 ? (
                  <th scope="rowgroup" rowSpan={rows.length}>
                    {commodity}
                  </th>
                ) : null}
                <td>{accountLabel(b.account)}</td>
                <td className="num" data-testid="balance-amount">
                  {formatCommodity(commodity, b.amount)}
                </td>
              </tr>
            )),
          )}
        </tbody>
      </table>
    </div>
  );
}

/**
 * What the transactions shown changed in the project's own accounts, per commodity
 * (a transaction's entries sum to zero, so only the project's side is summed).
 */
export function projectNetChange(items: LedgerTransaction[]): Map<string, bigint> {
  return totalsBy(
    items.flatMap((t) => t.entries),
    (e) => (isProjectAccount(e.account) ? e.commodity : null),
    (e) => e.amount,
  );
}

/** A ledger as a table; `actions` adds a last column (e.g. "Reverse" for maintainers). */
export function LedgerTable({
  items,
  caption,
  actions,
}: {
  items: LedgerTransaction[];
  caption: string;
  actions?: (t: LedgerTransaction) => ReactNode;
}) {
  return (
    <div className="table-wrap" tabIndex={0} role="region" aria-label={caption}>
      <table className="token-table funding-table" data-testid="ledger-table">
        <caption className="visually-hidden">{caption}</caption>
        <thead>
          <tr>
            <th scope="col">Date</th>
            <th scope="col">What</th>
            <th scope="col">Entries</th>
            {actions && (
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            )}
          </tr>
        </thead>
        <tbody>
          {items.map((t) => (
            <tr key={t.id} data-testid="ledger-row" data-kind={t.kind} data-id={t.id}>
              <td>
                <time dateTime={t.occurred_at}>{formatShortDate(t.occurred_at)}</time>
              </td>
              <td>
                <span className="pill">{ledgerKindLabel(t.kind)}</span> {t.description}
                {t.reverses_id !== null && (
                  <span className="muted small"> (reverses #{t.reverses_id})</span>
                )}
                <span className="muted small"> · #{t.id}</span>
              </td>
              <td>
                <ul className="ledger-entries">
                  {t.entries.map((e, i) => (
                    <li key={i}>
                      <span className="ledger-account">{accountLabel(e.account)}</span>{" "}
                      <span className="num" data-testid="entry-amount">
                        {formatCommodity(e.commodity, e.amount, { signed: true })}
                      </span>
                    </li>
                  ))}
                </ul>
              </td>
              {actions && <td>{actions(t)}</td>}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** "Show more" under a cursor list, with the count shown and the error of the last try. */
export function LoadMore({
  shown,
  loading,
  error,
  onClick,
  singular,
  plural,
}: {
  shown: number;
  loading: boolean;
  error: unknown;
  onClick: () => void;
  singular: string;
  plural: string;
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
        {loading ? "Loading…" : `Show more ${plural}`}
      </button>
      <p className="muted small">{pluralize(shown, singular, plural)} shown so far.</p>
    </div>
  );
}
