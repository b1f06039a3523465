/**
 * A project's public ledger: every transaction, newest first, read page by page with
 * cursors; filters (kind, commodity, dates) live in the URL so a filtered view can be
 * linked; balances per commodity; CSV and Beancount downloads with the same filters.
 *
 * Filters go to the server as `kind`, `commodity`, `from` and `to` (dates, YYYY-MM-DD,
 * both days included). The rows shown are filtered by the same rules here too, so the
 * table is right also against a server that does not know a filter yet.
 */
import { useState, type FormEvent } from "react";
import { api, type LedgerTransaction, type Project } from "../../api/client";
import { EmptyState, ErrorState, LoadingBlock } from "../../components/States";
import { formatCommodity } from "../../lib/money";
import { useAsync } from "../../lib/useAsync";
import { useCursorList } from "../../lib/useCursorList";
import { useNavigate, useSearchParams } from "../../router";
import {
  BalancesTable,
  LEDGER_KINDS,
  LedgerTable,
  LoadMore,
  isLedgerKind,
  ledgerKindLabel,
  projectNetChange,
} from "./common";
import { ProjectFrame } from "./ProjectFrame";

const PAGE_SIZE = 50;

export interface LedgerFilters {
  kind: string;
  commodity: string;
  from: string;
  to: string;
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const COMMODITY = /^([A-Z]{3}|GPU:[!-~]{1,64})$/;

/** The filters in a URL's query; values that are not valid are dropped. */
export function readFilters(params: URLSearchParams): LedgerFilters {
  const kind = params.get("kind");
  const commodity = params.get("commodity") ?? "";
  const from = params.get("from") ?? "";
  const to = params.get("to") ?? "";
  return {
    kind: isLedgerKind(kind) ? kind : "",
    commodity: COMMODITY.test(commodity) ? commodity : "",
    from: DATE.test(from) ? from : "",
    to: DATE.test(to) ? to : "",
  };
}

/** The filters as a query string ("" or "?kind=receipt&from=2025-01-01"). */
export function filterQuery(f: LedgerFilters): string {
  const params = new URLSearchParams();
  for (const key of ["kind", "commodity", "from", "to"] as const) {
    if (f[key]) params.set(key, f[key]);
  }
  const qs = params.toString();
  return qs ? `?${qs}` : "";
}

/** Whether transaction `t` passes the filters (dates compared as UTC days). */
export function matchesFilters(t: LedgerTransaction, f: LedgerFilters): boolean {
  if (f.kind && t.kind !== f.kind) return false;
  if (f.commodity && !t.entries.some((e) => e.commodity === f.commodity)) return false;
  const day = t.occurred_at.slice(0, 10);
  if (f.from && day < f.from) return false;
  if (f.to && day > f.to) return false;
  return true;
}

export function exportHref(slug: string, format: "csv" | "beancount", f: LedgerFilters): string {
  return `/api/v1/projects/${encodeURIComponent(slug)}/ledger.${format}${filterQuery(f)}`;
}

function FilterForm({
  filters,
  commodities,
  onApply,
}: {
  filters: LedgerFilters;
  commodities: string[];
  onApply: (f: LedgerFilters) => void;
}) {
  const [draft, setDraft] = useState(filters);
  const options = [...new Set([...commodities, ...(filters.commodity ? [filters.commodity] : [])])];
  function submit(e: FormEvent) {
    e.preventDefault();
    onApply(draft);
  }
  return (
    <form className="admin-filter ledger-filters" onSubmit={submit} data-testid="ledger-filters">
      <label>
        Kind{" "}
        <select
          name="kind"
          className="input"
          value={draft.kind}
          onChange={(e) => setDraft({ ...draft, kind: e.target.value })}
        >
          <option value="">All kinds</option>
          {LEDGER_KINDS.map((k) => (
            <option key={k} value={k}>
              {ledgerKindLabel(k)}
            </option>
          ))}
        </select>
      </label>
      <label>
        Commodity{" "}
        <select
          name="commodity"
          className="input"
          value={draft.commodity}
          onChange={(e) => setDraft({ ...draft, commodity: e.target.value })}
        >
          <option value="">All</option>
          {options.map((c) => (
            <option key={c} value={c}>
              {c}
            </option>
          ))}
        </select>
      </label>
      <label>
        From{" "}
        <input
          type="date"
          name="from"
          className="input"
          value={draft.from}
          onChange={(e) => setDraft({ ...draft, from: e.target.value })}
        />
      </label>
      <label>
        To{" "}
        <input
          type="date"
          name="to"
          className="input"
          value={draft.to}
          onChange={(e) => setDraft({ ...draft, to: e.target.value })}
        />
      </label>
      <button type="submit" className="button button-secondary" data-testid="apply-filters">
        Apply
      </button>
      {filterQuery(filters) && (
        <button
          type="button"
          className="link-button"
          onClick={() => {
            const none = { kind: "", commodity: "", from: "", to: "" };
            setDraft(none);
            onApply(none);
          }}
        >
          Clear filters
        </button>
      )}
    </form>
  );
}

function Ledger({ project }: { project: Project }) {
  const params = useSearchParams();
  const navigate = useNavigate();
  const filters = readFilters(params);
  const qs = filterQuery(filters);
  const balances = useAsync((signal) => api.getBalances(project.slug, { signal }), [project.slug]);
  const list = useCursorList(
    (cursor, signal) =>
      api.listLedger(
        project.slug,
        {
          kind: filters.kind || undefined,
          commodity: filters.commodity || undefined,
          from: filters.from || undefined,
          to: filters.to || undefined,
          limit: PAGE_SIZE,
          cursor,
        },
        { signal },
      ),
    [project.slug, qs],
  );
  const base = `/projects/${encodeURIComponent(project.slug)}/ledger`;
  const commodities =
    balances.status === "success"
      ? [...new Set(balances.data.balances.map((b) => b.commodity))]
      : [project.currency];

  const s = list.state;
  const shown = s.status === "ready" ? s.items.filter((t) => matchesFilters(t, filters)) : [];
  const net = projectNetChange(shown);

  return (
    <>
      <h1>Public ledger of {project.name}</h1>
      <p className="muted">
        Every pledge received, delivery, expense and reversal, as double-entry transactions
        whose entries sum to zero per commodity. Sponsors are never named here.
      </p>

      <section aria-labelledby="balances-title">
        <h2 id="balances-title">Balances</h2>
        {balances.status === "loading" && <LoadingBlock label="Loading balances…" />}
        {balances.status === "error" && <ErrorState error={balances.error} onRetry={balances.retry} />}
        {balances.status === "success" &&
          (balances.data.balances.length === 0 ? (
            <p className="muted" data-testid="no-balances">
              No balances yet.
            </p>
          ) : (
            <BalancesTable balances={balances.data.balances} caption="Balances per commodity" />
          ))}
      </section>

      <section aria-labelledby="transactions-title">
        <div className="section-head">
          <h2 id="transactions-title">Transactions</h2>
          <p className="ledger-downloads">
            Download{qs ? " (filtered)" : ""}:{" "}
            <a href={exportHref(project.slug, "csv", filters)} download data-testid="download-csv">
              CSV
            </a>{" "}
            ·{" "}
            <a
              href={exportHref(project.slug, "beancount", filters)}
              download
              data-testid="download-beancount"
            >
              Beancount journal
            </a>
          </p>
        </div>
        <FilterForm
          key={qs}
          filters={filters}
          commodities={commodities}
          onApply={(f) => navigate(base + filterQuery(f))}
        />
        {s.status === "loading" && <LoadingBlock label="Loading transactions…" />}
        {s.status === "error" && <ErrorState error={s.error} onRetry={list.reload} />}
        {s.status === "ready" && shown.length === 0 && !s.next && (
          <EmptyState title={qs ? "No transactions match these filters" : "The ledger is empty"} testId="ledger-empty" />
        )}
        {s.status === "ready" && shown.length > 0 && (
          <>
            {net.size > 0 && (
              <dl className="funding-totals" data-testid="ledger-totals">
                {[...net.entries()].map(([commodity, amount]) => (
                  <div key={commodity} data-commodity={commodity}>
                    <dt>Net change to the project ({commodity}), transactions shown</dt>
                    <dd>{formatCommodity(commodity, amount, { signed: true })}</dd>
                  </div>
                ))}
              </dl>
            )}
            <LedgerTable items={shown} caption="Ledger transactions" />
          </>
        )}
        {s.status === "ready" && s.next && (
          <LoadMore
            shown={shown.length}
            loading={s.loadingMore}
            error={s.moreError}
            onClick={list.loadMore}
            singular="transaction"
            plural="transactions"
          />
        )}
      </section>
    </>
  );
}

export function LedgerPage({ slug }: { slug: string }) {
  return (
    <ProjectFrame slug={slug} title="Public ledger" testId="ledger-page">
      {(project) => <Ledger project={project} />}
    </ProjectFrame>
  );
}
