import { act, fireEvent, screen, waitFor, within } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Repository, RepositoryWebhook, SyncStatus } from "../../api/client";
import { jsonResponse, problem, problemResponse, project } from "../../test/fixtures";
import { renderAt, stubServer } from "../../test/server";
import { progressWords } from "./ConsoleRepositories";

const SLUG = "tiny-llama";
const P = `/api/v1/projects/${SLUG}`;
const SECRET = "a".repeat(64);

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

function repo(overrides: Partial<Repository> = {}, s: Partial<SyncStatus> = {}): Repository {
  return {
    full_name: "octo/widgets",
    owner: "octo",
    name: "widgets",
    linked_at: "2026-12-01T10:00:00Z",
    last_success_at: null,
    status: status(s),
    ...overrides,
  };
}

function webhook(r: Repository): RepositoryWebhook {
  return { repository: r, webhook_url: "https://fund.example.org/api/v1/webhooks/github", webhook_secret: SECRET };
}

function base(extra: Parameters<typeof stubServer>[0] = {}) {
  return {
    [`GET ${P}`]: () => jsonResponse(project()),
    [`GET ${P}/pledges`]: () => jsonResponse({ items: [], next_cursor: null }),
    ...extra,
  };
}

afterEach(() => {
  vi.useRealTimers();
});

