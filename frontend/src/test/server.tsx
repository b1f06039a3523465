/**
 * A stubbed server for page tests: `fetch` answers "METHOD /path" handlers, plus the
 * session refresh (signed in as `account`, or signed out for null) and the instance.
 */
import { render } from "@testing-library/react";
import { vi } from "vitest";
import { App } from "../App";
import type { Me } from "../api/client";
import { RouterProvider } from "../router";
import { me, sessionBody } from "./accounts";
import { jsonResponse, problem, problemResponse } from "./fixtures";

export type Handler = (url: URL, init: RequestInit | undefined) => Response | Promise<Response>;

export interface Call {
  key: string;
  url: URL;
  init: RequestInit | undefined;
}

export function stubServer(routes: Record<string, Handler>, account: Me | null = me()) {
  const calls: Call[] = [];
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
  return {
    calls,
    of: (key: string) => calls.filter((c) => c.key === key),
    /** The request header `name` of a call. */
    header: (call: Call, name: string) => new Headers(call.init?.headers).get(name),
    body: (call: Call) => JSON.parse(String(call.init?.body ?? "null")) as unknown,
  };
}

export function renderAt(path: string) {
  window.history.replaceState(null, "", path);
  return render(
    <RouterProvider>
      <App />
    </RouterProvider>,
  );
}
