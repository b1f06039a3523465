import type { ReactNode } from "react";
import type { Project } from "../api/client";
import { ProjectCard } from "./ProjectCard";
import { EmptyState } from "./States";

export function NoProjectsYet() {
  return (
    <EmptyState title="No projects yet">
      <p>
        Nobody has listed a project on this OpenFund instance so far. Operators can load a few
        example projects with <code>openfund demo</code>.
      </p>
    </EmptyState>
  );
}

export function ProjectList({
  projects,
  empty = <NoProjectsYet />,
}: {
  projects: readonly Project[];
  empty?: ReactNode;
}) {
  if (projects.length === 0) return <>{empty}</>;
  return (
    <ul className="project-grid" data-testid="project-list">
      {projects.map((p) => (
        <li key={p.id}>
          <ProjectCard project={p} />
        </li>
      ))}
    </ul>
  );
}
