/**
 * Words and state for a linked repository's GitHub sync: which phase it is in (from the
 * timestamps the list reports), the resources' names, the rate limit in a sentence, and
 * how often the console asks again while a sync is queued or running.
 */
import type { RateLimitStatus, Repository, ResourceStatus, SyncResource } from "../api/client";
import { pluralize } from "./format";

/** Every resource, in the order the console lists them (typed against the schema). */
export const SYNC_RESOURCES: readonly SyncResource[] = [
  "commits",
  "pulls",
  "reviews",
  "issues",
  "issue_comments",
  "review_comments",
  "releases",
];

const RESOURCE_WORDS: Record<SyncResource, string> = {
  commits: "Commits",
  pulls: "Pull requests",
  reviews: "Pull-request reviews",
  issues: "Issues",
  issue_comments: "Issue comments",
  review_comments: "Review comments",
  releases: "Releases",
};

/** "issue_comments" → "Issue comments"; an unknown resource from a newer server as it is. */
export function resourceLabel(resource: string): string {
  return RESOURCE_WORDS[resource as SyncResource] ?? resource.replace(/_/g, " ");
}

/** The resources' statuses in {@link SYNC_RESOURCES} order (unknown ones last, as sent). */
export function sortResources(resources: readonly ResourceStatus[]): ResourceStatus[] {
  const rank = (r: ResourceStatus) => {
    const i = (SYNC_RESOURCES as readonly string[]).indexOf(r.resource);
    return i === -1 ? SYNC_RESOURCES.length : i;
  };
  return [...resources].sort((a, b) => rank(a) - rank(b));
}

/**
 * Where a repository's sync stands:
 * - `hidden`: the caller may not see the status (not a maintainer);
 * - `never`: linked, never synced, nothing asked for;
 * - `queued`: asked for, no worker has started it yet;
 * - `running`: started and neither finished nor failed since;
 * - `failed`: the last sync stopped with an error (after the last success);
 * - `synced`: the last sync completed.
 */
export type SyncPhase = "hidden" | "never" | "queued" | "running" | "failed" | "synced";

function ms(t: string | null | undefined): number | null {
  if (!t) return null;
  const v = Date.parse(t);
  return Number.isNaN(v) ? null : v;
}

/** The phase of `repo`'s sync, from the timestamps in its status (see {@link SyncPhase}). */
export function syncPhase(repo: Repository): SyncPhase {
  const s = repo.status;
  if (!s) return "hidden";
  const requested = ms(s.sync_requested_at);
  const started = ms(s.last_sync_started_at);
  const succeeded = ms(repo.last_success_at);
  const failed = ms(s.last_error_at);
  const ended = Math.max(succeeded ?? -Infinity, failed ?? -Infinity);
  if (started !== null && started > ended) return "running";
  if (requested !== null && (started === null || requested > started) && requested > ended) {
    return "queued";
  }
  if (failed !== null && (succeeded === null || failed >= succeeded)) return "failed";
  if (succeeded !== null) return "synced";
  return "never";
}

/** Whether the console should ask for the list again: some sync is queued or running. */
export function syncInProgress(repos: readonly Repository[]): boolean {
  return repos.some((r) => {
    const p = syncPhase(r);
    return p === "queued" || p === "running";
  });
}

export const POLL_FIRST_MS = 1000;
export const POLL_MAX_MS = 10_000;

/**
 * The wait before the `attempt`-th poll (0-based) of one sync: 1 s at first, growing by
 * half each time, at most 10 s, so a sync left queued (no worker) is not asked about
 * every second for ever. Progress (the items moved) starts it again from 1 s.
 */
export function pollDelay(attempt: number): number {
  const d = POLL_FIRST_MS * 1.5 ** Math.max(0, attempt);
  return Math.min(POLL_MAX_MS, Math.round(d));
}

/** Items stored over all resources (what "progress" means for the poll's back-off). */
export function totalItems(repos: readonly Repository[]): number {
  let n = 0;
  for (const r of repos) for (const s of r.status?.resources ?? []) n += s.items_stored;
  return n;
}

const PHASE_WORDS: Record<Exclude<SyncPhase, "hidden">, string> = {
  never: "Not synced yet",
  queued: "Sync queued",
  running: "Syncing…",
  failed: "Last sync failed",
  synced: "Synced",
};

export function phaseLabel(phase: SyncPhase): string {
  return phase === "hidden" ? "" : PHASE_WORDS[phase];
}

const timeFormat = new Intl.DateTimeFormat("en-GB", {
  day: "numeric",
  month: "short",
  year: "numeric",
  hour: "2-digit",
  minute: "2-digit",
  timeZone: "UTC",
});

/** RFC 3339 → "28 Nov 2025, 14:05 UTC". */
export function formatDateTimeUtc(rfc3339: string): string {
  const v = Date.parse(rfc3339);
  if (Number.isNaN(v)) return rfc3339;
  return `${timeFormat.format(new Date(v))} UTC`;
}

/** "in 42 minutes", "in 1 hour 5 minutes", "now" — for a reset time ahead of `now`. */
export function untilWords(rfc3339: string, now: number = Date.now()): string {
  const v = Date.parse(rfc3339);
  if (Number.isNaN(v)) return "";
  const minutes = Math.ceil((v - now) / 60_000);
  if (minutes <= 0) return "now";
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  if (h === 0) return `in ${pluralize(m, "minute")}`;
  return m === 0 ? `in ${pluralize(h, "hour")}` : `in ${pluralize(h, "hour")} ${pluralize(m, "minute")}`;
}

/** "4,990 of 5,000 requests left; the window resets in 42 minutes (…)". */
export function rateLimitWords(r: RateLimitStatus, now: number = Date.now()): string {
  const left = `${r.remaining.toLocaleString("en-US")} of ${pluralize(r.limit, "request")} left`;
  const reset = Date.parse(r.reset_at);
  if (Number.isNaN(reset)) return left;
  if (reset <= now) return `${left} when last seen; the window has reset since (${formatDateTimeUtc(r.reset_at)})`;
  return `${left}; the window resets ${untilWords(r.reset_at, now)} (${formatDateTimeUtc(r.reset_at)})`;
}

/**
 * Splits `owner/name` as typed (spaces trimmed, a pasted `https://github.com/…` URL or a
 * trailing `.git` accepted); null when it cannot be a repository's name. The server has
 * the last word on GitHub's rules.
 */
export function parseFullName(input: string): string | null {
  let s = input.trim();
  const url = /^(?:https?:\/\/)?(?:www\.)?github\.com\/(.+)$/i.exec(s);
  if (url?.[1]) s = url[1];
  s = s.replace(/\/+$/, "").replace(/\.git$/i, "");
  return /^[A-Za-z0-9-]{1,39}\/[A-Za-z0-9._-]{1,100}$/.test(s) && !/\/\.{1,2}$/.test(s) ? s : null;
}
