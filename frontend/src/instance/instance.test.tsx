import { render, screen, waitFor, within } from "@testing-library/react";
import { describe, expect, it, vi } from "vitest";
import { App } from "../App";
import type { Instance } from "../api/client";
import { RouterProvider } from "../router";
import { me, sessionBody } from "../test/accounts";
import { jsonResponse, page, problem, problemResponse } from "../test/fixtures";
import { createInstanceStore, DEFAULT_INSTANCE, instanceStore, toInstance } from "./instance";

const WITH_GITHUB: Instance = { name: "Harbour Fund", github_sign_in: true, mail_delivery: true };
const WITHOUT_GITHUB: Instance = { name: "Harbour Fund", github_sign_in: false, mail_delivery: false };

/**
 * Stubs fetch: `GET /api/v1/instance` answers `instance()`, the refresh signs
 * in with `account` (or answers 401), the project list is empty.
 */
function stubServer(
  instance: () => Response | Promise<Response>,
  { account = null as ReturnType<typeof me> | null } = {},
) {
  const fetch = vi.fn(async (input: string, init?: RequestInit) => {
    const url = new URL(input, "http://localhost");
    const key = `${init?.method ?? "GET"} ${url.pathname}`;
    if (key === "GET /api/v1/instance") return instance();
    if (key === "POST /api/v1/auth/refresh") {
      return account
        ? jsonResponse(sessionBody({ account }))
        : problemResponse(problem(401, "invalid_refresh_token", "Unauthorized"));
    }
    if (key === "GET /api/v1/projects") return jsonResponse(page([]));
    if (key === "GET /api/v1/me/tokens") return jsonResponse([]);
    return problemResponse(problem(404, "not_found", "Not Found"));
  });
  vi.stubGlobal("fetch", fetch);
  const instanceCalls = () =>
    fetch.mock.calls.filter(([u]) => new URL(u, "http://localhost").pathname === "/api/v1/instance")
      .length;
  return { fetch, instanceCalls };
}

function renderAt(path: string) {
  window.history.replaceState(null, "", path);
  return render(
    <RouterProvider>
      <App />
    </RouterProvider>,
  );
}

/** Waits until the start-up `GET /api/v1/instance` has been answered (or failed). */
async function instanceSettled() {
  await waitFor(() => expect(instanceStore.get().status).not.toBe("loading"));
}

describe("instance: GitHub sign-in configured", () => {
  it("offers 'Sign in with GitHub' and shows the instance's name in header, footer, heading and title", async () => {
    const server = stubServer(() => jsonResponse(WITH_GITHUB));
    renderAt("/login");

    expect(await screen.findByRole("button", { name: "Sign in with GitHub" })).toBeTruthy();
    expect(screen.getByTestId("brand").textContent).toBe("Harbour Fund");
    expect(screen.getByTestId("footer-name").textContent).toBe("Harbour Fund");
    expect(screen.getByRole("contentinfo").textContent).toContain("Runs on OpenFund");
    expect(screen.getByRole("heading", { level: 1 }).textContent).toBe("Log in to Harbour Fund");
    await waitFor(() => expect(document.title).toBe("Log in · Harbour Fund"));
    expect(screen.getByText("or with your email")).toBeTruthy();
    expect(server.instanceCalls()).toBe(1);
  });

  it("offers 'Link GitHub account' in settings", async () => {
    stubServer(() => jsonResponse(WITH_GITHUB), { account: me() });
    renderAt("/settings");

    const section = await screen.findByTestId("settings-github");
    expect(await within(section).findByTestId("github-link")).toBeTruthy();
    expect(within(section).getByTestId("github-link").textContent).toContain("Link GitHub account");
    expect(screen.getByRole("link", { name: "GitHub" }).getAttribute("href")).toBe("#github");
    await waitFor(() => expect(document.title).toBe("Settings · Harbour Fund"));
  });
});

describe("instance: GitHub sign-in not configured", () => {
  it("hides 'Sign in with GitHub' on the login page; the email form is all there is", async () => {
    stubServer(() => jsonResponse(WITHOUT_GITHUB));
    renderAt("/login");
    await instanceSettled();

    await waitFor(() =>
      expect(screen.getByRole("heading", { level: 1 }).textContent).toBe("Log in to Harbour Fund"),
    );
    expect(screen.queryByRole("button", { name: "Sign in with GitHub" })).toBeNull();
    expect(screen.queryByTestId("github-button")).toBeNull();
    expect(screen.queryByText("or with your email")).toBeNull();
    expect(screen.getByRole("form", { name: "Log in" })).toBeTruthy();
    expect(screen.getByTestId("login-submit")).toBeTruthy();
  });

  it("hides the GitHub section (and its nav link) in settings for an account without a link", async () => {
    stubServer(() => jsonResponse(WITHOUT_GITHUB), { account: me({ github_login: null }) });
    renderAt("/settings");
    await screen.findByTestId("settings-page");
    await instanceSettled();

    expect(screen.queryByTestId("settings-github")).toBeNull();
    expect(screen.queryByTestId("github-link")).toBeNull();
    expect(screen.queryByRole("link", { name: "GitHub" })).toBeNull();
    expect(screen.getByTestId("settings-tokens")).toBeTruthy();
  });

  it("still shows an existing link, with Unlink but without 'Link GitHub account'", async () => {
    stubServer(() => jsonResponse(WITHOUT_GITHUB), {
      account: me({ github_login: "ada-l", has_password: true }),
    });
    renderAt("/settings");
    const section = await screen.findByTestId("settings-github");
    await instanceSettled();

    expect(within(section).getByTestId("github-login").textContent).toBe("@ada-l");
    expect(within(section).getByTestId("github-unlink")).toBeTruthy();
    expect(within(section).queryByTestId("github-link")).toBeNull();
    expect(section.textContent).toContain("not enabled on this instance");
  });
});

