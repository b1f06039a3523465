import { fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { describe, expect, it, vi } from "vitest";
import { App } from "../../App";
import type { Job, Me, OutboxMessage } from "../../api/client";
import { RouterProvider } from "../../router";
import { me, sessionBody } from "../../test/accounts";
import { jsonResponse, problem, problemResponse } from "../../test/fixtures";
import { kindWords } from "./AdminPages";

type Handler = (url: URL, init: RequestInit | undefined) => Response | Promise<Response>;

function job(overrides: Partial<Job> = {}): Job {
  return {
    id: 5,
    kind: "send_mail",
    state: "failed",
    attempts: 10,
    max_attempts: 10,
    run_at: "2025-11-28T09:00:00Z",
    last_error: "SMTP: connection refused (127.0.0.1:2525)",
    created_at: "2025-11-28T08:00:00Z",
    updated_at: "2025-11-28T09:30:00Z",
    ...overrides,
  };
}

function message(overrides: Partial<OutboxMessage> = {}): OutboxMessage {
  return {
    id: 1,
    to: "ada@example.org",
    subject: "Confirm your email address",
    template: "verify_email",
    created_at: "2025-11-28T08:00:00Z",
    sent_at: null,
    attempts: 2,
    last_error: "connection refused",
    ...overrides,
  };
}

/** Stubs fetch with "METHOD /path" handlers, signed in as `account` (null: signed out). */
function stubServer(routes: Record<string, Handler>, account: Me | null = me({ is_admin: true })) {
  const calls: { key: string; url: URL; init: RequestInit | undefined }[] = [];
  vi.stubGlobal("fetch", async (input: string, init?: RequestInit) => {
    const url = new URL(input, "http://localhost");
    const key = `${init?.method ?? "GET"} ${url.pathname}`;
    calls.push({ key, url, init });
    const handler = routes[key];
    if (handler) return handler(url, init);
    if (key === "POST /api/v1/auth/refresh") {
      return account
        ? jsonResponse(sessionBody({ account }))
        : problemResponse(problem(401, "invalid_refresh_token", "Unauthorized"));
    }
    if (key === "GET /api/v1/instance") {
      return jsonResponse({ name: "OpenFund", github_sign_in: false, mail_delivery: false });
    }
    return problemResponse(problem(404, "not_found", "Not Found"));
  });
  return { calls, of: (key: string) => calls.filter((c) => c.key === key) };
}

function renderAt(path: string) {
  window.history.replaceState(null, "", path);
  return render(
    <RouterProvider>
      <App />
    </RouterProvider>,
  );
}

describe("failed jobs", () => {
  it("lists failed jobs in words and retries one", async () => {
    const server = stubServer({
      "GET /api/v1/admin/jobs": () =>
        jsonResponse({ items: [job(), job({ id: 4, kind: "sync_github" })], next_cursor: null }),
      "POST /api/v1/admin/jobs/5/retry": () => new Response(null, { status: 204 }),
    });
    renderAt("/admin/jobs");
    const jobs = await screen.findAllByTestId("job");
    expect(jobs).toHaveLength(2);
    const list = server.of("GET /api/v1/admin/jobs")[0]!.url;
    expect(list.searchParams.get("state")).toBe("failed");
    expect(list.searchParams.get("limit")).toBe("25");
    expect(list.searchParams.has("cursor")).toBe(false);
    expect(within(jobs[0]!).getByRole("heading").textContent).toBe("Send mail · job 5");
    expect(jobs[0]!.textContent).toContain("10 of 10");
    expect(within(jobs[0]!).getByTestId("job-error").textContent).toContain("connection refused");
    expect(document.title).toBe("Failed jobs · OpenFund");

    fireEvent.click(within(jobs[0]!).getByRole("button", { name: "Retry job 5 (Send mail)" }));
    await waitFor(() => expect(screen.getAllByTestId("job")).toHaveLength(1));
    expect(server.of("POST /api/v1/admin/jobs/5/retry")).toHaveLength(1);
    expect(screen.getByTestId("admin-status").textContent).toBe(
      "Job 5 (Send mail) went back in the queue.",
    );
  });

  it("retries every failed job of a kind and shows the list again", async () => {
    let listed = 0;
    const server = stubServer({
      "GET /api/v1/admin/jobs": () => {
        listed += 1;
        return jsonResponse({
          items: listed === 1 ? [job({ id: 7 }), job({ id: 6 }), job({ id: 5 })] : [],
          next_cursor: null,
        });
      },
      "POST /api/v1/admin/jobs/retry": () => jsonResponse({ retried: 3 }),
    });
    renderAt("/admin/jobs");
    fireEvent.click(await screen.findByRole("button", { name: "Retry all failed “Send mail” jobs" }));
    expect(await screen.findByTestId("jobs-empty")).toBeTruthy();
    const post = server.of("POST /api/v1/admin/jobs/retry")[0]!;
    expect(JSON.parse(String(post.init?.body))).toEqual({ kind: "send_mail" });
    expect(screen.getByTestId("admin-status").textContent).toBe(
      "3 jobs of “Send mail” went back in the queue.",
    );
    expect(listed).toBe(2);
  });

  it("shows more with the cursor, and starts over when the cursor is refused", async () => {
    const server = stubServer({
      "GET /api/v1/admin/jobs": (url) => {
        const cursor = url.searchParams.get("cursor");
        if (cursor === null) return jsonResponse({ items: [job({ id: 9 })], next_cursor: "c1" });
        if (cursor === "c1") return jsonResponse({ items: [job({ id: 8 })], next_cursor: "c2" });
        return problemResponse(problem(400, "invalid_cursor", "Bad Request"));
      },
    });
    renderAt("/admin/jobs");
    await screen.findAllByTestId("job");
    fireEvent.click(screen.getByTestId("load-more"));
    await waitFor(() => expect(screen.getAllByTestId("job")).toHaveLength(2));
    expect(screen.getAllByTestId("job").map((j) => j.getAttribute("data-job-id"))).toEqual(["9", "8"]);

    fireEvent.click(screen.getByTestId("load-more"));
    // Refused: the list is read again from its first page.
    await waitFor(() => expect(screen.getAllByTestId("job")).toHaveLength(1));
    const cursors = server.of("GET /api/v1/admin/jobs").map((c) => c.url.searchParams.get("cursor"));
    expect(cursors).toEqual([null, "c1", "c2", null]);
  });

  it("is only for site admins", async () => {
    const server = stubServer({}, me({ is_admin: false }));
    renderAt("/admin/jobs");
    const notice = await screen.findByTestId("admin-only");
    expect(notice.textContent).toContain("for the people who run this site");
    expect(server.of("GET /api/v1/admin/jobs")).toHaveLength(0);
  });

  it("sends a signed-out visitor to log in first", async () => {
    stubServer({}, null);
    renderAt("/admin/jobs");
    await waitFor(() => expect(window.location.pathname).toBe("/login"));
    expect(window.location.search).toBe("?next=/admin/jobs");
  });
});

describe("mail outbox", () => {
  it("lists waiting mail, and all mail on request", async () => {
    const server = stubServer({
      "GET /api/v1/admin/outbox": (url) =>
        jsonResponse({
          items:
            url.searchParams.get("all") === "true"
              ? [message({ id: 2, subject: "Welcome", sent_at: "2025-11-28T10:00:00Z" }), message()]
              : [message()],
          next_cursor: null,
        }),
    });
    renderAt("/admin/outbox");
    const first = await screen.findAllByTestId("outbox-message");
    expect(first).toHaveLength(1);
    expect(first[0]!.textContent).toContain("Waiting");
    expect(first[0]!.textContent).toContain("ada@example.org");
    expect(screen.getByTestId("admin-outbox").textContent).toContain("No mail server is configured");

    fireEvent.click(screen.getByLabelText("Include mail that was sent"));
    await waitFor(() => expect(screen.getAllByTestId("outbox-message")).toHaveLength(2));
    expect(screen.getAllByTestId("outbox-message")[0]!.textContent).toContain("Sent");
    const urls = server.of("GET /api/v1/admin/outbox").map((c) => c.url.searchParams.get("all"));
    expect(urls).toEqual([null, "true"]);
  });
});

describe("kindWords", () => {
  it("says a job kind in words", () => {
    expect(kindWords("send_mail")).toBe("Send mail");
    expect(kindWords("sync-github")).toBe("Sync github");
  });
});
