import { api, type ProjectKind, type ProjectPage } from "../api/client";
import { Pagination } from "../components/Pagination";
import { NoProjectsYet, ProjectList } from "../components/ProjectList";
import { EmptyState, ErrorState, LoadingCards } from "../components/States";
import { isProjectKind, kindPlural, PROJECT_KINDS, pluralize } from "../lib/format";
import { useAsync, useDocumentTitle } from "../lib/useAsync";
import { Link, useSearchParams } from "../router";

export const PER_PAGE = 20;

function parsePage(raw: string | null): number {
  const n = Number(raw);
  return Number.isInteger(n) && n >= 1 ? n : 1;
}

function homeHref(page: number, kind: ProjectKind | null): string {
  const params = new URLSearchParams();
  if (page > 1) params.set("page", String(page));
  if (kind) params.set("kind", kind);
  const qs = params.toString();
  return qs ? `/?${qs}` : "/";
}

function KindFilter({
  data,
  page,
  active,
}: {
  data: ProjectPage;
  page: number;
  active: ProjectKind | null;
}) {
  const counts = new Map<ProjectKind, number>();
  for (const p of data.items) counts.set(p.kind, (counts.get(p.kind) ?? 0) + 1);
  const kinds = PROJECT_KINDS.filter((k) => (counts.get(k) ?? 0) > 0 || k === active);
  if (data.items.length === 0) return null;
  return (
    <nav className="kind-filter" aria-label="Filter by kind" data-testid="kind-filter">
      <Link
        to={homeHref(page, null)}
        className="chip"
        aria-current={active === null ? "true" : undefined}
      >
        All <span className="chip-count">{data.items.length}</span>
      </Link>
      {kinds.map((k) => (
        <Link
          key={k}
          to={homeHref(page, k)}
          className={`chip chip-${k}`}
          aria-current={active === k ? "true" : undefined}
          data-kind={k}
        >
          {kindPlural(k)} <span className="chip-count">{counts.get(k) ?? 0}</span>
        </Link>
      ))}
    </nav>
  );
}

function Hero({ total }: { total: number | null }) {
  return (
    <section className="hero" aria-labelledby="hero-title">
      <p className="hero-eyebrow">Open models · datasets · libraries · tools</p>
      <h1 id="hero-title" className="hero-title">
        Fund open AI: money, compute and recognition, <span className="accent">in public</span>.
      </h1>
      <p className="hero-lead">
        Open AI projects raise money and GPU-hours here. Every pledge and every expense lands in a
        public ledger, and everyone who contributes gets the credit.
      </p>
      {total !== null && total > 0 && (
        <p className="hero-stat" data-testid="project-total">
          {pluralize(total, "project")} raising money and compute
        </p>
      )}
    </section>
  );
}

export function HomePage() {
  useDocumentTitle("");
  const params = useSearchParams();
  const page = parsePage(params.get("page"));
  const kindParam = params.get("kind");
  const kind = isProjectKind(kindParam) ? kindParam : null;

  const state = useAsync(
    (signal) => api.listProjects({ page, per_page: PER_PAGE }, { signal }),
    [page],
  );

  let body;
  if (state.status === "loading") {
    body = <LoadingCards />;
  } else if (state.status === "error") {
    body = <ErrorState error={state.error} onRetry={state.retry} />;
  } else {
    const data = state.data;
    const visible = kind ? data.items.filter((p) => p.kind === kind) : data.items;
    let empty = <NoProjectsYet />;
    if (data.total > 0 && data.items.length === 0) {
      empty = (
        <EmptyState title="Nothing on this page" testId="empty-page">
          <p>
            There are only {pluralize(data.total, "project")}.{" "}
            <Link to={homeHref(1, kind)}>Back to the first page</Link>
          </p>
        </EmptyState>
      );
    } else if (kind && data.items.length > 0) {
      empty = (
        <EmptyState title={`No ${kindPlural(kind).toLowerCase()} on this page`} testId="empty-filter">
          <p>
            <Link to={homeHref(page, null)}>Show all projects</Link>
          </p>
        </EmptyState>
      );
    }
    body = (
      <>
        <KindFilter data={data} page={page} active={kind} />
        <ProjectList projects={visible} empty={empty} />
        <Pagination
          page={data.page}
          perPage={data.per_page}
          total={data.total}
          hrefFor={(p) => homeHref(p, kind)}
        />
      </>
    );
  }

  return (
    <>
      <Hero total={state.status === "success" ? state.data.total : null} />
      <section className="section" aria-labelledby="projects-title">
        <div className="section-head">
          <h2 id="projects-title">Projects</h2>
          <p className="section-sub">Newest first</p>
        </div>
        {body}
      </section>
    </>
  );
}
