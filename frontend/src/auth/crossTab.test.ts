import { describe, expect, it, vi } from "vitest";
import { createApiClient, type ApiClientOptions } from "../api/client";
import { sessionBody } from "../test/accounts";
import { jsonResponse, problem, problemResponse } from "../test/fixtures";
import {
  broadcastSessionChannel,
  parseSessionEvent,
  type SessionChannel,
  type SessionEvent,
} from "./crossTab";
import { createSessionStore } from "./session";

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * The server's auth endpoints and the browser's cookie jar, shared by every tab.
 * Like the real server, a refresh token presented again within the grace window
 * of its first use gets a fresh token instead of revoking the session.
 */
function fakeServer({ delayMs = 5, graceMs = 30_000 } = {}) {
  let jar: string | null = "r1";
  let counter = 1;
  const firstUse = new Map<string, number>();
  const state = { revoked: false, inFlight: 0, maxInFlight: 0 };

  const fetch = vi.fn(async (input: string, init?: RequestInit) => {
    const path = new URL(input, "http://localhost").pathname;
    if (path === "/api/v1/auth/logout") {
      jar = null;
      return new Response(null, { status: 204 });
    }
    if (path === "/api/v1/auth/login") {
      counter += 1;
      jar = `r${counter}`;
      return jsonResponse(sessionBody({ access_token: `jwt-login-${counter}` }));
    }
    if (path !== "/api/v1/auth/refresh") return problemResponse(problem(404, "not_found", "Not Found"));
    void init;
    const presented = jar;
    state.inFlight += 1;
    state.maxInFlight = Math.max(state.maxInFlight, state.inFlight);
    await sleep(delayMs);
    state.inFlight -= 1;
    const used = presented === null ? undefined : firstUse.get(presented);
    if (presented === null || state.revoked || (used !== undefined && Date.now() - used > graceMs)) {
      if (used !== undefined) state.revoked = true; // theft detection, after the grace window
      return problemResponse(problem(401, "invalid_refresh_token", "Unauthorized"));
    }
    if (used === undefined) firstUse.set(presented, Date.now());
    counter += 1;
    jar = `r${counter}`;
    return jsonResponse(sessionBody({ access_token: `jwt-${jar}` }));
  });

  const calls = (p: string) =>
    fetch.mock.calls.filter(([u]) => new URL(u, "http://localhost").pathname === p).length;
  return { fetch, state, calls };
}

/** BroadcastChannel stand-in: delivers to every other tab's listeners in a later task. */
function channelHub() {
  const posted: unknown[] = [];
  const listeners: { tab: object; listener: (data: unknown) => void }[] = [];
  return {
    posted,
    channel(): SessionChannel {
      const tab = {};
      return {
        post(event) {
          const copy = JSON.parse(JSON.stringify(event)) as SessionEvent;
          posted.push(copy);
          for (const l of listeners) {
            if (l.tab !== tab) setTimeout(() => l.listener(copy), 0);
          }
        },
        listen(listener) {
          listeners.push({ tab, listener });
        },
      };
    },
  };
}

/** One browser tab: its own in-memory session and API client. */
function tab(options: Omit<ApiClientOptions, "session">) {
  const store = createSessionStore();
  const client = createApiClient({ ...options, session: store });
  return { store, client };
}

const delivered = () => sleep(20);

