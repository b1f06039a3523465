import { describe, expect, it, vi } from "vitest";
import { createSessionStore } from "../auth/session";
import { apiToken, me, sessionBody } from "../test/accounts";
import { jsonResponse, problem, problemResponse } from "../test/fixtures";
import { ApiError, createApiClient, parseRetryAfter } from "./client";

type Route = (init: RequestInit | undefined, url: URL) => Response | Promise<Response>;

/** A fake fetch answering "METHOD /path" keys with queued responses (the last one repeats). */
function fakeServer(routes: Record<string, Route[]>) {
  const calls: { key: string; init: RequestInit | undefined }[] = [];
  const fetch = vi.fn(async (input: string, init?: RequestInit) => {
    const url = new URL(input, "http://localhost");
    const key = `${init?.method ?? "GET"} ${url.pathname}`;
    calls.push({ key, init });
    const queue = routes[key];
    if (!queue?.length) return problemResponse(problem(404, "not_found", "Not Found"));
    const next = queue.length > 1 ? queue.shift()! : queue[0]!;
    return next(init, url);
  });
  return { fetch, calls };
}

const bearer = (init: RequestInit | undefined) =>
  (init?.headers as Record<string, string> | undefined)?.Authorization ?? null;

const invalidToken = () =>
  problemResponse(problem(401, "invalid_token", "Unauthorized", "the access token has expired"));

function signedInStore(token = "jwt-old") {
  const store = createSessionStore();
  store.setSession(sessionBody({ access_token: token }));
  return store;
}

