import { useEffect, useState, type FormEvent } from "react";
import { api, type ListProjectsQuery, type ProjectKind, type ProjectList as Page } from "../api/client";
import { NoProjectsYet, ProjectList } from "../components/ProjectList";
import { EmptyState, ErrorState, LoadingCards } from "../components/States";
import { isProjectKind, kindPlural, PROJECT_KINDS, pluralize } from "../lib/format";
import { useAsync, useDocumentTitle } from "../lib/useAsync";
import { Link, useNavigate, useSearchParams } from "../router";

export const PER_PAGE = 20;

type Sort = NonNullable<ListProjectsQuery["sort"]>;
const SORTS: { value: Sort; label: string }[] = [
  { value: "newest", label: "Newest first" },
  { value: "updated", label: "Recently updated" },
  { value: "name", label: "Name (A–Z)" },
];

function isSort(value: unknown): value is Sort {
  return SORTS.some((s) => s.value === value);
}

/** What the explore page shows; all of it lives in the URL, so links and Back work. */
interface View {
  q: string;
  kind: ProjectKind | null;
  sort: Sort;
  cursor: string | null;
}

export function homeHref(view: Partial<View>): string {
  const params = new URLSearchParams();
  if (view.q) params.set("q", view.q);
  if (view.kind) params.set("kind", view.kind);
  if (view.sort && view.sort !== "newest") params.set("sort", view.sort);
  if (view.cursor) params.set("cursor", view.cursor);
  const qs = params.toString();
  return qs ? `/?${qs}` : "/";
}

/** Kind chips with the server's counts over the whole list (the search applied). */
function KindFilter({ data, view }: { data: Page; view: View }) {
  const all = data.kinds.reduce((sum, k) => sum + k.count, 0);
  const kinds = PROJECT_KINDS.filter(
    (k) => (data.kinds.find((c) => c.kind === k)?.count ?? 0) > 0 || k === view.kind,
  );
  if (all === 0 && !view.kind) return null;
  return (
    <nav className="kind-filter" aria-label="Filter by kind" data-testid="kind-filter">
      <Link
        to={homeHref({ ...view, kind: null, cursor: null })}
        className="chip"
        aria-current={view.kind === null ? "true" : undefined}
      >
        All <span className="chip-count">{all}</span>
      </Link>
      {kinds.map((k) => (
        <Link
          key={k}
          to={homeHref({ ...view, kind: k, cursor: null })}
          className={`chip chip-${k}`}
          aria-current={view.kind === k ? "true" : undefined}
          data-kind={k}
        >
          {kindPlural(k)}{" "}
          <span className="chip-count">{data.kinds.find((c) => c.kind === k)?.count ?? 0}</span>
        </Link>
      ))}
    </nav>
  );
}

function SearchBar({ view }: { view: View }) {
  const navigate = useNavigate();
  const [text, setText] = useState(view.q);
  useEffect(() => setText(view.q), [view.q]);
  function onSubmit(e: FormEvent) {
    e.preventDefault();
    navigate(homeHref({ ...view, q: text.trim(), cursor: null }));
  }
  return (
    <div className="explore-controls">
      <form role="search" className="search-form" onSubmit={onSubmit} data-testid="search-form">
        <label htmlFor="project-search" className="visually-hidden">
          Search projects by name
        </label>
        <input
          id="project-search"
          type="search"
          className="input"
          placeholder="Search projects by name"
          maxLength={100}
          value={text}
          onChange={(e) => setText(e.target.value)}
          data-testid="search-input"
        />
        <button type="submit" className="button button-secondary">
          Search
        </button>
      </form>
      <label className="sort-select">
        <span>Sort</span>{" "}
        <select
          className="input"
          value={view.sort}
          onChange={(e) =>
            navigate(homeHref({ ...view, sort: isSort(e.target.value) ? e.target.value : "newest", cursor: null }))
          }
          data-testid="sort-select"
        >
          {SORTS.map((s) => (
            <option key={s.value} value={s.value}>
              {s.label}
            </option>
          ))}
        </select>
      </label>
    </div>
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

/** The explore page: search, kind filter and sort, all done by the server; cursor pages. */
export function HomePage() {
  useDocumentTitle("");
  const params = useSearchParams();
  const kindParam = params.get("kind");
  const sortParam = params.get("sort");
  const view: View = {
    q: (params.get("q") ?? "").trim(),
    kind: isProjectKind(kindParam) ? kindParam : null,
    sort: isSort(sortParam) ? sortParam : "newest",
    cursor: params.get("cursor"),
  };
  const filtered = view.q !== "" || view.kind !== null;

  const state = useAsync(
    (signal) =>
      api.listProjects(
        {
          q: view.q || undefined,
          kind: view.kind ?? undefined,
          sort: view.sort === "newest" ? undefined : view.sort,
          cursor: view.cursor ?? undefined,
          limit: PER_PAGE,
        },
        { signal },
      ),
    [view.q, view.kind, view.sort, view.cursor],
  );

  let body;
  if (state.status === "loading") {
    body = <LoadingCards />;
  } else if (state.status === "error") {
    body = <ErrorState error={state.error} onRetry={state.retry} />;
  } else {
    const data = state.data;
    let empty = <NoProjectsYet />;
    if (filtered) {
      empty = (
        <EmptyState title="No projects match" testId="empty-filter">
          <p>
            <Link to="/">Show all projects</Link>
          </p>
        </EmptyState>
      );
    } else if (view.cursor) {
      empty = (
        <EmptyState title="Nothing on this page" testId="empty-page">
          <p>
            <Link to={homeHref({ ...view, cursor: null })}>Back to the first page</Link>
          </p>
        </EmptyState>
      );
    }
    body = (
      <>
        <KindFilter data={data} view={view} />
        {filtered && (
          <p className="muted" data-testid="match-count" aria-live="polite">
            {pluralize(data.total, "project")} found
          </p>
        )}
        <ProjectList projects={data.items} empty={empty} />
        {(data.next_cursor || view.cursor) && (
          <nav className="pagination" aria-label="Pagination" data-testid="pagination">
            {view.cursor && (
              <Link to={homeHref({ ...view, cursor: null })} data-testid="first-page">
                ← First page
              </Link>
            )}
            {data.next_cursor && (
              <Link
                to={homeHref({ ...view, cursor: data.next_cursor })}
                rel="next"
                data-testid="next-page"
              >
                Next page →
              </Link>
            )}
          </nav>
        )}
      </>
    );
  }

  const total =
    state.status === "success" && !filtered
      ? state.data.kinds.reduce((sum, k) => sum + k.count, 0)
      : null;
  return (
    <>
      <Hero total={total} />
      <section className="section" aria-labelledby="projects-title">
        <div className="section-head">
          <h2 id="projects-title">Projects</h2>
          <Link to="/new-project" className="button button-small" data-testid="new-project-link">
            List a project
          </Link>
        </div>
        <SearchBar view={view} />
        {body}
      </section>
    </>
  );
}
