import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { render, screen, within } from "@testing-library/react";
import { describe, expect, it, vi } from "vitest";
import { App } from "../App";
import { RouterProvider } from "../router";
import { jsonResponse, problem, problemResponse } from "../test/fixtures";
import { constraints, operationAnchor, readApiDoc } from "../lib/openapi";

// The server's committed OpenAPI snapshot (Vitest runs in frontend/).
const DOC: unknown = JSON.parse(readFileSync(resolve(process.cwd(), "../openapi/openapi.json"), "utf8"));

function renderDocs() {
  vi.stubGlobal("fetch", async (input: string) => {
    const path = new URL(input, "http://localhost").pathname;
    if (path === "/api/v1/openapi.json") return jsonResponse(DOC);
    if (path === "/api/v1/instance") {
      return jsonResponse({ name: "Harbour Fund", github_sign_in: false, mail_delivery: false });
    }
    return problemResponse(problem(401, "invalid_refresh_token", "Unauthorized"));
  });
  window.history.replaceState(null, "", "/api/v1/docs/");
  return render(
    <RouterProvider>
      <App />
    </RouterProvider>,
  );
}

describe("readApiDoc", () => {
  it("groups every operation of the document by tag", () => {
    const doc = readApiDoc(DOC);
    const raw = DOC as { paths: Record<string, Record<string, unknown>> };
    const count = Object.values(raw.paths).reduce(
      (n, item) => n + ["get", "post", "put", "patch", "delete"].filter((m) => m in item).length,
      0,
    );
    expect(doc.groups.flatMap((g) => g.operations)).toHaveLength(count);
    expect(doc.groups.map((g) => g.name)).toContain("projects");
    const list = doc.groups.flatMap((g) => g.operations).find((o) => o.id === "get-api-v1-projects")!;
    expect(list.method).toBe("GET");
    expect(list.bearer).toBe(false);
    expect(list.parameters.map((p) => p.name)).toEqual(["q", "kind", "sort", "limit", "cursor", "include_archived"]);
    const create = doc.groups.flatMap((g) => g.operations).find((o) => o.id === "post-api-v1-projects")!;
    expect(create.bearer).toBe(true);
    expect(create.requestBody?.schema.$ref).toBe("#/components/schemas/CreateProject");
    expect(doc.schemas.map(([n]) => n)).toContain("Problem");
  });

  it("refuses what is not an OpenAPI document", () => {
    expect(() => readApiDoc({ hello: "world" })).toThrow();
    expect(() => readApiDoc(null)).toThrow();
  });

  it("words constraints and builds anchors", () => {
    expect(constraints({ minLength: 1, maxLength: 80 })).toEqual(["1–80 characters"]);
    expect(constraints({ minimum: 1, maximum: 100 })).toEqual(["1 to 100"]);
    expect(operationAnchor("get", "/api/v1/projects/{slug}")).toBe("get-api-v1-projects-slug");
  });
});

describe("API documentation page", () => {
  it("has the site's name, a way home, how to use a token, and every operation", async () => {
    renderDocs();
    const main = screen.getByRole("main");
    expect(await within(main).findByRole("heading", { level: 1, name: "API documentation" })).toBeTruthy();
    // The whole real document: slow in jsdom on a busy machine.
    const ops = await screen.findAllByTestId("api-operation", {}, { timeout: 20_000 });
    expect(ops.length).toBe(readApiDoc(DOC).groups.flatMap((g) => g.operations).length);

    expect(await screen.findByRole("link", { name: "← Back to Harbour Fund" })).toBeTruthy();
    expect(screen.getByTestId("back-link").getAttribute("href")).toBe("/");
    const auth = screen.getByTestId("api-auth");
    expect(within(auth).getByRole("heading").textContent).toBe("How to authenticate with an API token");
    expect(auth.textContent).toContain("Authorization: Bearer");
    expect(within(auth).getByRole("link", { name: "Settings" }).getAttribute("href")).toBe("/settings");
    expect(screen.getByTestId("api-openapi-link").getAttribute("href")).toBe("/api/v1/openapi.json");

    const getProject = document.getElementById("get-api-v1-projects-slug")!;
    expect(within(getProject).getByRole("heading", { level: 3 }).textContent).toBe(
      "GET /api/v1/projects/{slug}",
    );
    expect(within(getProject).getByRole("link", { name: "Project" }).getAttribute("href")).toBe(
      "#schema-Project",
    );
    expect(document.getElementById("schema-Project")).not.toBeNull();
    expect(document.title).toBe("API documentation · Harbour Fund");
  }, 30_000);
});
