/** The frame of a project's sub-page (ledger, pledge, manage): loads the project once. */
import type { ReactNode } from "react";
import { api, isApiError, type Project } from "../../api/client";
import { ErrorState, LoadingBlock } from "../../components/States";
import { useAsync, useDocumentTitle } from "../../lib/useAsync";
import { Link } from "../../router";

export function projectHref(slug: string): string {
  return `/projects/${encodeURIComponent(slug)}`;
}

export function ProjectFrame({
  slug,
  title,
  testId,
  children,
}: {
  slug: string;
  /** The page's title; the project's name is added. */
  title: string;
  testId: string;
  children: (project: Project) => ReactNode;
}) {
  const state = useAsync((signal) => api.getProject(slug, { signal }), [slug]);
  useDocumentTitle(state.status === "success" ? `${title} · ${state.data.name}` : title);
  const back = (
    <p className="back">
      <Link to={projectHref(slug)} data-testid="back-link">
        ← {state.status === "success" ? state.data.name : "The project"}
      </Link>
    </p>
  );
  if (state.status === "loading") {
    return (
      <>
        {back}
        <LoadingBlock label="Loading project…" />
      </>
    );
  }
  if (state.status === "error") {
    if (isApiError(state.error) && state.error.isNotFound) {
      return (
        <div className="notice" data-testid="project-not-found">
          <p className="notice-code">404</p>
          <h1>Project not found</h1>
          <p>
            There is no project at <code>/projects/{slug}</code>.
          </p>
          <Link to="/" className="button">
            Browse all projects
          </Link>
        </div>
      );
    }
    return (
      <>
        {back}
        <h1 className="visually-hidden">{title}</h1>
        <ErrorState error={state.error} onRetry={state.retry} />
      </>
    );
  }
  return (
    <div className="funding-page" data-testid={testId} data-slug={state.data.slug}>
      {back}
      {children(state.data)}
    </div>
  );
}
