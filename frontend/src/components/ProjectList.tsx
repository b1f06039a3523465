import type { ReactNode } from "react";
import type { Project } from "../api/client";
import { ProjectCard } from "./ProjectCard";
import { useInstance } from "../instance/instance";
import { EmptyState } from "./States";

export function NoProjectsYet() {
  const { name } = useInstance();
  return (
    <EmptyState title="No projects yet">
      <p>Nobody has listed a project on {name} so far. Please come back soon.</p>
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
