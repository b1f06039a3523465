/**
 * The project page's funding block: what the project holds per commodity, the few
 * newest ledger transactions (the full ledger has its own page), and the pledge button.
 * Goals (./Goals.tsx) and the sponsor wall (./SponsorWall.tsx) are their own sections.
 */
import { api, isApiError, type Project } from "../../api/client";
import { useSession } from "../../auth/useSession";
import { EmptyState, ErrorState, LoadingBlock } from "../../components/States";
import { formatCommodity } from "../../lib/money";
import { useAsync } from "../../lib/useAsync";
import { Link } from "../../router";
import { LedgerTable, isProjectAccount } from "./common";

/** How many ledger transactions the project page shows. */
export const RECENT_LEDGER_ROWS = 5;

export function ledgerHref(slug: string): string {
  return `/projects/${encodeURIComponent(slug)}/ledger`;
}

export function pledgeHref(slug: string): string {
  return `/projects/${encodeURIComponent(slug)}/pledge`;
}

export function manageHref(slug: string): string {
  return `/projects/${encodeURIComponent(slug)}/manage`;
}

/**
 * Whether the signed-in visitor may manage the project's funding: asks the
 * maintainers-only pledge list for one item (403 → no). Null while unknown.
 */
export function useCanManage(slug: string): boolean | null {
  const session = useSession();
  const signedIn = session.status === "signed_in";
  const probe = useAsync(
    async (signal) => {
      if (!signedIn) return false;
      try {
        await api.listProjectPledges(slug, { limit: 1 }, { signal });
        return true;
      } catch (err) {
        if (isApiError(err) && (err.status === 403 || err.status === 401)) return false;
        throw err;
      }
    },
    [slug, signedIn],
  );
  if (session.status === "loading") return null;
  return probe.status === "success" ? probe.data : probe.status === "loading" ? null : false;
}

function Holdings({ slug }: { slug: string }) {
  const state = useAsync((signal) => api.getBalances(slug, { signal }), [slug]);
  if (state.status === "loading") return <LoadingBlock label="Loading balances…" />;
  if (state.status === "error") return <ErrorState error={state.error} onRetry={state.retry} />;
  const held = state.data.balances.filter(
    (b) => isProjectAccount(b.account) && b.account.endsWith(":Held"),
  );
  const pending = state.data.balances.filter(
    (b) => isProjectAccount(b.account) && b.account.includes(":Receivable:") && b.amount !== 0,
  );
  if (held.length === 0 && pending.length === 0) {
    return (
      <p className="muted" data-testid="no-balances">
        Nothing received yet. Be the first to pledge.
      </p>
    );
  }
  return (
    <dl className="funding-totals" data-testid="funding-balances">
      {held.map((b) => (
        <div key={`held-${b.commodity}`} data-testid="held" data-commodity={b.commodity}>
          <dt>Held ({b.commodity})</dt>
          <dd>{formatCommodity(b.commodity, b.amount)}</dd>
        </div>
      ))}
      {pending.map((b) => (
        <div key={`pending-${b.account}-${b.commodity}`} data-testid="pending" data-commodity={b.commodity}>
          <dt>Pledged, not yet in ({b.commodity})</dt>
          <dd>{formatCommodity(b.commodity, b.amount)}</dd>
        </div>
      ))}
    </dl>
  );
}

function RecentLedger({ slug }: { slug: string }) {
  const state = useAsync(
    (signal) => api.listLedger(slug, { limit: RECENT_LEDGER_ROWS }, { signal }),
    [slug],
  );
  if (state.status === "loading") return <LoadingBlock label="Loading the ledger…" />;
  if (state.status === "error") return <ErrorState error={state.error} onRetry={state.retry} />;
  if (state.data.items.length === 0) {
    return (
      <EmptyState title="The ledger is empty" testId="ledger-empty">
        <p>Every pledge received, expense and reversal will be listed here, in public.</p>
      </EmptyState>
    );
  }
  return <LedgerTable items={state.data.items} caption="Recent ledger transactions" />;
}

export function FundingSection({ project }: { project: Pick<Project, "slug" | "currency"> }) {
  const { slug } = project;
  const canManage = useCanManage(slug);
  return (
    <section className="funding" aria-labelledby="funding-money-title" data-testid="funding-section">
      <div className="section-head">
        <h3 id="funding-money-title">Money</h3>
        <div className="funding-actions">
          <Link to={pledgeHref(slug)} className="button" data-testid="pledge-money">
            Pledge money
          </Link>
          <Link to={`${pledgeHref(slug)}?kind=compute`} className="button button-secondary" data-testid="pledge-compute">
            Pledge compute
          </Link>
          {canManage && (
            <Link to={manageHref(slug)} className="button button-secondary" data-testid="manage-funding">
              Manage funding
            </Link>
          )}
        </div>
      </div>
      <Holdings slug={slug} />
      <h3>Recent ledger</h3>
      <RecentLedger slug={slug} />
      <p>
        <Link to={ledgerHref(slug)} data-testid="full-ledger">
          See the full public ledger →
        </Link>
      </p>
    </section>
  );
}
