import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createApiClient, type ApiClientOptions, type Session } from "../api/client";
import { sessionBody } from "../test/accounts";
import { jsonResponse, problem, problemResponse } from "../test/fixtures";
import {
  broadcastSessionChannel,
  browserLocks,
  parseSessionMessage,
  PEER_SESSION_MAX_AGE_MS,
  REFRESH_LOCK_NAME,
  withRefreshLock,
  type RefreshLocks,
  type SessionChannel,
  type SessionMessage,
} from "./crossTab";
import { createSessionStore } from "./session";

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * An exclusive Web Lock manager as a browser has one per origin: callbacks for
 * the same name run one after another, in request order.
 */
class FakeLocks {
  readonly requested: string[] = [];
  held = 0;
  maxHeld = 0;
  private tail = new Map<string, Promise<unknown>>();

  request(name: string, callback: (lock: unknown) => unknown): Promise<unknown> {
    this.requested.push(name);
    const run = (this.tail.get(name) ?? Promise.resolve()).then(async () => {
      this.held += 1;
      this.maxHeld = Math.max(this.maxHeld, this.held);
      try {
        return await callback({ name, mode: "exclusive" });
      } finally {
        this.held -= 1;
      }
    });
    this.tail.set(
      name,
      run.catch(() => undefined),
    );
    return run;
  }

  asLocks(): RefreshLocks {
    return this as unknown as RefreshLocks;
  }
}

/**
 * The server's refresh endpoint and the browser's cookie jar, shared by every
 * tab. The cookie is attached when a request starts; the rotated one is stored
 * before the response reaches the page. Presenting a spent refresh token
 * revokes the session, like the real server.
 */
function fakeServer({ delayMs = 5 } = {}) {
  let jar: string | null = "r1";
  let counter = 1;
  const spent = new Set<string>();
  const log: string[] = [];
  const state = { revoked: false, inFlight: 0, maxInFlight: 0 };

  const fetch = vi.fn(async (input: string, _init?: RequestInit) => {
    const path = new URL(input, "http://localhost").pathname;
    if (path === "/api/v1/auth/logout") {
      jar = null;
      return new Response(null, { status: 204 });
    }
    if (path !== "/api/v1/auth/refresh") return problemResponse(problem(404, "not_found", "Not Found"));
    const presented = jar;
    state.inFlight += 1;
    state.maxInFlight = Math.max(state.maxInFlight, state.inFlight);
    log.push(`start ${presented}`);
    await sleep(delayMs);
    state.inFlight -= 1;
    log.push(`end ${presented}`);
    if (presented === null || state.revoked || spent.has(presented)) {
      if (presented !== null && spent.has(presented)) state.revoked = true; // theft detection
      jar = null;
      return problemResponse(problem(401, "invalid_refresh_token", "Unauthorized"));
    }
    spent.add(presented);
    counter += 1;
    jar = `r${counter}`;
    return jsonResponse(sessionBody({ access_token: `jwt-${jar}` }));
  });

  const refreshCalls = () =>
    fetch.mock.calls.filter(([u]) => new URL(u, "http://localhost").pathname === "/api/v1/auth/refresh")
      .length;
  return { fetch, log, state, refreshCalls };
}