describe("api client: session and retry", () => {
  it("on 401 invalid_token refreshes once, then retries the call once with the new token", async () => {
    const store = signedInStore("jwt-old");
    const { fetch, calls } = fakeServer({
      "GET /api/v1/me": [
        (init) => (bearer(init) === "Bearer jwt-old" ? invalidToken() : jsonResponse(me())),
      ],
      "POST /api/v1/auth/refresh": [() => jsonResponse(sessionBody({ access_token: "jwt-new" }))],
    });
    const client = createApiClient({ fetch, session: store });

    const result = await client.getMe();

    expect(result.email).toBe("ada@example.org");
    expect(calls.map((c) => c.key)).toEqual([
      "GET /api/v1/me",
      "POST /api/v1/auth/refresh",
      "GET /api/v1/me",
    ]);
    expect(bearer(calls[0]!.init)).toBe("Bearer jwt-old");
    expect(bearer(calls[2]!.init)).toBe("Bearer jwt-new");
    // The refresh carries the cookie and no bearer token or body.
    expect(calls[1]!.init?.credentials).toBe("same-origin");
    expect(calls[1]!.init?.body).toBeUndefined();
    expect(bearer(calls[1]!.init)).toBeNull();
    expect(store.accessToken()).toBe("jwt-new");
  });

  it("retries only once: a second invalid_token is returned to the caller", async () => {
    const store = signedInStore();
    const { fetch, calls } = fakeServer({
      "GET /api/v1/me/tokens": [invalidToken],
      "POST /api/v1/auth/refresh": [() => jsonResponse(sessionBody({ access_token: "jwt-new" }))],
    });
    const client = createApiClient({ fetch, session: store });

    const err = (await client.listTokens().catch((e: unknown) => e)) as ApiError;

    expect(err).toBeInstanceOf(ApiError);
    expect(err.code).toBe("invalid_token");
    expect(calls.map((c) => c.key)).toEqual([
      "GET /api/v1/me/tokens",
      "POST /api/v1/auth/refresh",
      "GET /api/v1/me/tokens",
    ]);
  });

  it("becomes signed out when the refresh fails, without retrying", async () => {
    const store = signedInStore();
    const { fetch, calls } = fakeServer({
      "GET /api/v1/me": [invalidToken],
      "POST /api/v1/auth/refresh": [
        () => problemResponse(problem(401, "invalid_refresh_token", "Unauthorized")),
      ],
    });
    const client = createApiClient({ fetch, session: store });

    const err = (await client.getMe().catch((e: unknown) => e)) as ApiError;

    expect(err.code).toBe("invalid_token");
    expect(calls.map((c) => c.key)).toEqual(["GET /api/v1/me", "POST /api/v1/auth/refresh"]);
    expect(store.get()).toEqual({ status: "signed_out" });
  });

  it("does not refresh for other 401 codes (a wrong current password)", async () => {
    const store = signedInStore();
    const { fetch, calls } = fakeServer({
      "POST /api/v1/me/password": [
        () => problemResponse(problem(401, "invalid_credentials", "Unauthorized")),
      ],
    });
    const client = createApiClient({ fetch, session: store });

    const err = (await client
      .changePassword({ current_password: "x", new_password: "y" })
      .catch((e: unknown) => e)) as ApiError;

    expect(err.code).toBe("invalid_credentials");
    expect(calls.map((c) => c.key)).toEqual(["POST /api/v1/me/password"]);
    expect(store.get().status).toBe("signed_in");
  });

  it("shares one refresh between concurrent calls that get invalid_token", async () => {
    const store = signedInStore("jwt-old");
    const { fetch, calls } = fakeServer({
      "GET /api/v1/me": [(init) => (bearer(init) === "Bearer jwt-old" ? invalidToken() : jsonResponse(me()))],
      "GET /api/v1/me/tokens": [
        (init) => (bearer(init) === "Bearer jwt-old" ? invalidToken() : jsonResponse([apiToken()])),
      ],
      "POST /api/v1/auth/refresh": [
        () =>
          new Promise<Response>((r) =>
            setTimeout(() => r(jsonResponse(sessionBody({ access_token: "jwt-new" }))), 10),
          ),
      ],
    });
    const client = createApiClient({ fetch, session: store });

    const [m, t] = await Promise.all([client.getMe(), client.listTokens()]);

    expect(m.id).toBe(7);
    expect(t).toHaveLength(1);
    expect(calls.filter((c) => c.key === "POST /api/v1/auth/refresh")).toHaveLength(1);
  });

  it("waits for the start-up refresh before an authenticated call", async () => {
    const store = createSessionStore(); // "loading", as on page load
    const { fetch, calls } = fakeServer({
      "POST /api/v1/auth/refresh": [() => jsonResponse(sessionBody({ access_token: "jwt-start" }))],
      "GET /api/v1/me/tokens": [() => jsonResponse([])],
    });
    const client = createApiClient({ fetch, session: store });

    await client.listTokens();

    expect(calls.map((c) => c.key)).toEqual(["POST /api/v1/auth/refresh", "GET /api/v1/me/tokens"]);
    expect(bearer(calls[1]!.init)).toBe("Bearer jwt-start");
  });

  it("start-up refresh: 200 signs in, 401 signs out silently", async () => {
    const inStore = createSessionStore();
    const ok = createApiClient({
      fetch: fakeServer({ "POST /api/v1/auth/refresh": [() => jsonResponse(sessionBody())] }).fetch,
      session: inStore,
    });
    expect((await ok.refresh())?.account.email).toBe("ada@example.org");
    expect(inStore.get().status).toBe("signed_in");

    const outStore = createSessionStore();
    const no = createApiClient({
      fetch: fakeServer({
        "POST /api/v1/auth/refresh": [
          () => problemResponse(problem(401, "invalid_refresh_token", "Unauthorized")),
        ],
      }).fetch,
      session: outStore,
    });
    expect(await no.refresh()).toBeNull();
    expect(outStore.get()).toEqual({ status: "signed_out" });
  });

  it("login stores the session; logout clears it even when the server call fails", async () => {
    const store = createSessionStore();
    const { fetch, calls } = fakeServer({
      "POST /api/v1/auth/login": [() => jsonResponse(sessionBody({ access_token: "jwt-login" }))],
      "POST /api/v1/auth/logout": [() => Promise.reject(new TypeError("Failed to fetch"))],
    });
    const client = createApiClient({ fetch, session: store });

    await client.login({ email: "ada@example.org", password: "correct horse battery" });
    expect(store.accessToken()).toBe("jwt-login");
    expect(JSON.parse(String(calls[0]!.init?.body))).toEqual({
      email: "ada@example.org",
      password: "correct horse battery",
    });
    expect((calls[0]!.init?.headers as Record<string, string>)["Content-Type"]).toBe(
      "application/json",
    );

    const err = await client.logout().catch((e: unknown) => e);
    expect((err as ApiError).code).toBe("network_error");
    expect(bearer(calls[1]!.init)).toBe("Bearer jwt-login");
    expect(calls[1]!.init?.credentials).toBe("same-origin");
    expect(store.get()).toEqual({ status: "signed_out" });
  });

  it("exposes validation violations and the Retry-After of a problem", async () => {
    const { fetch } = fakeServer({
      "POST /api/v1/auth/register": [
        () =>
          problemResponse({
            ...problem(422, "validation_failed", "Unprocessable Entity"),
            errors: [{ field: "password", code: "too_short", message: "at least 12 characters" }],
          }),
      ],
      "POST /api/v1/auth/login": [
        () =>
          new Response(JSON.stringify(problem(429, "rate_limited", "Too Many Requests")), {
            status: 429,
            headers: { "content-type": "application/problem+json", "retry-after": "42" },
          }),
      ],
    });
    const client = createApiClient({ fetch });

    const v = (await client
      .register({ email: "a@b.c", password: "short", display_name: "A" })
      .catch((e: unknown) => e)) as ApiError;
    expect(v.violations).toEqual([
      { field: "password", code: "too_short", message: "at least 12 characters" },
    ]);

    const r = (await client
      .login({ email: "a@b.c", password: "x" })
      .catch((e: unknown) => e)) as ApiError;
    expect(r.code).toBe("rate_limited");
    expect(r.retryAfter).toBe(42);
  });

  it("sends token management calls to the documented paths", async () => {
    const store = signedInStore("jwt");
    const { fetch, calls } = fakeServer({
      "POST /api/v1/me/tokens": [() => jsonResponse({ token: apiToken(), secret: "s" }, 201)],
      "DELETE /api/v1/me/tokens/5": [() => new Response(null, { status: 204 })],
      "DELETE /api/v1/me": [() => new Response(null, { status: 204 })],
    });
    const client = createApiClient({ fetch, session: store });

    const created = await client.createToken({ name: "ci", scopes: ["read", "write"] });
    expect(created.secret).toBe("s");
    expect(JSON.parse(String(calls[0]!.init?.body))).toEqual({ name: "ci", scopes: ["read", "write"] });
    await client.revokeToken(5);
    await client.deleteAccount({ password: "pw" });
    expect(calls.map((c) => c.key)).toEqual([
      "POST /api/v1/me/tokens",
      "DELETE /api/v1/me/tokens/5",
      "DELETE /api/v1/me",
    ]);
    expect(calls.every((c) => bearer(c.init) === "Bearer jwt")).toBe(true);
    expect(store.get()).toEqual({ status: "signed_out" });
  });
});

describe("parseRetryAfter", () => {
  it("reads delta-seconds and HTTP dates", () => {
    expect(parseRetryAfter(null)).toBeNull();
    expect(parseRetryAfter("120")).toBe(120);
    expect(parseRetryAfter(" 7 ")).toBe(7);
    const now = Date.parse("2025-11-28T10:00:00Z");
    expect(parseRetryAfter("Fri, 28 Nov 2025 10:00:30 GMT", now)).toBe(30);
    expect(parseRetryAfter("Fri, 28 Nov 2025 09:00:00 GMT", now)).toBe(0);
    expect(parseRetryAfter("soon")).toBeNull();
  });
});