describe("instance: unknown or unavailable", () => {
  it("while the answer is pending: name 'OpenFund', no GitHub button yet", async () => {
    stubServer(() => new Promise<Response>(() => {}));
    renderAt("/login");

    expect(await screen.findByTestId("login-page")).toBeTruthy();
    expect(screen.getByTestId("brand").textContent).toBe("OpenFund");
    await waitFor(() => expect(document.title).toBe("Log in · OpenFund"));
    expect(screen.queryByRole("button", { name: "Sign in with GitHub" })).toBeNull();
    expect(instanceStore.get().status).toBe("loading");
  });

  it.each([
    ["a 500", () => problemResponse(problem(500, "internal", "Internal Server Error"))],
    ["a 404 (an older server)", () => problemResponse(problem(404, "not_found", "Not Found"))],
    ["a network failure", () => Promise.reject(new TypeError("Failed to fetch"))],
    ["a body that is not JSON", () => new Response("<html>", { status: 200 })],
  ])("after %s: the defaults (GitHub button shown, name 'OpenFund'), and the app works", async (_, answer) => {
    stubServer(answer);
    renderAt("/login");

    expect(await screen.findByRole("button", { name: "Sign in with GitHub" })).toBeTruthy();
    expect(instanceStore.get()).toEqual({ status: "failed", instance: DEFAULT_INSTANCE });
    expect(screen.getByTestId("brand").textContent).toBe("OpenFund");
    expect(screen.getByTestId("footer-name").textContent).toBe("OpenFund");
    expect(screen.getByRole("contentinfo").textContent).toContain("Self-hostable.");
    expect(screen.getByRole("heading", { level: 1 }).textContent).toBe("Log in to OpenFund");
    await waitFor(() => expect(document.title).toBe("Log in · OpenFund"));
    expect(screen.getByRole("form", { name: "Log in" })).toBeTruthy();
    expect(screen.queryByRole("alert")).toBeNull();
  });

  it("is fetched once, not again on navigation or re-render", async () => {
    const server = stubServer(() => jsonResponse(WITH_GITHUB));
    const { rerender } = renderAt("/");
    await waitFor(() => expect(screen.getByTestId("brand").textContent).toBe("Harbour Fund"));
    await waitFor(() => expect(document.title).toBe("Harbour Fund"));
    rerender(
      <RouterProvider>
        <App />
      </RouterProvider>,
    );
    screen.getByTestId("nav-login").click();
    expect(await screen.findByRole("button", { name: "Sign in with GitHub" })).toBeTruthy();
    expect(server.instanceCalls()).toBe(1);
  });
});

describe("instance store", () => {
  it("fills missing or malformed fields with the defaults", () => {
    expect(toInstance(WITHOUT_GITHUB)).toEqual(WITHOUT_GITHUB);
    expect(toInstance(null)).toEqual(DEFAULT_INSTANCE);
    expect(toInstance({ items: [], page: 1 })).toEqual(DEFAULT_INSTANCE);
    expect(toInstance({ name: "  ", github_sign_in: "no" })).toEqual(DEFAULT_INSTANCE);
    expect(toInstance({ name: " Bloom ", github_sign_in: false })).toEqual({
      name: "Bloom",
      github_sign_in: false,
      mail_delivery: true,
    });
  });

  it("loads once; concurrent and later calls share the answer", async () => {
    const store = createInstanceStore();
    const listener = vi.fn();
    store.subscribe(listener);
    const fetchInstance = vi.fn(async () => WITHOUT_GITHUB);

    const [x, y] = await Promise.all([store.load(fetchInstance), store.load(fetchInstance)]);
    await store.load(fetchInstance);

    expect(fetchInstance).toHaveBeenCalledTimes(1);
    expect(x).toEqual({ status: "loaded", instance: WITHOUT_GITHUB });
    expect(y).toBe(x);
    expect(store.get()).toEqual(x);
    expect(listener).toHaveBeenCalledTimes(1);
  });

  it("turns a failure (even a synchronous throw) into the defaults", async () => {
    const store = createInstanceStore();
    await store.load(() => {
      throw new Error("boom");
    });
    expect(store.get()).toEqual({ status: "failed", instance: DEFAULT_INSTANCE });
  });

  it("drops an answer that arrives after reset()", async () => {
    const store = createInstanceStore();
    let answer: (v: Instance) => void = () => {};
    const late = new Promise<Instance>((r) => (answer = r));
    const pending = store.load(() => late);
    store.reset();
    answer(WITHOUT_GITHUB);
    await pending;
    expect(store.get()).toEqual({ status: "loading", instance: DEFAULT_INSTANCE });
  });
});
