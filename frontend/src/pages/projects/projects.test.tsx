import { fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { describe, expect, it, vi } from "vitest";
import { App } from "../../App";
import type { Project, ProjectMember } from "../../api/client";
import { RouterProvider } from "../../router";
import { sessionBody } from "../../test/accounts";
import { jsonResponse, page, problem, problemResponse, project } from "../../test/fixtures";

type Handler = (init: RequestInit | undefined, url: URL) => Response | Promise<Response>;

/** Stubs fetch with "METHOD /path" handlers; signed in as user 7 unless `signedIn` is false. */
function stubServer(routes: Record<string, Handler> = {}, { signedIn = true } = {}) {
  const calls: { key: string; init: RequestInit | undefined }[] = [];
  const fetch = vi.fn(async (input: string, init?: RequestInit) => {
    const url = new URL(input, "http://localhost");
    const key = `${init?.method ?? "GET"} ${url.pathname}`;
    calls.push({ key, init });
    const handler = routes[key];
    if (handler) return handler(init, url);
    if (key === "POST /api/v1/auth/refresh") {
      return signedIn
        ? jsonResponse(sessionBody())
        : problemResponse(problem(401, "invalid_refresh_token", "Unauthorized"));
    }
    if (key === "GET /api/v1/instance") {
      return jsonResponse({ name: "OpenFund", github_sign_in: false, mail_delivery: true });
    }
    if (key === "GET /api/v1/projects") return jsonResponse(page([]));
    if (key === "GET /api/v1/me/projects") return jsonResponse({ items: [] });
    return problemResponse(problem(404, "not_found", "Not Found"));
  });
  vi.stubGlobal("fetch", fetch);
  return { fetch, calls };
}

function renderAt(path: string) {
  window.history.replaceState(null, "", path);
  return render(
    <RouterProvider>
      <App />
    </RouterProvider>,
  );
}

const body = (init: RequestInit | undefined) => JSON.parse(String(init?.body)) as Record<string, unknown>;

function type(label: string | RegExp, value: string) {
  fireEvent.change(screen.getByLabelText(label), { target: { value } });
}

function member(overrides: Partial<ProjectMember> = {}): ProjectMember {
  return {
    user_id: 7,
    display_name: "Ada Lovelace",
    github_login: null,
    role: "owner",
    since: "2025-11-28T09:30:00Z",
    ...overrides,
  };
}

function validationProblem(errors: { field: string; code: string; message: string }[]) {
  return problemResponse({ ...problem(422, "validation_failed", "Unprocessable Entity"), errors });
}

describe("List a project", () => {
  it("shows the server's errors per field, then creates the project and opens it", async () => {
    let attempts = 0;
    const server = stubServer({
      "POST /api/v1/projects": (init) => {
        attempts += 1;
        if (attempts === 1) {
          return validationProblem([
            { field: "slug", code: "format", message: "must be lower-case letters, digits and dashes" },
            { field: "license", code: "spdx", message: "must be an SPDX license expression such as MIT" },
          ]);
        }
        const b = body(init);
        return jsonResponse(project({ slug: String(b.slug), name: String(b.name) }), 201);
      },
      "GET /api/v1/projects/pythia": () => jsonResponse(project({ slug: "pythia", name: "Pythia" })),
    });
    renderAt("/new-project");
    await screen.findByTestId("new-project-page");
    type("Address", "Bad Slug");
    type("Name", "Pythia");
    type("Licence", "not a licence");
    fireEvent.click(screen.getByTestId("project-submit"));
    expect((await screen.findByTestId("error-slug")).textContent).toContain("lower-case letters");
    expect(screen.getByTestId("error-license").textContent).toContain("SPDX");
    expect(screen.getByTestId("form-error").textContent).toContain("correct the highlighted fields");

    type("Address", "pythia");
    type("Licence", "Apache-2.0");
    fireEvent.click(screen.getByTestId("project-submit"));
    await waitFor(() => expect(window.location.pathname).toBe("/projects/pythia"));
    const sent = body(server.calls.filter((c) => c.key === "POST /api/v1/projects").at(-1)!.init);
    expect(sent).toMatchObject({
      slug: "pythia",
      name: "Pythia",
      kind: "model",
      license: "Apache-2.0",
      currency: "USD",
      homepage: null,
      contact_email: null,
      auto_approve_sponsors: false,
    });
    // The bots switch is a setting of an existing project only (the create body has none).
    expect(sent).not.toHaveProperty("count_bots");
  });

  it("asks visitors to log in first", async () => {
    stubServer({}, { signedIn: false });
    renderAt("/new-project");
    expect(await screen.findByTestId("sign-in-first")).toBeTruthy();
  });
});

describe("project settings", () => {
  function settingsServer(extra: Record<string, Handler> = {}, members = [member(), member({ user_id: 8, display_name: "Grace", role: "maintainer" })]) {
    let current: Project = project({ slug: "tiny-llama", license: "MIT" });
    return stubServer({
      "GET /api/v1/projects/tiny-llama": () => jsonResponse(current),
      "GET /api/v1/projects/tiny-llama/members": () => jsonResponse({ items: members }),
      "PATCH /api/v1/projects/tiny-llama": (init) => {
        const b = body(init);
        if (b.currency !== current.currency) {
          return problemResponse(problem(409, "currency_locked", "Conflict"));
        }
        current = { ...current, ...(b as Partial<Project>), updated_at: "2025-11-29T10:00:00Z" };
        return jsonResponse(current);
      },
      "POST /api/v1/projects/tiny-llama/archive": () => {
        current = { ...current, archived_at: "2025-11-29T10:00:00Z" };
        return jsonResponse(current);
      },
      ...extra,
    });
  }

  it("saves fields, explains a locked currency, and archives", async () => {
    const server = settingsServer();
    renderAt("/projects/tiny-llama/settings");
    await screen.findByTestId("project-settings-page");
    expect((screen.getByLabelText("Licence") as HTMLInputElement).value).toBe("MIT");

    type("Currency", "EUR");
    fireEvent.click(screen.getByTestId("project-submit"));
    expect((await screen.findByTestId("form-error")).textContent).toContain(
      "currency cannot change",
    );

    type("Currency", "USD");
    type("Summary", "A better summary.");
    type("Repository", "");
    fireEvent.click(screen.getByTestId("project-submit"));
    expect(await screen.findByTestId("settings-saved")).toBeTruthy();
    const patch = body(server.calls.filter((c) => c.key === "PATCH /api/v1/projects/tiny-llama").at(-1)!.init);
    expect(patch).toMatchObject({ summary: "A better summary.", repository_url: null, currency: "USD" });
    expect(patch).not.toHaveProperty("slug");
    expect(patch).toMatchObject({ count_bots: false });

    // Bots' activity counts once the switch is on.
    fireEvent.click(screen.getByLabelText(/Count bots' activity/));
    fireEvent.click(screen.getByTestId("project-submit"));
    await waitFor(() =>
      expect(body(server.calls.filter((c) => c.key === "PATCH /api/v1/projects/tiny-llama").at(-1)!.init)).toMatchObject({
        count_bots: true,
      }),
    );

    fireEvent.click(screen.getByTestId("archive"));
    expect(await screen.findByTestId("archived-notice")).toBeTruthy();
    expect(screen.getByTestId("unarchive")).toBeTruthy();
  });

  it("lets owners add and remove members, with the server's reasons", async () => {
    const server = settingsServer({
      "POST /api/v1/projects/tiny-llama/members": () =>
        problemResponse(problem(422, "no_such_user", "Unprocessable Entity")),
      "DELETE /api/v1/projects/tiny-llama/members/7": () =>
        problemResponse(problem(409, "last_owner", "Conflict")),
      "DELETE /api/v1/projects/tiny-llama/members/8": () => new Response(null, { status: 204 }),
    });
    renderAt("/projects/tiny-llama/settings");
    const section = await screen.findByTestId("members-section");
    expect(within(section).getAllByTestId("member")).toHaveLength(2);

    type("Add by email address", "ghost@example.org");
    fireEvent.click(screen.getByTestId("add-member"));
    expect((await screen.findByTestId("add-member-error")).textContent).toContain(
      "no account with that email",
    );
    expect(body(server.calls.find((c) => c.key === "POST /api/v1/projects/tiny-llama/members")!.init)).toEqual({
      email: "ghost@example.org",
      role: "maintainer",
    });

    fireEvent.click(screen.getByTestId("remove-7"));
    expect((await screen.findByTestId("remove-error")).textContent).toContain("at least one owner");
    fireEvent.click(screen.getByTestId("remove-8"));
    await waitFor(() =>
      expect(server.calls.some((c) => c.key === "DELETE /api/v1/projects/tiny-llama/members/8")).toBe(true),
    );
  });

  it("maintainers edit settings but do not manage members or archive", async () => {
    settingsServer({}, [member({ user_id: 1 }), member({ user_id: 7, role: "maintainer" })]);
    renderAt("/projects/tiny-llama/settings");
    await screen.findByTestId("project-settings-page");
    expect(screen.queryByTestId("add-member-form")).toBeNull();
    expect(screen.queryByTestId("archive-section")).toBeNull();
    expect(screen.queryByTestId("remove-1")).toBeNull();
    expect(screen.getByTestId("remove-7").textContent).toBe("Leave");
  });

  it("tells other users it is not their project", async () => {
    settingsServer({}, [member({ user_id: 1 })]);
    renderAt("/projects/tiny-llama/settings");
    expect(await screen.findByTestId("not-a-member")).toBeTruthy();
  });
});

describe("project page", () => {
  it("renders the Markdown description safely, with licence and links", async () => {
    stubServer(
      {
        "GET /api/v1/projects/tiny-llama": () =>
          jsonResponse(
            project({
              description:
                "## About\n\n<script>window.pwned = true</script><img src=x onerror=alert(1)>\n\n[good](https://example.org/docs) [bad](javascript:alert(1)) ![pic](https://tracker.example/p.png)",
              license: "Apache-2.0 OR MIT",
              repository_url: "https://github.com/example/tiny-llama",
            }),
          ),
      },
      { signedIn: false },
    );
    renderAt("/projects/tiny-llama");
    const description = await screen.findByTestId("project-description");
    expect(within(description).getByRole("heading", { level: 2 }).textContent).toBe("About");
    expect(description.querySelector("script")).toBeNull();
    expect(description.querySelector("img")).toBeNull();
    expect((window as unknown as { pwned?: boolean }).pwned).toBeUndefined();
    const good = within(description).getByRole("link", { name: "good" });
    expect(good.getAttribute("href")).toBe("https://example.org/docs");
    expect(good.getAttribute("rel")).toContain("nofollow");
    expect(good.getAttribute("rel")).toContain("noopener");
    for (const a of description.querySelectorAll("a")) {
      expect(a.getAttribute("href") ?? "").not.toMatch(/^javascript:/i);
    }
    expect(screen.getByTestId("project-license").textContent).toBe("Apache-2.0 OR MIT");
    expect(screen.getByTestId("project-repository").getAttribute("href")).toBe(
      "https://github.com/example/tiny-llama",
    );
    expect(screen.queryByTestId("settings-link")).toBeNull();
  });

  it("shows members a link to the settings", async () => {
    stubServer({
      "GET /api/v1/projects/tiny-llama": () => jsonResponse(project()),
      "GET /api/v1/me/projects": () => jsonResponse({ items: [{ project: project(), role: "owner" }] }),
    });
    renderAt("/projects/tiny-llama");
    const link = await screen.findByTestId("settings-link");
    expect(link.getAttribute("href")).toBe("/projects/tiny-llama/settings");
  });
});

describe("user menu", () => {
  it("lists my projects", async () => {
    stubServer({
      "GET /api/v1/me/projects": () =>
        jsonResponse({ items: [{ project: project({ name: "Tiny Llama" }), role: "maintainer" }] }),
    });
    renderAt("/");
    fireEvent.click(await screen.findByTestId("user-menu-button"));
    const item = await screen.findByTestId("menu-project");
    expect(item.textContent).toContain("Tiny Llama");
    expect(item.textContent).toContain("maintainer");
    expect(item.getAttribute("href")).toBe("/projects/tiny-llama");
  });
});