describe("console: repositories", () => {
  it("links a repository and shows its webhook settings once, with GitHub's steps", async () => {
    let items: Repository[] = [];
    const server = stubServer(
      base({
        [`GET ${P}/repositories`]: () => jsonResponse({ items, github_auth: "token", github_auth_note: "" }),
        [`POST ${P}/repositories`]: () => {
          items = [repo()];
          return jsonResponse(webhook(repo()), 201);
        },
      }),
    );
    renderAt(`/projects/${SLUG}/manage?section=repositories`);
    await screen.findByTestId("no-repositories");
    // With a token, no note about GitHub's unauthenticated limit.
    expect(screen.queryByTestId("github-unauthenticated")).toBeNull();
    const form = screen.getByTestId("link-repository-form");
    fireEvent.change(within(form).getByLabelText("GitHub repository"), {
      target: { value: "https://github.com/octo/widgets.git" },
    });
    fireEvent.click(within(form).getByRole("button", { name: "Link repository" }));
    const setup = await screen.findByTestId("webhook-setup");
    expect(server.body(server.of(`POST ${P}/repositories`)[0]!)).toEqual({ full_name: "octo/widgets" });
    expect(within(setup).getByLabelText("Secret")).toHaveProperty("value", SECRET);
    expect(within(setup).getByLabelText("Payload URL")).toHaveProperty(
      "value",
      "https://fund.example.org/api/v1/webhooks/github",
    );
    const steps = within(setup).getByTestId("webhook-steps").textContent ?? "";
    expect(steps).toMatch(/Settings → Webhooks → Add webhook/);
    expect(steps).toMatch(/application\/json/);
    for (const event of ["Pushes", "Pull requests", "Pull request reviews", "Issues", "Issue comments", "Releases"]) {
      expect(steps).toContain(event);
    }
    await screen.findByTestId("repository");
    // Done: the secret is gone from the page for good.
    fireEvent.click(within(setup).getByRole("button", { name: "I have copied it" }));
    expect(screen.queryByTestId("webhook-setup")).toBeNull();
    expect(document.body.textContent).not.toContain(SECRET);
  });

  it("says why a link was refused, on the field or for the form", async () => {
    stubServer(
      base({
        [`GET ${P}/repositories`]: () => jsonResponse({ items: [], github_auth: "token", github_auth_note: "" }),
        [`POST ${P}/repositories`]: () =>
          problemResponse(problem(409, "repository_linked", "Conflict", "linked to another project")),
      }),
    );
    renderAt(`/projects/${SLUG}/manage?section=repositories`);
    const form = await screen.findByTestId("link-repository-form");
    const input = within(form).getByLabelText("GitHub repository");
    fireEvent.change(input, { target: { value: "not a repo" } });
    fireEvent.click(within(form).getByRole("button", { name: "Link repository" }));
    expect((await within(form).findByTestId("error-full_name")).textContent).toMatch(/owner\/name/);
    fireEvent.change(input, { target: { value: "octo/widgets" } });
    fireEvent.click(within(form).getByRole("button", { name: "Link repository" }));
    expect((await within(form).findByRole("alert")).textContent).toMatch(/belongs to one project/);
  });

  it("'Sync now' queues a sync and follows it until it is done", async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    const states: Repository[] = [
      repo({}, { sync_requested_at: "2026-12-01T10:01:00Z" }),
      repo(
        {},
        {
          sync_requested_at: "2026-12-01T10:01:00Z",
          last_sync_started_at: "2026-12-01T10:01:01Z",
          resources: [
            { resource: "commits", items_stored: 100, requests_spent: 1, not_modified: 0, resuming: false, updated_at: "2026-12-01T10:01:02Z" },
          ],
        },
      ),
      repo(
        { last_success_at: "2026-12-01T10:01:05Z" },
        {
          sync_requested_at: "2026-12-01T10:01:00Z",
          last_sync_started_at: "2026-12-01T10:01:01Z",
          rate_limit: { remaining: 4990, limit: 5000, reset_at: "2099-01-01T00:00:00Z" },
          resources: [
            { resource: "pulls", items_stored: 40, requests_spent: 1, not_modified: 0, resuming: false, updated_at: "2026-12-01T10:01:04Z" },
            { resource: "commits", items_stored: 300, requests_spent: 3, not_modified: 0, resuming: false, updated_at: "2026-12-01T10:01:04Z" },
          ],
        },
      ),
    ];
    let phase = -1;
    const server = stubServer(
      base({
        [`GET ${P}/repositories`]: () => {
          const current = phase < 0 ? repo() : states[Math.min(phase, states.length - 1)]!;
          if (phase >= 0) phase += 1;
          return jsonResponse({ items: [current], github_auth: "token", github_auth_note: "" });
        },
        [`POST ${P}/repositories/octo/widgets/sync`]: () => {
          phase = 0;
          return jsonResponse({ full_name: "octo/widgets", sync_requested_at: "2026-12-01T10:01:00Z", queued: true }, 202);
        },
      }),
    );
    renderAt(`/projects/${SLUG}/manage?section=repositories`);
    const card = await screen.findByTestId("repository");
    expect(card.dataset.phase).toBe("never");
    fireEvent.click(within(card).getByRole("button", { name: "Sync now: octo/widgets" }));
    await waitFor(() => expect(screen.getByTestId("repository").dataset.phase).toBe("queued"));
    expect(screen.getByTestId("sync-now")).toHaveProperty("disabled", true);
    await act(async () => {
      await vi.advanceTimersByTimeAsync(1100);
    });
    await waitFor(() => expect(screen.getByTestId("repository").dataset.phase).toBe("running"));
    expect(screen.getByTestId("sync-progress").textContent).toBe("Syncing: 100 items stored so far.");
    await act(async () => {
      await vi.advanceTimersByTimeAsync(1100);
    });
    await waitFor(() => expect(screen.getByTestId("repository").dataset.phase).toBe("synced"));
    const rows = screen.getAllByTestId("sync-resource");
    expect(rows.map((r) => r.dataset.resource)).toEqual(["commits", "pulls"]);
    expect(within(rows[0]!).getByTestId("resource-items").textContent).toBe("300");
    expect(screen.getByTestId("rate-limit").textContent).toMatch(/^4,990 of 5,000 requests left/);
    // Done: no more polling.
    const asked = server.of(`GET ${P}/repositories`).length;
    await act(async () => {
      await vi.advanceTimersByTimeAsync(15_000);
    });
    expect(server.of(`GET ${P}/repositories`).length).toBe(asked);
  });

  it("unlinks and rotates only after a confirmation", async () => {
    let items = [repo()];
    const server = stubServer(
      base({
        [`GET ${P}/repositories`]: () => jsonResponse({ items, github_auth: "token", github_auth_note: "" }),
        [`DELETE ${P}/repositories/octo/widgets`]: () => {
          items = [];
          return new Response(null, { status: 204 });
        },
        [`POST ${P}/repositories/octo/widgets/rotate-secret`]: () => jsonResponse(webhook(repo())),
      }),
    );
    renderAt(`/projects/${SLUG}/manage?section=repositories`);
    const card = await screen.findByTestId("repository");
    fireEvent.click(within(card).getByRole("button", { name: "New webhook secret for octo/widgets" }));
    expect(server.of(`POST ${P}/repositories/octo/widgets/rotate-secret`)).toHaveLength(0);
    fireEvent.click(within(card).getByRole("button", { name: "Yes, new secret" }));
    const setup = await screen.findByTestId("webhook-setup");
    expect(within(setup).getByLabelText("Secret")).toHaveProperty("value", SECRET);
    expect(setup.textContent).toMatch(/old secret stopped working/);
    fireEvent.click(within(setup).getByRole("button", { name: "I have copied it" }));

    fireEvent.click(within(screen.getByTestId("repository")).getByRole("button", { name: "Unlink octo/widgets" }));
    expect(screen.getByTestId("repository").textContent).toMatch(/stay in the history but stop counting/);
    expect(server.of(`DELETE ${P}/repositories/octo/widgets`)).toHaveLength(0);
    fireEvent.click(screen.getByRole("button", { name: "Yes, unlink" }));
    await screen.findByTestId("repository-unlinked");
    await screen.findByTestId("no-repositories");
  });

  it("says when the instance has no GitHub token", async () => {
    stubServer(
      base({ [`GET ${P}/repositories`]: () => jsonResponse({ items: [repo()], github_auth: "unauthenticated", github_auth_note: "" }) }),
    );
    renderAt(`/projects/${SLUG}/manage?section=repositories`);
    const note = await screen.findByTestId("github-unauthenticated");
    expect(note.textContent).toMatch(/60 requests an hour/);
    expect(note.textContent).toMatch(/OPENFUND_GITHUB_TOKEN/);
  });

  it("shows the last error and a paused resource", async () => {
    stubServer(
      base({
        [`GET ${P}/repositories`]: () =>
          jsonResponse({
            items: [
              repo(
                {},
                {
                  last_sync_started_at: "2026-12-01T10:00:00Z",
                  last_error: "GitHub answered 502 three times",
                  last_error_at: "2026-12-01T10:02:00Z",
                  resources: [
                    { resource: "issues", items_stored: 7, requests_spent: 2, not_modified: 0, resuming: true, updated_at: "2026-12-01T10:02:00Z" },
                    { resource: "reviews", items_stored: 0, requests_spent: 0, not_modified: 0, resuming: false, skipped: "needs GitHub credentials", updated_at: "2026-12-01T10:02:00Z" },
                  ],
                },
              ),
            ],
          }),
      }),
    );
    renderAt(`/projects/${SLUG}/manage?section=repositories`);
    const card = await screen.findByTestId("repository");
    expect(card.dataset.phase).toBe("failed");
    expect(within(card).getByTestId("last-error").textContent).toMatch(/502 three times/);
    expect(within(card).getByText("Paused; resumes where it stopped")).toBeTruthy();
    expect(within(card).getByTestId("resource-skipped").textContent).toBe("Left out: needs GitHub credentials");
  });

  it("progressWords", () => {
    expect(progressWords(repo({ status: null }))).toBe("");
    expect(progressWords(repo({ last_success_at: "2026-12-01T10:00:00Z" }))).toBe("Synced; 0 items stored.");
  });
});
