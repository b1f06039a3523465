import { fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { describe, expect, it, vi } from "vitest";
import { App } from "./App";
import { RouterProvider } from "./router";
import {
  jsonResponse,
  kindCounts,
  page,
  problem,
  problemResponse,
  project,
  PROJECTS,
} from "./test/fixtures";

type Handler = (url: URL) => Response | Promise<Response>;

/**
 * Stubs fetch. The app's start-up calls are not recorded: the session refresh
 * answers 401 (signed out) and `GET /api/v1/instance` answers `instance`
 * (default: the server's defaults). The returned spy sees only the calls
 * `handler` serves.
 */
function stubApi(handler: Handler, instance: () => Response = () => jsonResponse(INSTANCE)) {
  const fetch = vi.fn(async (input: string) => handler(new URL(input, "http://localhost")));
  vi.stubGlobal("fetch", async (input: string) => {
    const path = new URL(input, "http://localhost").pathname;
    if (path === "/api/v1/auth/refresh") {
      return problemResponse(problem(401, "invalid_refresh_token", "Unauthorized"));
    }
    if (path === "/api/v1/instance") return instance();
    return fetch(input);
  });
  return fetch;
}

const INSTANCE = { name: "OpenFund", github_sign_in: false, mail_delivery: false };

function renderAt(path: string) {
  window.history.replaceState(null, "", path);
  return render(
    <RouterProvider>
      <App />
    </RouterProvider>,
  );
}

describe("App", () => {
  it("home lists projects from the API, then opens a project page on click", async () => {
    const fetch = stubApi((url) => {
      if (url.pathname === "/api/v1/projects") return jsonResponse(page(PROJECTS));
      if (url.pathname === "/api/v1/projects/open-speech-corpus") return jsonResponse(PROJECTS[1]);
      return problemResponse(problem(404, "not_found", "Not Found"));
    });
    renderAt("/");

    expect(screen.getByTestId("loading")).toBeTruthy();
    const cards = await screen.findAllByTestId("project-card");
    expect(cards).toHaveLength(3);
    expect(screen.getByRole("heading", { level: 1 }).textContent).toMatch(/Fund open AI/);
    expect(screen.getByTestId("project-total").textContent).toBe(
      "3 projects raising money and compute",
    );
    const listUrl = new URL(fetch.mock.calls[0]![0], "http://localhost");
    expect(listUrl.searchParams.get("limit")).toBe("20");
    expect(listUrl.searchParams.get("cursor")).toBeNull();
    expect(screen.queryByTestId("pagination")).toBeNull();

    fireEvent.click(within(cards[1]!).getByTestId("project-card-link"));

    expect(window.location.pathname).toBe("/projects/open-speech-corpus");
    const heading = await screen.findByTestId("project-name");
    expect(heading.textContent).toBe("Open Speech Corpus");
    expect(screen.getByTestId("project-created").textContent).toBe("27 November 2025");
    expect(screen.queryByTestId("project-homepage")).toBeNull();
    // The title is set in an effect, which may run just after the heading appears.
    await waitFor(() => expect(document.title).toBe("Open Speech Corpus · OpenFund"));
  });

  it("filters by kind on the server, with the server's counts on the chips", async () => {
    const fetch = stubApi((url) => {
      const kind = url.searchParams.get("kind");
      const items = kind ? PROJECTS.filter((p) => p.kind === kind) : PROJECTS;
      // The chips count the whole list, not the page.
      return jsonResponse(page(items, { kinds: kindCounts(PROJECTS).map((k) => ({ ...k, count: k.count * 10 })) }));
    });
    renderAt("/?kind=dataset");
    const cards = await screen.findAllByTestId("project-card");
    expect(cards).toHaveLength(1);
    expect(cards[0]!.getAttribute("data-slug")).toBe("open-speech-corpus");
    expect(new URL(fetch.mock.calls[0]![0], "http://localhost").searchParams.get("kind")).toBe("dataset");

    const filter = screen.getByTestId("kind-filter");
    expect(within(filter).getByRole("link", { name: /All/ }).textContent).toContain("30");
    expect(filter.querySelector('[data-kind="dataset"]')!.textContent).toContain("10");
    fireEvent.click(within(filter).getByRole("link", { name: /All/ }));
    await waitFor(() => expect(screen.getAllByTestId("project-card")).toHaveLength(3));
    expect(window.location.search).toBe("");
  });

  it("searches and sorts on the server through the URL", async () => {
    const fetch = stubApi((url) => {
      const q = (url.searchParams.get("q") ?? "").toLowerCase();
      const items = PROJECTS.filter((p) => p.name.toLowerCase().includes(q));
      return jsonResponse(page(items));
    });
    renderAt("/");
    await screen.findAllByTestId("project-card");
    fireEvent.change(screen.getByTestId("search-input"), { target: { value: " speech " } });
    fireEvent.submit(screen.getByTestId("search-form"));
    await waitFor(() => expect(screen.getAllByTestId("project-card")).toHaveLength(1));
    expect(window.location.search).toBe("?q=speech");
    expect(screen.getByTestId("match-count").textContent).toBe("1 project found");
    fireEvent.change(screen.getByTestId("sort-select"), { target: { value: "name" } });
    await waitFor(() => expect(window.location.search).toBe("?q=speech&sort=name"));
    await waitFor(() => {
      const last = new URL(fetch.mock.calls.at(-1)![0], "http://localhost");
      expect(last.searchParams.get("sort")).toBe("name");
      expect(last.searchParams.get("q")).toBe("speech");
    });
  });

  it("shows the empty state when the instance has no projects", async () => {
    stubApi(() => jsonResponse(page([])));
    renderAt("/");
    const empty = await screen.findByTestId("empty-state");
    expect(empty.textContent).toContain("No projects yet");
    // Words for visitors, not operator commands.
    expect(empty.textContent).not.toContain("openfund demo");
    expect(empty.querySelector("code")).toBeNull();
  });

  it("pages by the server's cursor", async () => {
    const fetch = stubApi((url) =>
      url.searchParams.get("cursor") === "next1"
        ? jsonResponse(page([project({ id: 99, slug: "old", name: "Old One" })], { total: 4 }))
        : jsonResponse(page(PROJECTS, { next_cursor: "next1", total: 4 })),
    );
    renderAt("/");
    const nav = await screen.findByTestId("pagination");
    const next = within(nav).getByTestId("next-page");
    expect(next.getAttribute("href")).toBe("/?cursor=next1");

    fireEvent.click(next);
    await waitFor(() => expect(screen.getAllByTestId("project-card")).toHaveLength(1));
    expect(screen.getByText("Old One")).toBeTruthy();
    expect(screen.queryByTestId("next-page")).toBeNull();
    expect(screen.getByTestId("first-page").getAttribute("href")).toBe("/");
    expect(new URL(fetch.mock.calls[1]![0], "http://localhost").searchParams.get("cursor")).toBe("next1");
  });

  it("says what went wrong in plain words, without codes, and retries", async () => {
    let calls = 0;
    stubApi(() => {
      calls += 1;
      return calls === 1
        ? problemResponse(problem(500, "internal", "Internal Server Error", "database is locked"))
        : jsonResponse(page(PROJECTS));
    });
    renderAt("/");
    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toContain("Something went wrong on our side.");
    expect(alert.textContent).toContain("Please try again in a moment.");
    for (const developerWords of ["Internal Server Error", "database is locked", "internal", "500"]) {
      expect(alert.textContent).not.toContain(developerWords);
    }

    fireEvent.click(within(alert).getByRole("button", { name: "Try again" }));
    expect(await screen.findAllByTestId("project-card")).toHaveLength(3);
    expect(calls).toBe(2);
  });

  it("shows 'Project not found' for a 404 not_found", async () => {
    stubApi(() => problemResponse(problem(404, "not_found", "Not Found", "no such project")));
    renderAt("/projects/does-not-exist");
    const notFound = await screen.findByTestId("project-not-found");
    expect(within(notFound).getByRole("heading", { level: 1 }).textContent).toBe(
      "Project not found",
    );
    expect(notFound.textContent).toContain("/projects/does-not-exist");
  });

  it("shows an error state, not 'not found', for other project errors", async () => {
    stubApi(() => problemResponse(problem(503, "unavailable", "Service Unavailable")));
    renderAt("/projects/tiny-llama");
    const alert = await screen.findByTestId("error-state");
    expect(alert.textContent).toContain("The site is busy or under maintenance.");
    expect(alert.textContent).not.toContain("Service Unavailable");
    expect(screen.queryByTestId("project-not-found")).toBeNull();
    expect(screen.getByTestId("back-link").getAttribute("href")).toBe("/");
  });

  it("renders the not-found page for unknown client routes without calling the API", () => {
    const fetch = stubApi(() => jsonResponse({}));
    renderAt("/no/such/page");
    const nf = screen.getByTestId("page-not-found");
    expect(within(nf).getByRole("heading", { level: 1 }).textContent).toBe("Page not found");
    expect(fetch).not.toHaveBeenCalled();
  });

  it("has landmarks and footer links to the API docs and OpenAPI document", () => {
    stubApi(() => jsonResponse(page([])));
    renderAt("/");
    expect(screen.getByRole("banner")).toBeTruthy();
    expect(screen.getByRole("main")).toBeTruthy();
    expect(screen.getByRole("contentinfo")).toBeTruthy();
    expect(screen.getByTestId("footer-api-docs").getAttribute("href")).toBe("/api/v1/docs/");
    expect(screen.getByTestId("footer-openapi").getAttribute("href")).toBe("/api/v1/openapi.json");
  });
});

describe("pages", () => {
  it("has a component for every page in routes.json (the server's list) and no other", async () => {
    const { PAGES, PAGE_PATTERNS } = await import("./App");
    expect(Object.keys(PAGES).sort()).toEqual([...PAGE_PATTERNS].sort());
  });
});
