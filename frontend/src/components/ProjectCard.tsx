import type { Project } from "../api/client";
import { displayUrl, formatDate, safeHttpUrl } from "../lib/format";
import { Link } from "../router";
import { KindBadge } from "./KindBadge";

export function projectPath(slug: string): string {
  return `/projects/${encodeURIComponent(slug)}`;
}

export function ProjectCard({ project }: { project: Project }) {
  const homepage = safeHttpUrl(project.homepage);
  const headingId = `project-${project.id}-name`;
  return (
    <article
      className="card project-card"
      data-testid="project-card"
      data-slug={project.slug}
      aria-labelledby={headingId}
    >
      <div className="card-top">
        <KindBadge kind={project.kind} />
        <time className="card-date" dateTime={project.created_at}>
          {formatDate(project.created_at)}
        </time>
      </div>
      <h3 className="card-title" id={headingId}>
        <Link to={projectPath(project.slug)} className="card-link" data-testid="project-card-link">
          {project.name}
        </Link>
      </h3>
      <p className="card-summary">{project.summary}</p>
      {homepage && (
        <a
          className="card-homepage"
          href={homepage}
          target="_blank"
          rel="noopener noreferrer"
          data-testid="project-homepage"
        >
          {displayUrl(homepage)}
        </a>
      )}
    </article>
  );
}
