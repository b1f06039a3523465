import { api, isApiError } from "../api/client";
import { KindBadge } from "../components/KindBadge";
import { EmptyState, ErrorState, LoadingBlock } from "../components/States";
import { displayUrl, formatDate, kindLabel, safeHttpUrl } from "../lib/format";
import { useAsync, useDocumentTitle } from "../lib/useAsync";
import { FundingSection } from "./funding/FundingSection";
import { Link } from "../router";

function BackLink() {
  return (
    <p className="back">
      <Link to="/" data-testid="back-link">
        ← All projects
      </Link>
    </p>
  );
}

function ProjectNotFound({ slug }: { slug: string }) {
  useDocumentTitle("Project not found");
  return (
    <div className="notice" data-testid="project-not-found">
      <p className="notice-code">404</p>
      <h1>Project not found</h1>
      <p>
        There is no project at <code>/projects/{slug}</code>. It may have been renamed, or the
        link may be mistyped.
      </p>
      <Link to="/" className="button">
        Browse all projects
      </Link>
    </div>
  );
}

export function ProjectPage({ slug }: { slug: string }) {
  const state = useAsync((signal) => api.getProject(slug, { signal }), [slug]);
  useDocumentTitle(
    state.status === "success" ? state.data.name : state.status === "loading" ? "Loading…" : "",
  );

  if (state.status === "loading") {
    return (
      <>
        <BackLink />
        <LoadingBlock label="Loading project…" />
      </>
    );
  }
  if (state.status === "error") {
    if (isApiError(state.error) && state.error.isNotFound) return <ProjectNotFound slug={slug} />;
    return (
      <>
        <BackLink />
        <h1 className="visually-hidden">Project</h1>
        <ErrorState error={state.error} onRetry={state.retry} />
      </>
    );
  }

  const p = state.data;
  const homepage = safeHttpUrl(p.homepage);
  return (
    <article className="project" data-testid="project-page" data-slug={p.slug}>
      <BackLink />
      <header className="project-header">
        <KindBadge kind={p.kind} />
        <h1 className="project-title" data-testid="project-name">
          {p.name}
        </h1>
        <p className="project-summary" data-testid="project-summary">
          {p.summary}
        </p>
        {homepage && (
          <a className="button" href={homepage} target="_blank" rel="noopener noreferrer">
            Visit homepage ↗
          </a>
        )}
      </header>

      <div className="project-body">
        <section className="project-main" aria-labelledby="funding-title">
          <h2 id="funding-title">Funding</h2>
          <EmptyState title="No funding goals yet" testId="no-goals">
            <p>
              Goals in money and GPU-hours, pledges and this project's public ledger will appear
              here.
            </p>
          </EmptyState>
          <FundingSection project={p} />
        </section>

        <aside className="project-aside" aria-labelledby="details-title">
          <h2 id="details-title">Details</h2>
          <dl className="details">
            <dt>Kind</dt>
            <dd>{kindLabel(p.kind)}</dd>
            <dt>Homepage</dt>
            <dd>
              {homepage ? (
                <a href={homepage} target="_blank" rel="noopener noreferrer" data-testid="project-homepage">
                  {displayUrl(homepage)}
                </a>
              ) : (
                <span className="muted">None listed</span>
              )}
            </dd>
            <dt>Listed on</dt>
            <dd>
              <time dateTime={p.created_at} data-testid="project-created">
                {formatDate(p.created_at)}
              </time>
            </dd>
            <dt>Address</dt>
            <dd>
              <code>/projects/{p.slug}</code>
            </dd>
          </dl>
        </aside>
      </div>
    </article>
  );
}
