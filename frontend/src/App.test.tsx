import { fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { describe, expect, it, vi } from "vitest";
import { App } from "./App";
import { RouterProvider } from "./router";
import {
  jsonResponse,
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
    expect(listUrl.searchParams.get("page")).toBe("1");
    expect(listUrl.searchParams.get("per_page")).toBe("20");
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

  it("filters the current page by kind through the URL", async () => {
    stubApi(() => jsonResponse(page(PROJECTS)));
    renderAt("/?kind=dataset");
    const cards = await screen.findAllByTestId("project-card");
    expect(cards).toHaveLength(1);
    expect(cards[0]!.getAttribute("data-slug")).toBe("open-speech-corpus");

    const filter = screen.getByTestId("kind-filter");
    fireEvent.click(within(filter).getByRole("link", { name: /All/ }));
    await waitFor(() => expect(screen.getAllByTestId("project-card")).toHaveLength(3));
    expect(window.location.search).toBe("");
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

  it("paginates when total exceeds per_page", async () => {
    const fetch = stubApi((url) => {
      const n = Number(url.searchParams.get("page"));
      const items = n === 2 ? [project({ id: 99, slug: "old", name: "Old One" })] : PROJECTS;
      return jsonResponse(page(items, { page: n, per_page: 20, total: 21 }));
    });
    renderAt("/");
    const nav = await screen.findByTestId("pagination");
    expect(nav.textContent).toContain("Page 1 of 2");
    const older = within(nav).getByRole("link", { name: /Older/ });
    expect(older.getAttribute("href")).toBe("/?page=2");

    fireEvent.click(older);
    await waitFor(() => expect(screen.getAllByTestId("project-card")).toHaveLength(1));
    expect(screen.getByText("Old One")).toBeTruthy();
    expect(screen.getByTestId("pagination").textContent).toContain("Page 2 of 2");
    expect(new URL(fetch.mock.calls[1]![0], "http://localhost").searchParams.get("page")).toBe("2");
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
