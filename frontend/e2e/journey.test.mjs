// Browser journey against a real `openfund serve` with the demo data.
// Run `npm run build` first: the server serves frontend/dist.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { watchPage } from "./checks.mjs";
import { ensureDirFor, launchBrowser, SCREENSHOT_PATH, startServer } from "./harness.mjs";

const PROJECT_KINDS = ["model", "dataset", "library", "tool", "other"];
const PROJECT_FIELDS = [
  "archived_at",
  "auto_approve_sponsors",
  "contact_email",
  "contact_name",
  "count_bots",
  "created_at",
  "currency",
  "description",
  "homepage",
  "id",
  "kind",
  "license",
  "model_card_url",
  "name",
  "repository_url",
  "slug",
  "summary",
  "updated_at",
];
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/** Checks one Project against the contract; returns a list of differences. */
function projectShapeErrors(p, where) {
  const errors = [];
  if (typeof p !== "object" || p === null) return [`${where}: not an object`];
  const extra = Object.keys(p).filter((k) => !PROJECT_FIELDS.includes(k));
  const missing = PROJECT_FIELDS.filter((k) => !(k in p));
  if (missing.length) errors.push(`${where}: missing ${missing.join(", ")}`);
  if (extra.length) errors.push(`${where}: unexpected ${extra.join(", ")}`);
  if (!Number.isInteger(p.id)) errors.push(`${where}.id: ${JSON.stringify(p.id)} is not an integer`);
  for (const k of ["slug", "name", "summary"]) {
    if (typeof p[k] !== "string") errors.push(`${where}.${k}: not a string`);
  }
  if (!PROJECT_KINDS.includes(p.kind)) errors.push(`${where}.kind: ${JSON.stringify(p.kind)}`);
  if (typeof p.count_bots !== "boolean") errors.push(`${where}.count_bots: not a boolean`);
  if (p.homepage !== null && typeof p.homepage !== "string") {
    errors.push(`${where}.homepage: ${JSON.stringify(p.homepage)} is not string|null`);
  }
  if (typeof p.currency !== "string" || !/^[A-Z]{3}$/.test(p.currency)) {
    errors.push(`${where}.currency: ${JSON.stringify(p.currency)} is not an ISO 4217 code`);
  }
  if (typeof p.created_at !== "string" || !RFC3339.test(p.created_at)) {
    errors.push(`${where}.created_at: ${JSON.stringify(p.created_at)} is not RFC 3339`);
  }
  return errors;
}

