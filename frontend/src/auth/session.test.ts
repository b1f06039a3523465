import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createApiClient } from "../api/client";
import { jsonResponse, problem, problemResponse } from "../test/fixtures";
import { me, sessionBody } from "../test/accounts";
import { createSessionStore } from "./session";

describe("session store", () => {
  let setItem: ReturnType<typeof vi.spyOn>;

  beforeEach(() => {
    localStorage.clear();
    sessionStorage.clear();
    setItem = vi.spyOn(Storage.prototype, "setItem");
  });

  afterEach(() => {
    setItem.mockRestore();
  });

  it("starts loading, then holds the token and account in memory", () => {
    const store = createSessionStore();
    expect(store.get()).toEqual({ status: "loading" });
    expect(store.accessToken()).toBeNull();

    store.setSession(sessionBody({ access_token: "jwt-1", expires_in: 900 }), 1_000);
    const state = store.get();
    expect(state.status).toBe("signed_in");
    expect(store.accessToken()).toBe("jwt-1");
    expect(state.status === "signed_in" && state.expiresAt).toBe(1_000 + 900_000);
    expect(state.status === "signed_in" && state.me.display_name).toBe("Ada Lovelace");

    store.setMe(me({ display_name: "Ada L." }));
    const renamed = store.get();
    expect(renamed.status === "signed_in" && renamed.me.display_name).toBe("Ada L.");
    expect(store.accessToken()).toBe("jwt-1");

    store.clear();
    expect(store.get()).toEqual({ status: "signed_out" });
    expect(store.accessToken()).toBeNull();
  });

  it("notifies subscribers and stops after unsubscribe", () => {
    const store = createSessionStore();
    const listener = vi.fn();
    const off = store.subscribe(listener);
    store.setSession(sessionBody());
    store.clear();
    expect(listener).toHaveBeenCalledTimes(2);
    off();
    store.setSession(sessionBody());
    expect(listener).toHaveBeenCalledTimes(2);
  });

  it("setMe does nothing when signed out", () => {
    const store = createSessionStore();
    store.clear();
    store.setMe(me());
    expect(store.get()).toEqual({ status: "signed_out" });
  });

  it("never writes to localStorage, sessionStorage or a readable cookie through login, refresh and logout", async () => {
    const store = createSessionStore();
    const fetch = vi.fn(async (input: string) => {
      const path = new URL(input, "http://localhost").pathname;
      if (path === "/api/v1/auth/login") return jsonResponse(sessionBody({ access_token: "jwt-login" }));
      if (path === "/api/v1/auth/refresh") return jsonResponse(sessionBody({ access_token: "jwt-refreshed" }));
      if (path === "/api/v1/auth/logout") return new Response(null, { status: 204 });
      if (path === "/api/v1/me") return jsonResponse(me());
      return problemResponse(problem(404, "not_found", "Not Found"));
    });
    const client = createApiClient({ fetch, session: store });

    await client.refresh();
    await client.login({ email: "ada@example.org", password: "correct horse battery" });
    await client.getMe();
    await client.refresh();
    expect(store.accessToken()).toBe("jwt-refreshed");
    await client.logout();
    expect(store.get()).toEqual({ status: "signed_out" });

    expect(setItem).not.toHaveBeenCalled();
    expect(localStorage.length).toBe(0);
    expect(sessionStorage.length).toBe(0);
    expect(document.cookie).not.toContain("jwt");
  });
});
