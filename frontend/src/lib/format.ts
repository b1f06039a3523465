import type { ProjectKind } from "../api/client";

/** Every kind, in display order. Typed against the generated schema. */
export const PROJECT_KINDS: readonly ProjectKind[] = [
  "model",
  "dataset",
  "library",
  "tool",
  "other",
];

const KIND_LABELS: Record<ProjectKind, string> = {
  model: "Model",
  dataset: "Dataset",
  library: "Library",
  tool: "Tool",
  other: "Other",
};

const KIND_PLURALS: Record<ProjectKind, string> = {
  model: "Models",
  dataset: "Datasets",
  library: "Libraries",
  tool: "Tools",
  other: "Other",
};

export function isProjectKind(value: unknown): value is ProjectKind {
  return typeof value === "string" && (PROJECT_KINDS as readonly string[]).includes(value);
}

/** "model" → "Model"; an unknown kind from a newer server is title-cased. */
export function kindLabel(kind: string): string {
  if (isProjectKind(kind)) return KIND_LABELS[kind];
  return kind ? kind.charAt(0).toUpperCase() + kind.slice(1) : "Other";
}

export function kindPlural(kind: ProjectKind): string {
  return KIND_PLURALS[kind];
}

const dateFormat = new Intl.DateTimeFormat("en-GB", {
  day: "numeric",
  month: "long",
  year: "numeric",
  timeZone: "UTC",
});

/** RFC 3339 → "28 November 2025" (UTC, so every visitor sees the same day). */
export function formatDate(rfc3339: string): string {
  const ms = Date.parse(rfc3339);
  if (Number.isNaN(ms)) return rfc3339;
  return dateFormat.format(new Date(ms));
}

const shortDateFormat = new Intl.DateTimeFormat("en-GB", {
  day: "numeric",
  month: "short",
  year: "numeric",
  timeZone: "UTC",
});

/** RFC 3339 → "28 Nov 2025" (UTC), for tables. */
export function formatShortDate(rfc3339: string): string {
  const ms = Date.parse(rfc3339);
  if (Number.isNaN(ms)) return rfc3339;
  return shortDateFormat.format(new Date(ms));
}

/** Only http(s) URLs are linked; anything else (javascript:, data:, junk) is not. */
export function safeHttpUrl(url: string | null | undefined): string | null {
  if (!url) return null;
  try {
    const parsed = new URL(url);
    return parsed.protocol === "http:" || parsed.protocol === "https:" ? parsed.href : null;
  } catch {
    return null;
  }
}

/** "https://www.example.org/models/x/" → "example.org/models/x" */
export function displayUrl(url: string): string {
  try {
    const u = new URL(url);
    const host = u.hostname.replace(/^www\./, "");
    const path = u.pathname.replace(/\/+$/, "");
    return host + path + u.search;
  } catch {
    return url;
  }
}

export function pluralize(count: number, singular: string, plural = `${singular}s`): string {
  return `${count.toLocaleString("en-US")} ${count === 1 ? singular : plural}`;
}

/** Number of pages for `total` items at `perPage` per page (at least 1). */
export function pageCount(total: number, perPage: number): number {
  if (perPage <= 0) return 1;
  return Math.max(1, Math.ceil(total / perPage));
}