describe("OpenFund web journey", () => {
  let server;
  let browser;
  let page;
  let w;
  let projects = [];

  before(async () => {
    server = await startServer();
    browser = await launchBrowser();
    w = await watchPage(browser.context, server.baseUrl);
    page = w.page;
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  test("API lists the demo projects in the contract's shape", async () => {
    const res = await fetch(`${server.baseUrl}/api/v1/projects?limit=20`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get("content-type") ?? "", /application\/json/);
    const body = await res.json();
    assert.deepEqual(Object.keys(body).sort(), ["items", "kinds", "next_cursor", "total"]);
    assert.ok(Number.isInteger(body.total), "total is an integer");
    assert.equal(
      body.kinds.reduce((sum, k) => sum + k.count, 0),
      body.total,
      "the kind counts add up to the total",
    );
    assert.ok(Array.isArray(body.items), "items is an array");
    const errors = body.items.flatMap((p, i) => projectShapeErrors(p, `items[${i}]`));
    assert.deepEqual(errors, [], "projects match the contract");
    assert.ok(body.items.length >= 3, `demo has at least 3 projects (got ${body.items.length})`);
    const times = body.items.map((p) => Date.parse(p.created_at));
    assert.deepEqual(times, [...times].sort((a, b) => b - a), "newest first");
    projects = body.items;
  });

  test("home page lists the demo projects as cards", async () => {
    assert.ok(projects.length >= 3, "needs the API test's projects");
    await page.goto(`${server.baseUrl}/`);
    await page.getByTestId("project-card").first().waitFor();
    const cards = page.getByTestId("project-card");
    assert.ok((await cards.count()) >= 3);
    const names = await page.getByTestId("project-card-link").allTextContents();
    assert.deepEqual(names, projects.map((p) => p.name));
    const h1 = await page.getByRole("heading", { level: 1 }).textContent();
    assert.match(h1, /Fund open AI/);
    assert.equal(await page.getByTestId("brand").textContent(), "OpenFund");
    assert.equal(await page.title(), "OpenFund");
    await w.audit("home");

    ensureDirFor(SCREENSHOT_PATH);
    await page.screenshot({ path: SCREENSHOT_PATH, fullPage: true });
  });

  test("clicking a project card opens its project page", async () => {
    const target = projects[0];
    await page.getByTestId("project-card-link").first().click();
    await page.waitForURL(`${server.baseUrl}/projects/${encodeURIComponent(target.slug)}`);
    const heading = page.getByRole("heading", { level: 1 });
    await heading.waitFor();
    assert.equal(await page.getByTestId("project-name").textContent(), target.name);
    assert.equal(await heading.textContent(), target.name);
    assert.equal(await page.getByTestId("project-summary").textContent(), target.summary);
    assert.equal(await page.title(), `${target.name} · OpenFund`);
    await w.audit("project page");

    // A reload of the deep link is served by the server (SPA fallback).
    await page.reload();
    await page.getByTestId("project-name").waitFor();
    assert.equal(await page.getByTestId("project-name").textContent(), target.name);

    await page.getByTestId("back-link").click();
    await page.waitForURL(`${server.baseUrl}/`);
    await page.getByTestId("project-card").first().waitFor();
  });

  test("a missing project shows the not-found state", async () => {
    const api = await fetch(`${server.baseUrl}/api/v1/projects/does-not-exist`);
    assert.equal(api.status, 404);
    assert.match(api.headers.get("content-type") ?? "", /application\/problem\+json/);
    const problem = await api.json();
    assert.equal(problem.code, "not_found");
    assert.equal(problem.status, 404);
    assert.equal(typeof problem.title, "string");
    assert.equal(typeof problem.type, "string");

    const res = await page.goto(`${server.baseUrl}/projects/does-not-exist`);
    assert.equal(res?.status(), 404, "the server knows there is no such project");
    const notFound = page.getByTestId("project-not-found");
    await notFound.waitFor();
    assert.equal(
      await notFound.getByRole("heading", { level: 1 }).textContent(),
      "Project not found",
    );
    await w.audit("missing project");
  });

  test("an unknown client route shows the not-found page", async () => {
    const res = await page.goto(`${server.baseUrl}/no/such/page`);
    assert.equal(res?.status(), 404, "the server answers 404 for paths that are no page");
    await page.getByTestId("page-not-found").waitFor();
    assert.equal(
      await page.getByRole("heading", { level: 1 }).textContent(),
      "Page not found",
    );
    await w.audit("unknown page");
  });

  test("footer links to the API docs and the OpenAPI document", async () => {
    await page.goto(`${server.baseUrl}/`);
    const docsHref = await page.getByTestId("footer-api-docs").getAttribute("href");
    const specHref = await page.getByTestId("footer-openapi").getAttribute("href");
    assert.equal(docsHref, "/api/v1/docs/");
    assert.equal(specHref, "/api/v1/openapi.json");

    const docs = await fetch(server.baseUrl + docsHref);
    assert.equal(docs.status, 200, "GET /api/v1/docs/");
    const spec = await fetch(server.baseUrl + specHref);
    assert.equal(spec.status, 200, "GET /api/v1/openapi.json");
    const doc = await spec.json();
    assert.match(String(doc.openapi), /^3\.1/);
    for (const name of ["Project", "ProjectKind", "ProjectList", "Problem"]) {
      assert.ok(doc.components?.schemas?.[name], `components.schemas.${name} is served`);
    }
    for (const path of ["/api/v1/projects", "/api/v1/projects/{slug}"]) {
      assert.ok(doc.paths?.[path]?.get, `GET ${path} is documented`);
    }
  });

  test("the API documentation has the site's name, a way home and how to use a token", async () => {
    await page.goto(`${server.baseUrl}/`);
    await page.getByTestId("footer-api-docs").click();
    await page.waitForURL(`${server.baseUrl}/api/v1/docs/`);
    await page.getByTestId("api-operation").first().waitFor();
    assert.equal(await page.title(), "API documentation · OpenFund");
    assert.equal(await page.getByTestId("brand").textContent(), "OpenFund");
    const auth = page.getByTestId("api-auth");
    assert.equal(
      await auth.getByRole("heading").textContent(),
      "How to authenticate with an API token",
    );
    assert.match(await auth.textContent(), /Authorization: Bearer/);
    const operations = await page.getByTestId("api-operation").count();
    const doc = await (await fetch(`${server.baseUrl}/api/v1/openapi.json`)).json();
    const expected = Object.values(doc.paths).reduce(
      (n, item) => n + ["get", "post", "put", "patch", "delete"].filter((m) => item[m]).length,
      0,
    );
    assert.equal(operations, expected, "every operation is listed");
    await w.audit("API documentation");
    await page.getByTestId("back-link").click();
    await page.waitForURL(`${server.baseUrl}/`);
  });

  test("no CSP violations, no uncaught errors, every visited page audited", () => {
    w.assertClean();
  });
});