describe("several tabs", () => {
  it("two tabs refreshing at once both get a session, with no lock between them", async () => {
    const server = fakeServer({ delayMs: 10 });
    const hub = channelHub();
    const a = tab({ fetch: server.fetch, channel: hub.channel() });
    const b = tab({ fetch: server.fetch, channel: hub.channel() });

    const [sa, sb] = await Promise.all([a.client.refresh(), b.client.refresh()]);
    expect(server.state.maxInFlight).toBe(2);
    expect(sa?.access_token).toBeTruthy();
    expect(sb?.access_token).toBeTruthy();
    expect(a.store.get().status).toBe("signed_in");
    expect(b.store.get().status).toBe("signed_in");
    expect(server.state.revoked).toBe(false);
    // Refreshes are not announced: each tab keeps its own token.
    expect(hub.posted).toEqual([]);
  });

  it("a logout in one tab signs the other tabs out", async () => {
    const server = fakeServer();
    const hub = channelHub();
    const a = tab({ fetch: server.fetch, channel: hub.channel() });
    const b = tab({ fetch: server.fetch, channel: hub.channel() });
    await a.client.refresh();
    await b.client.refresh();

    await a.client.logout();
    await delivered();
    expect(hub.posted).toEqual([{ type: "signed_out" }]);
    expect(b.store.get()).toEqual({ status: "signed_out" });
    expect(b.store.accessToken()).toBeNull();
  });

  it("a login in one tab signs in the other tabs that were signed out, through their own refresh", async () => {
    const server = fakeServer();
    const hub = channelHub();
    const a = tab({ fetch: server.fetch, channel: hub.channel() });
    const b = tab({ fetch: server.fetch, channel: hub.channel() });
    const c = tab({ fetch: server.fetch, channel: hub.channel() });
    await a.client.logout(); // the jar is empty: every tab starts signed out
    await b.client.refresh();
    await c.client.refresh();
    expect(b.store.get().status).toBe("signed_out");
    const refreshesBefore = server.calls("/api/v1/auth/refresh");

    await a.client.login({ email: "ada@example.org", password: "correct horse battery" });
    await vi.waitFor(() => expect(b.store.get().status).toBe("signed_in"));
    await vi.waitFor(() => expect(c.store.get().status).toBe("signed_in"));
    expect(server.calls("/api/v1/auth/refresh")).toBe(refreshesBefore + 2);
    // Only the event travels between tabs, never a token.
    expect(hub.posted).toContainEqual({ type: "signed_in" });
    expect(JSON.stringify(hub.posted)).not.toMatch(/jwt|r\d/);
    expect(b.store.accessToken()).not.toBe(a.store.accessToken());
    expect(server.state.revoked).toBe(false);
  });

  it("a signed-in tab ignores another tab's sign-in", async () => {
    const server = fakeServer();
    const hub = channelHub();
    const a = tab({ fetch: server.fetch, channel: hub.channel() });
    const b = tab({ fetch: server.fetch, channel: hub.channel() });
    await b.client.refresh();
    const refreshes = server.calls("/api/v1/auth/refresh");
    await a.client.login({ email: "ada@example.org", password: "correct horse battery" });
    await delivered();
    expect(server.calls("/api/v1/auth/refresh")).toBe(refreshes);
  });

  it("deleting the account signs the other tabs out", async () => {
    const hub = channelHub();
    const fetch = vi.fn(async (input: string) => {
      const path = new URL(input, "http://localhost").pathname;
      if (path === "/api/v1/auth/refresh") return jsonResponse(sessionBody());
      return new Response(null, { status: 204 });
    });
    const a = tab({ fetch, channel: hub.channel() });
    const b = tab({ fetch, channel: hub.channel() });
    await a.client.refresh();
    await b.client.refresh();
    await a.client.deleteAccount({ password: "correct horse battery" });
    await delivered();
    expect(b.store.get().status).toBe("signed_out");
  });

  it("ignores malformed messages", () => {
    for (const bad of [null, 1, "signed_out", {}, { type: "session" }, { type: "SIGNED_OUT" }]) {
      expect(parseSessionEvent(bad)).toBeNull();
    }
    expect(parseSessionEvent({ type: "signed_out", extra: "x" })).toEqual({ type: "signed_out" });
  });
});

describe("broadcastSessionChannel", () => {
  it("delivers events between two channels of the same name (a real BroadcastChannel)", async () => {
    const name = `openfund-session-test-${Math.random()}`;
    const one = broadcastSessionChannel(name)!;
    const two = broadcastSessionChannel(name)!;
    const heard: unknown[] = [];
    two.listen((d) => heard.push(d));
    one.post({ type: "signed_out" });
    await vi.waitFor(() => expect(heard).toEqual([{ type: "signed_out" }]));
  });
});
