/**
 * The admin API's list and retry-all shapes, WRITTEN BY HAND from the shapes
 * announced for issue 6 (keyset cursors; "retry every failed job of a kind"),
 * which are not in openapi/openapi.json yet. When the server's document has
 * them, replace this file with `components["schemas"][…]` / `paths[…]` types
 * in client.ts like every other endpoint, and delete it.
 *
 *   GET  /api/v1/admin/jobs?state=failed&kind=&limit=&cursor=  → CursorPage<Job>
 *   POST /api/v1/admin/jobs/{id}/retry                          → 204
 *   POST /api/v1/admin/jobs/retry  { kind }                     → RetriedJobs
 *   GET  /api/v1/admin/outbox?all=true&limit=&cursor=           → CursorPage<OutboxMessage>
 *   an invalid cursor                                           → 400 problem `invalid_cursor`
 */
import type { components } from "./schema";

export type Job = components["schemas"]["Job"];
export type OutboxMessage = components["schemas"]["OutboxMessage"];

/** One page of a list; `next_cursor` fetches the next one, null at the end. */
export interface CursorPage<T> {
  items: T[];
  next_cursor: string | null;
}

export interface RetryJobsRequest {
  kind: string;
}

export interface RetriedJobs {
  retried: number;
}

export interface ListJobsQuery {
  state?: "queued" | "running" | "done" | "failed";
  kind?: string;
  limit?: number;
  cursor?: string | null;
}

export interface ListOutboxQuery {
  all?: boolean;
  limit?: number;
  cursor?: string | null;
}
