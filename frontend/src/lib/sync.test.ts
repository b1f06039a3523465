import { describe, expect, it } from "vitest";
import type { Repository, ResourceStatus, SyncStatus } from "../api/client";
import {
  parseFullName,
  pollDelay,
  POLL_MAX_MS,
  rateLimitWords,
  resourceLabel,
  sortResources,
  syncInProgress,
  syncPhase,
  totalItems,
  untilWords,
} from "./sync";

function status(overrides: Partial<SyncStatus> = {}): SyncStatus {
  return {
    github_id: null,
    default_branch: null,
    sync_requested_at: null,
    last_sync_started_at: null,
    last_error: null,
    last_error_at: null,
    rate_limit: null,
    resources: [],
    ...overrides,
  };
}

function repo(s: Partial<SyncStatus> | null, lastSuccess: string | null = null): Repository {
  return {
    full_name: "o/r",
    owner: "o",
    name: "r",
    linked_at: "2026-12-01T10:00:00Z",
    last_success_at: lastSuccess,
    status: s === null ? null : status(s),
  };
}

function resource(resource: ResourceStatus["resource"], items: number): ResourceStatus {
  return {
    resource,
    items_stored: items,
    requests_spent: 1,
    not_modified: 0,
    resuming: false,
    updated_at: "2026-12-01T10:00:00Z",
  };
}

const T = (m: number) => `2026-12-01T10:${String(m).padStart(2, "0")}:00Z`;

describe("syncPhase", () => {
  it("is hidden without a status (not a maintainer)", () => {
    expect(syncPhase(repo(null))).toBe("hidden");
  });

  it("is never when nothing was asked for or done", () => {
    expect(syncPhase(repo({}))).toBe("never");
  });

  it("is queued once asked for, before a worker starts it", () => {
    expect(syncPhase(repo({ sync_requested_at: T(1) }))).toBe("queued");
    // Asked again after a finished sync.
    expect(
      syncPhase(repo({ sync_requested_at: T(5), last_sync_started_at: T(1) }, T(2))),
    ).toBe("queued");
  });

  it("is running from its start until it succeeds or fails", () => {
    expect(syncPhase(repo({ sync_requested_at: T(1), last_sync_started_at: T(2) }))).toBe("running");
    // A new start after an earlier success or failure.
    expect(syncPhase(repo({ last_sync_started_at: T(4), last_error_at: T(3), last_error: "x" }, T(2)))).toBe(
      "running",
    );
    // Asked for again while running: still running.
    expect(syncPhase(repo({ sync_requested_at: T(3), last_sync_started_at: T(2) }))).toBe("running");
  });

  it("is synced or failed by whichever ended last", () => {
    expect(syncPhase(repo({ sync_requested_at: T(1), last_sync_started_at: T(2) }, T(3)))).toBe("synced");
    expect(
      syncPhase(repo({ last_sync_started_at: T(2), last_error: "boom", last_error_at: T(3) }, T(1))),
    ).toBe("failed");
    expect(syncPhase(repo({ last_sync_started_at: T(2), last_error: "boom", last_error_at: T(3) }))).toBe(
      "failed",
    );
  });

  it("syncInProgress is true while any is queued or running", () => {
    expect(syncInProgress([repo({}), repo({}, T(1))])).toBe(false);
    expect(syncInProgress([repo({}), repo({ sync_requested_at: T(1) })])).toBe(true);
    expect(syncInProgress([])).toBe(false);
  });
});

describe("poll back-off", () => {
  it("starts at a second, grows, and stops growing at the cap", () => {
    expect(pollDelay(0)).toBe(1000);
    expect(pollDelay(1)).toBe(1500);
    expect(pollDelay(2)).toBe(2250);
    for (let i = 0; i < 40; i++) expect(pollDelay(i)).toBeLessThanOrEqual(POLL_MAX_MS);
    expect(pollDelay(40)).toBe(POLL_MAX_MS);
    expect(pollDelay(-3)).toBe(1000);
  });

  it("totalItems adds every resource of every repository", () => {
    const a = repo({ resources: [resource("commits", 300), resource("pulls", 12)] });
    const b = repo({ resources: [resource("releases", 2)] });
    expect(totalItems([a, b, repo(null)])).toBe(314);
  });
});

describe("words", () => {
  it("names resources, and an unknown one readably", () => {
    expect(resourceLabel("pulls")).toBe("Pull requests");
    expect(resourceLabel("issue_comments")).toBe("Issue comments");
    expect(resourceLabel("discussion_posts")).toBe("discussion posts");
  });

  it("orders resources as the console lists them", () => {
    const sorted = sortResources([
      resource("releases", 1),
      resource("commits", 1),
      resource("issues", 1),
      resource("pulls", 1),
    ]);
    expect(sorted.map((r) => r.resource)).toEqual(["commits", "pulls", "issues", "releases"]);
  });

  it("says how long until a reset", () => {
    const now = Date.parse("2026-12-01T10:00:00Z");
    expect(untilWords("2026-12-01T10:42:00Z", now)).toBe("in 42 minutes");
    expect(untilWords("2026-12-01T10:00:30Z", now)).toBe("in 1 minute");
    expect(untilWords("2026-12-01T11:05:00Z", now)).toBe("in 1 hour 5 minutes");
    expect(untilWords("2026-12-01T12:00:00Z", now)).toBe("in 2 hours");
    expect(untilWords("2026-12-01T09:00:00Z", now)).toBe("now");
  });

  it("puts the rate limit in a sentence", () => {
    const now = Date.parse("2026-12-01T10:00:00Z");
    expect(rateLimitWords({ remaining: 4990, limit: 5000, reset_at: "2026-12-01T10:42:00Z" }, now)).toBe(
      "4,990 of 5,000 requests left; the window resets in 42 minutes (1 Dec 2026, 10:42 UTC)",
    );
    expect(rateLimitWords({ remaining: 0, limit: 60, reset_at: "2026-12-01T09:42:00Z" }, now)).toMatch(
      /^0 of 60 requests left when last seen; the window has reset since/,
    );
  });
});

describe("parseFullName", () => {
  it("accepts owner/name, a GitHub address and a .git suffix", () => {
    expect(parseFullName(" huggingface/transformers ")).toBe("huggingface/transformers");
    expect(parseFullName("https://github.com/EleutherAI/lm-evaluation-harness/")).toBe(
      "EleutherAI/lm-evaluation-harness",
    );
    expect(parseFullName("github.com/user/my.repo_name-2.git")).toBe("user/my.repo_name-2");
  });

  it("refuses what cannot be a repository", () => {
    for (const bad of ["", "transformers", "a/b/c", "o/.", "o/..", "own er/x", "o/na me", `${"x".repeat(40)}/y`]) {
      expect(parseFullName(bad), bad).toBeNull();
    }
  });
});