/** BroadcastChannel stand-in: delivers to every other tab's listeners in a later task. */
function channelHub() {
  const posted: SessionMessage[] = [];
  const listeners: { tab: object; listener: (data: unknown) => void }[] = [];
  return {
    posted,
    channel(): SessionChannel {
      const tab = {};
      return {
        post(message) {
          const copy = JSON.parse(JSON.stringify(message)) as SessionMessage;
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

const delivered = () => sleep(1);

describe("refresh across tabs: Web Locks", () => {
  afterEach(() => {
    delete (navigator as { locks?: unknown }).locks;
  });

  it("without a lock, two tabs refreshing at once present the same cookie and the server revokes the session", async () => {
    // The bug this module fixes, shown against the fake server.
    const server = fakeServer();
    const a = tab({ fetch: server.fetch, locks: null });
    const b = tab({ fetch: server.fetch, locks: null });

    await Promise.all([a.client.refresh(), b.client.refresh()]);

    expect(server.log).toEqual(["start r1", "start r1", "end r1", "end r1"]);
    expect(server.state.maxInFlight).toBe(2);
    expect(server.state.revoked).toBe(true);
    expect(b.store.get()).toEqual({ status: "signed_out" });
  });

  it("with navigator.locks, refreshes from two tabs run one at a time, each with the cookie the previous one set", async () => {
    const locks = new FakeLocks();
    Object.defineProperty(navigator, "locks", { value: locks, configurable: true });
    const server = fakeServer();
    // No `locks` option: the client finds navigator.locks itself.
    const a = tab({ fetch: server.fetch });
    const b = tab({ fetch: server.fetch });

    const [sa, sb] = await Promise.all([a.client.refresh(), b.client.refresh()]);

    expect(locks.requested).toEqual([REFRESH_LOCK_NAME, REFRESH_LOCK_NAME]);
    expect(REFRESH_LOCK_NAME).toBe("openfund-refresh");
    expect(locks.maxHeld).toBe(1);
    expect(server.log).toEqual(["start r1", "end r1", "start r2", "end r2"]);
    expect(server.state.maxInFlight).toBe(1);
    expect(server.state.revoked).toBe(false);
    expect(sa?.access_token).toBe("jwt-r2");
    expect(sb?.access_token).toBe("jwt-r3");
    expect(a.store.accessToken()).toBe("jwt-r2");
    expect(b.store.accessToken()).toBe("jwt-r3");
  });

  it("serialises three tabs and repeated rounds without ever revoking the session", async () => {
    const locks = new FakeLocks();
    const server = fakeServer({ delayMs: 2 });
    const tabs = [0, 1, 2].map(() => tab({ fetch: server.fetch, locks: locks.asLocks() }));

    for (let round = 0; round < 3; round += 1) {
      await Promise.all(tabs.map((t) => t.client.refresh()));
    }

    expect(server.refreshCalls()).toBe(9);
    expect(locks.requested).toHaveLength(9);
    expect(locks.maxHeld).toBe(1);
    expect(server.state.maxInFlight).toBe(1);
    expect(server.state.revoked).toBe(false);
    expect(tabs.every((t) => t.store.get().status === "signed_in")).toBe(true);
  });

  it("in one tab, concurrent refreshes share one lock request and one call", async () => {
    const locks = new FakeLocks();
    const server = fakeServer();
    const a = tab({ fetch: server.fetch, locks: locks.asLocks() });

    const [x, y, z] = await Promise.all([a.client.refresh(), a.client.refresh(), a.client.refresh()]);

    expect(locks.requested).toEqual([REFRESH_LOCK_NAME]);
    expect(server.refreshCalls()).toBe(1);
    expect(x).toBe(y);
    expect(y).toBe(z);
  });

  it("releases the lock when the refresh fails, so the next tab can go on", async () => {
    const locks = new FakeLocks();
    let calls = 0;
    const fetch = vi.fn(async () => {
      calls += 1;
      if (calls === 1) throw new TypeError("Failed to fetch");
      return jsonResponse(sessionBody({ access_token: "jwt-ok" }));
    });
    const a = tab({ fetch, locks: locks.asLocks() });
    const b = tab({ fetch, locks: locks.asLocks() });

    const [ra, rb] = await Promise.allSettled([a.client.refresh(), b.client.refresh()]);

    expect(ra.status).toBe("rejected");
    expect(rb).toEqual({ status: "fulfilled", value: expect.objectContaining({ access_token: "jwt-ok" }) });
    expect(locks.held).toBe(0);
    expect(a.store.get()).toEqual({ status: "signed_out" }); // start-up refresh failed
  });

  it("without navigator.locks (jsdom) falls back to this tab's single flight", async () => {
    expect("locks" in navigator).toBe(false);
    expect(browserLocks()).toBeNull();
    const server = fakeServer();
    const a = tab({ fetch: server.fetch });

    await Promise.all([a.client.refresh(), a.client.refresh()]);

    expect(server.refreshCalls()).toBe(1);
    expect(a.store.accessToken()).toBe("jwt-r2");
  });

  it("runs unlocked when the lock cannot be requested, but not twice when the task itself fails", async () => {
    const refused = { request: vi.fn(() => Promise.reject(new DOMException("opaque origin", "SecurityError"))) };
    const task = vi.fn(async () => "done");
    expect(await withRefreshLock(refused as unknown as RefreshLocks, task)).toBe("done");
    expect(refused.request).toHaveBeenCalledWith(REFRESH_LOCK_NAME, expect.any(Function));
    expect(task).toHaveBeenCalledTimes(1);

    const locks = new FakeLocks();
    const failing = vi.fn(async () => {
      throw new Error("boom");
    });
    await expect(withRefreshLock(locks.asLocks(), failing)).rejects.toThrow("boom");
    expect(failing).toHaveBeenCalledTimes(1);
  });
});

describe("refresh across tabs: reusing another tab's fresh session", () => {
  let clock: number;
  const now = () => clock;
  let setItem: ReturnType<typeof vi.spyOn>;

  beforeEach(() => {
    clock = 1_000_000;
    localStorage.clear();
    sessionStorage.clear();
    setItem = vi.spyOn(Storage.prototype, "setItem");
  });

  /** Tabs A and B; B refreshed a minute ago (and listens), then A refreshed (r2 → r3) and B heard of it. */
  async function twoTabs() {
    const locks = new FakeLocks();
    const hub = channelHub();
    const server = fakeServer();
    const a = tab({ fetch: server.fetch, locks: locks.asLocks(), channel: hub.channel(), now });
    const b = tab({ fetch: server.fetch, locks: locks.asLocks(), channel: hub.channel(), now });
    await b.client.refresh();
    clock += 60_000;
    await a.client.refresh();
    await delivered();
    expect(server.refreshCalls()).toBe(2);
    expect(a.store.accessToken()).toBe("jwt-r3");
    return { locks, hub, server, a, b };
  }

  it("skips the network call inside the lock when another tab refreshed moments ago", async () => {
    const { locks, hub, server, b } = await twoTabs();
    clock += 2_000;

    const adopted = await b.client.refresh();

    expect(server.refreshCalls()).toBe(2); // no third call
    expect(locks.requested).toHaveLength(3); // still decided inside the lock
    expect(adopted?.access_token).toBe("jwt-r3");
    expect(b.store.accessToken()).toBe("jwt-r3");
    const state = b.store.get();
    // The token's lifetime counts from when A got it, not from now.
    expect(state.status === "signed_in" && state.expiresAt).toBe(clock - 2_000 + 900_000);
    expect(hub.posted.map((m) => m.type)).toEqual(["session", "session"]);
    expect(server.state.revoked).toBe(false);
  });

  it("refreshes over the network once the other tab's refresh is older than a few seconds", async () => {
    const { server, b } = await twoTabs();
    clock += PEER_SESSION_MAX_AGE_MS + 1;

    await b.client.refresh();

    expect(server.refreshCalls()).toBe(3);
    expect(b.store.accessToken()).toBe("jwt-r4");
    expect(server.state.revoked).toBe(false);
  });

  it("never adopts the token it already holds: a second refresh goes to the server", async () => {
    const { server, b } = await twoTabs();
    await b.client.refresh(); // adopts jwt-r3
    expect(server.refreshCalls()).toBe(2);

    await b.client.refresh(); // e.g. jwt-r3 was just refused
    expect(server.refreshCalls()).toBe(3);
    expect(b.store.accessToken()).toBe("jwt-r4");
  });

  it("ignores an announcement older than this tab's own refresh", async () => {
    const { server, a, b } = await twoTabs();
    await b.client.refresh(); // adopts A's jwt-r3
    clock += 1;
    await a.client.refresh(); // network: r3 → r4, announced…
    clock += 1;
    await b.client.refresh(); // …but B decided before it arrived: network, r4 → r5
    await delivered(); // now B hears A's (older) announcement
    expect(server.refreshCalls()).toBe(4);
    expect(b.store.accessToken()).toBe("jwt-r5");

    clock += 1;
    await b.client.refresh(); // A's news predates B's own refresh: network
    expect(server.refreshCalls()).toBe(5);
    expect(b.store.accessToken()).toBe("jwt-r6");
    expect(server.state.revoked).toBe(false);
  });

  it("a logout in another tab voids its earlier announcement", async () => {
    const { server, hub, a, b } = await twoTabs();
    await a.client.logout();
    await delivered();
    expect(hub.posted.map((m) => m.type)).toEqual(["session", "session", "signed_out"]);

    await b.client.refresh();

    // B asked the server (where the cookie is gone): no stale token adopted.
    expect(server.refreshCalls()).toBe(3);
    expect(b.store.get()).toEqual({ status: "signed_out" });
  });

  it("a login in another tab is announced like a refresh", async () => {
    const locks = new FakeLocks();
    const hub = channelHub();
    const fetch = vi.fn(async (input: string) => {
      const path = new URL(input, "http://localhost").pathname;
      if (path === "/api/v1/auth/login") return jsonResponse(sessionBody({ access_token: "jwt-login" }));
      return problemResponse(problem(401, "invalid_refresh_token", "Unauthorized"));
    });
    const a = tab({ fetch, locks: locks.asLocks(), channel: hub.channel(), now });
    const b = tab({ fetch, locks: locks.asLocks(), channel: hub.channel(), now });
    await b.client.refresh(); // signed out at start
    expect(b.store.get()).toEqual({ status: "signed_out" });

    clock += 1;
    await a.client.login({ email: "ada@example.org", password: "correct horse battery" });
    await delivered();
    await b.client.refresh();

    expect(b.store.accessToken()).toBe("jwt-login");
    expect(fetch.mock.calls.map(([u]) => new URL(u, "http://localhost").pathname)).toEqual([
      "/api/v1/auth/refresh",
      "/api/v1/auth/login",
    ]);
  });

  it("carries only the access token and account between tabs, and writes nothing to web storage", async () => {
    const { hub, a, b } = await twoTabs();
    await b.client.refresh();
    await a.client.logout();

    expect(hub.posted.map((m) => m.type)).toEqual(["session", "session", "signed_out"]);
    for (const m of hub.posted) {
      expect(Object.keys(m).sort()).toEqual(m.type === "session" ? ["at", "session", "type"] : ["at", "type"]);
      if (m.type === "session") {
        expect(Object.keys(m.session).sort()).toEqual(["access_token", "account", "expires_in", "token_type"]);
      }
    }
    expect(setItem).not.toHaveBeenCalled();
    expect(localStorage.length).toBe(0);
    expect(sessionStorage.length).toBe(0);
  });

  it("ignores malformed messages", async () => {
    const session: Session = sessionBody();
    expect(parseSessionMessage({ type: "session", at: 1, session })).toEqual({ type: "session", at: 1, session });
    expect(parseSessionMessage({ type: "signed_out", at: 2, extra: true })).toEqual({ type: "signed_out", at: 2 });
    expect(parseSessionMessage(null)).toBeNull();
    expect(parseSessionMessage("session")).toBeNull();
    expect(parseSessionMessage({ type: "session", session })).toBeNull();
    expect(parseSessionMessage({ type: "session", at: 1, session: { ...session, access_token: "" } })).toBeNull();
    expect(parseSessionMessage({ type: "session", at: 1, session: { access_token: "x" } })).toBeNull();
    expect(parseSessionMessage({ type: "other", at: 1 })).toBeNull();

    // A garbage message does not make a tab skip its refresh.
    let listener: (data: unknown) => void = () => {};
    const server = fakeServer();
    const b = tab({
      fetch: server.fetch,
      locks: null,
      now,
      channel: { post: () => {}, listen: (l) => void (listener = l) },
    });
    await b.client.refresh();
    listener({ type: "session", at: clock, session: { access_token: "evil" } });
    await b.client.refresh();
    expect(server.refreshCalls()).toBe(2);
    expect(b.store.accessToken()).toBe("jwt-r3");
  });
});

describe("broadcastSessionChannel", () => {
  it("delivers messages between two channels of the same name (a real BroadcastChannel)", async () => {
    const name = `openfund-session-test-${Math.random()}`;
    const one = broadcastSessionChannel(name)!;
    const two = broadcastSessionChannel(name)!;
    const heard: unknown[] = [];
    two.listen((d) => heard.push(d));
    const message: SessionMessage = { type: "signed_out", at: 42 };

    one.post(message);
    await vi.waitFor(() => expect(heard).toEqual([message]));
  });
});
