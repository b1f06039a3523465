/**
 * Words for kinds of contribution (the server's `ContributionKind`): a label for a badge
 * or a filter, counts in words ("12 commits", "1 data contribution"), a contributor's
 * counts in a fixed order, and how to show a contributor.
 */
import type { ContributionKind, RecordableKind } from "../api/client";

/** GitHub's kinds, then the kinds a maintainer records, in the order lists show them. */
export const CONTRIBUTION_KINDS = [
  "commit",
  "pull_request_opened",
  "pull_request_merged",
  "pull_request_review",
  "review_comment",
  "issue_opened",
  "issue_comment",
  "release",
  "data",
  "evaluation",
  "infra",
  "compute_operations",
  "doc",
  "design",
  "security",
  "research",
  "community",
] as const satisfies readonly ContributionKind[];

/** A kind this build has words for: every `ContributionKind` of the schema (WORDS checks it). */
export type KnownKind = ContributionKind;

/** The kinds a maintainer records by hand (GitHub's come from GitHub only). */
export const RECORDABLE_KINDS = [
  "data",
  "evaluation",
  "infra",
  "compute_operations",
  "doc",
  "design",
  "security",
  "research",
  "community",
] as const satisfies readonly RecordableKind[];

/** Whether `kind` is one a maintainer may record (narrows a form's value). */
export function isRecordableKind(kind: string): kind is RecordableKind {
  return (RECORDABLE_KINDS as readonly string[]).includes(kind);
}

/** Whether `kind` is one of the schema's kinds (narrows a filter's value). */
export function isContributionKind(kind: string): kind is ContributionKind {
  return (CONTRIBUTION_KINDS as readonly string[]).includes(kind);
}

interface KindWords {
  /** For a badge or a choice: "Pull request merged". */
  label: string;
  /** Counted: one and many ("commit", "commits"). */
  one: string;
  many: string;
  /** What a maintainer records under it (the form's hint). */
  hint?: string;
}

const WORDS: Record<KnownKind, KindWords> = {
  commit: { label: "Commit", one: "commit", many: "commits" },
  pull_request_opened: { label: "Pull request opened", one: "pull request opened", many: "pull requests opened" },
  pull_request_merged: { label: "Pull request merged", one: "pull request merged", many: "pull requests merged" },
  pull_request_review: { label: "Review", one: "review", many: "reviews" },
  review_comment: { label: "Review comment", one: "review comment", many: "review comments" },
  issue_opened: { label: "Issue opened", one: "issue opened", many: "issues opened" },
  issue_comment: { label: "Comment", one: "comment", many: "comments" },
  release: { label: "Release", one: "release", many: "releases" },
  data: {
    label: "Data",
    one: "data contribution",
    many: "data contributions",
    hint: "Data sets: collection, cleaning, labelling.",
  },
  evaluation: {
    label: "Evaluation",
    one: "evaluation",
    many: "evaluations",
    hint: "Benchmarks, evaluation harnesses and runs.",
  },
  infra: {
    label: "Infrastructure",
    one: "infrastructure contribution",
    many: "infrastructure contributions",
    hint: "Hosting, CI, build tooling.",
  },
  compute_operations: {
    label: "Compute operations",
    one: "compute operation",
    many: "compute operations",
    hint: "Running training or inference jobs, keeping clusters up.",
  },
  doc: {
    label: "Documentation",
    one: "documentation contribution",
    many: "documentation contributions",
    hint: "Documentation outside the repository's commits.",
  },
  design: {
    label: "Design",
    one: "design contribution",
    many: "design contributions",
    hint: "Visual, UX, model or system design.",
  },
  security: {
    label: "Security and red-teaming",
    one: "security contribution",
    many: "security contributions",
    hint: "Security work and red-teaming of models.",
  },
  research: {
    label: "Research",
    one: "research contribution",
    many: "research contributions",
    hint: "Literature reviews, experiments that inform the project.",
  },
  community: {
    label: "Community",
    one: "community contribution",
    many: "community contributions",
    hint: "Answering questions, mentoring, organising events, triage.",
  },
};

function isKnown(kind: string): kind is KnownKind {
  return Object.prototype.hasOwnProperty.call(WORDS, kind);
}

/** A kind unknown to this build (a newer server): "new_kind" → "New kind". */
function fallbackLabel(kind: string): string {
  const words = kind.replace(/_/g, " ").trim();
  return words ? words.charAt(0).toUpperCase() + words.slice(1) : "Other";
}

/** "pull_request_merged" → "Pull request merged". */
export function contributionKindLabel(kind: string): string {
  return isKnown(kind) ? WORDS[kind].label : fallbackLabel(kind);
}

/** What a maintainer records under `kind`, for the form; "" when nothing is said. */
export function contributionKindHint(kind: string): string {
  return isKnown(kind) ? (WORDS[kind].hint ?? "") : "";
}

/** 1, "commit" → "1 commit"; 1200, "pull_request_merged" → "1,200 pull requests merged". */
export function countWords(kind: string, count: number): string {
  const n = count.toLocaleString("en-US");
  if (!isKnown(kind)) return `${n} × ${fallbackLabel(kind)}`;
  return `${n} ${count === 1 ? WORDS[kind].one : WORDS[kind].many}`;
}

export interface KindCountLine {
  kind: string;
  count: number;
  /** "12 commits" */
  words: string;
  /** "Commit" */
  label: string;
}

/**
 * A contributor's counts per kind in {@link CONTRIBUTION_KINDS} order (kinds this build
 * does not know last, by name); kinds with no contribution are left out.
 */
export function countLines(counts: Record<string, number | undefined>): KindCountLine[] {
  const rank = (k: string) => {
    const i = (CONTRIBUTION_KINDS as readonly string[]).indexOf(k);
    return i === -1 ? CONTRIBUTION_KINDS.length : i;
  };
  return Object.entries(counts)
    .filter((e): e is [string, number] => typeof e[1] === "number" && e[1] > 0)
    .sort(([a], [b]) => rank(a) - rank(b) || a.localeCompare(b))
    .map(([kind, count]) => ({ kind, count, words: countWords(kind, count), label: contributionKindLabel(kind) }));
}

/** Who a contributor is, as the public lists show them. */
export interface ContributorLike {
  anonymous: boolean;
  login?: string | null;
  name?: string | null;
}

/** The name to show: the profile's name, else the login; people without an account stay unnamed. */
export function contributorName(c: ContributorLike): string {
  if (c.anonymous) return "Contributor without a GitHub account";
  const name = c.name?.trim();
  if (name) return name;
  return c.login ? `@${c.login}` : "Unknown contributor";
}
