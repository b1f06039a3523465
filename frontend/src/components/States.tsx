import type { ReactNode } from "react";
import { describeError } from "../lib/problems";

export function LoadingCards({ count = 6 }: { count?: number }) {
  return (
    <div className="project-grid" data-testid="loading" aria-busy="true" aria-live="polite">
      <span className="visually-hidden">Loading projects…</span>
      {Array.from({ length: count }, (_, i) => (
        <div className="card skeleton-card" key={i} aria-hidden="true">
          <div className="skeleton skeleton-badge" />
          <div className="skeleton skeleton-title" />
          <div className="skeleton skeleton-line" />
          <div className="skeleton skeleton-line short" />
        </div>
      ))}
    </div>
  );
}

export function LoadingBlock({ label }: { label: string }) {
  return (
    <div className="loading-block" data-testid="loading" aria-busy="true" aria-live="polite">
      <span className="spinner" aria-hidden="true" />
      <span>{label}</span>
    </div>
  );
}

export function EmptyState({
  title,
  children,
  testId = "empty-state",
}: {
  title: string;
  children?: ReactNode;
  testId?: string;
}) {
  return (
    <div className="empty-state" data-testid={testId}>
      <h3>{title}</h3>
      {children}
    </div>
  );
}

/** A failed load, in words for people (no status codes or machine codes), with a retry button. */
export function ErrorState({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  const { title, detail } = describeError(error);
  return (
    <div className="error-state" role="alert" data-testid="error-state">
      <h3 className="error-title">{title}</h3>
      {detail && <p className="error-detail">{detail}</p>}
      {onRetry && (
        <button type="button" className="button" onClick={onRetry} data-testid="retry">
          Try again
        </button>
      )}
    </div>
  );
}
