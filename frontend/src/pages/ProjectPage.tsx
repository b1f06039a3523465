import { api, isApiError } from "../api/client";
import { useSession } from "../auth/useSession";
import { KindBadge } from "../components/KindBadge";
import { Markdown } from "../components/Markdown";
import { ErrorState, LoadingBlock } from "../components/States";
import { displayUrl, formatDate, kindLabel, safeHttpUrl } from "../lib/format";
import { useAsync, useDocumentTitle } from "../lib/useAsync";
import { FundingSection } from "./funding/FundingSection";
import { GoalsSection } from "./funding/Goals";
import { SponsorWallSection } from "./funding/SponsorWall";
import { ActivitySection, ContributorsSection } from "./activity/Recognition";
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

/** A "Settings" link for the project's owners, maintainers and site admins. */
function SettingsLink({ slug }: { slug: string }) {
  const session = useSession();
  const signedIn = session.status === "signed_in";
  const admin = signedIn && session.me.is_admin;
  const mine = useAsync(
    (signal) =>
      signedIn && !admin ? api.myProjects({ signal }) : Promise.resolve({ items: [] }),
    [signedIn, admin],
  );
  const member =
    mine.status === "success" && mine.data.items.some((m) => m.project.slug === slug);
  if (!admin && !member) return null;
  return (
    <Link to={`/projects/${slug}/settings`} className="button button-secondary" data-testid="settings-link">
      Settings
    </Link>
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
  const repository = safeHttpUrl(p.repository_url);
  const modelCard = safeHttpUrl(p.model_card_url);
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
        {p.archived_at && (
          <p className="badge badge-archived" data-testid="project-archived">
            Archived
          </p>
        )}
        <div className="project-actions">
          {homepage && (
            <a className="button" href={homepage} target="_blank" rel="nofollow noopener noreferrer">
              Visit homepage ↗
            </a>
          )}
          <SettingsLink slug={p.slug} />
        </div>
      </header>
      {p.description && (
        <section className="project-description" aria-label="About this project">
          <Markdown source={p.description} testId="project-description" />
        </section>
      )}

      <div className="project-body">
        <div className="project-main">
          <section aria-labelledby="funding-title">
            <h2 id="funding-title">Funding</h2>
            <GoalsSection project={p} />
            <FundingSection project={p} />
            <SponsorWallSection slug={p.slug} />
          </section>
          <ContributorsSection slug={p.slug} />
          <ActivitySection slug={p.slug} />
        </div>

        <aside className="project-aside" aria-labelledby="details-title">
          <h2 id="details-title">Details</h2>
          <dl className="details">
            <dt>Kind</dt>
            <dd>{kindLabel(p.kind)}</dd>
            <dt>Homepage</dt>
            <dd>
              {homepage ? (
                <a href={homepage} target="_blank" rel="nofollow noopener noreferrer" data-testid="project-homepage">
                  {displayUrl(homepage)}
                </a>
              ) : (
                <span className="muted">None listed</span>
              )}
            </dd>
            <dt>Licence</dt>
            <dd data-testid="project-license">
              {p.license ? <code>{p.license}</code> : <span className="muted">None stated</span>}
            </dd>
            {repository && (
              <>
                <dt>Repository</dt>
                <dd>
                  <a href={repository} target="_blank" rel="nofollow noopener noreferrer" data-testid="project-repository">
                    {displayUrl(repository)}
                  </a>
                </dd>
              </>
            )}
            {modelCard && (
              <>
                <dt>Model card</dt>
                <dd>
                  <a href={modelCard} target="_blank" rel="nofollow noopener noreferrer" data-testid="project-model-card">
                    {displayUrl(modelCard)}
                  </a>
                </dd>
              </>
            )}
            <dt>Currency</dt>
            <dd>{p.currency}</dd>
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
