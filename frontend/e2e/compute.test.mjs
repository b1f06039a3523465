// Goals, compute pledges and the sponsor wall end to end, against a real `openfund
// serve` with the demo data. Set up through the API: an admin adds an accelerator class
// to the catalogue, the demo maintainer posts a mixed goal (money and H100 hours) on
// TinyStories LM and values an H100 hour, so the goal has a combined figure. Then, in
// the browser: the demo sponsor sets a sponsor profile (a `javascript:` link refused
// under the field), pledges compute toward the goal through the form (hours that are not
// whole minutes refused), finds it in "My pledges" and reports a delivery; once the
// maintainer approves the sponsor, a visitor sees the goal's progress bars and the
// sponsor on the wall, linked with rel="sponsored nofollow noopener" and with a logo the
// page's CSP lets load. Run `npm run build` first.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { DESKTOP, PHONE, watchPage } from "./checks.mjs";
import { launchBrowser, startServer, DEMO_ACCOUNTS } from "./harness.mjs";

const { ADMIN, SPONSOR, MAINTAINER } = DEMO_ACCOUNTS;

// Demo accounts and project (src/demo.rs).
// FlashKernels, not TinyStories LM: the console test expects the demo sponsor still
// waiting for approval there, and on PostgreSQL every e2e file shares one database.
const SLUG = "flashkernels";
const CLASS = "H100-80GB";
const GOAL_TITLE = "Train the 110M checkpoint";
const PUBLIC_NAME = "Amber Lantern Compute";
const SPONSOR_URL = "https://amber-lantern.example/";
// Served by a route handler below (no network): an https logo the CSP must allow.
const LOGO_URL = "https://logos.example/amber-lantern.svg";
const LOGO_SVG =
  '<svg xmlns="http://www.w3.org/2000/svg" width="48" height="48"><rect width="48" height="48" fill="#f59e0b"/></svg>';

describe("OpenFund compute: goals, a compute pledge and its delivery, the sponsor wall", () => {
  let server;
  let browser;
  let w;
  let page;
  let goalId;
  let pledgeId;
  let sponsorId;
  let sponsorToken;

  async function api(method, path, { token, body } = {}) {
    const res = await fetch(`${server.baseUrl}${path}`, {
      method,
      headers: {
        Accept: "application/json",
        ...(body ? { "Content-Type": "application/json" } : {}),
        ...(token ? { Authorization: `Bearer ${token}` } : {}),
      },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    assert.ok(res.ok, `${method} ${path} → ${res.status}: ${text}`);
    return text ? JSON.parse(text) : null;
  }

  async function apiLogin(who) {
    return api("POST", "/api/v1/auth/login", { body: who });
  }

  before(async () => {
    server = await startServer();
    browser = await launchBrowser();
    await browser.context.route(LOGO_URL, (route) =>
      route.fulfill({ status: 200, contentType: "image/svg+xml", body: LOGO_SVG }),
    );
    w = await watchPage(browser.context, server.baseUrl);
    page = w.page;
    await page.setViewportSize(DESKTOP);

    const admin = await apiLogin(ADMIN);
    // The catalogue is the site admin's; the demo data may already have the class.
    const created = await fetch(`${server.baseUrl}/api/v1/accelerators`, {
      method: "POST",
      headers: { "Content-Type": "application/json", Authorization: `Bearer ${admin.access_token}` },
      body: JSON.stringify({ code: CLASS, display_name: "NVIDIA H100 80GB" }),
    });
    assert.ok([201, 409].includes(created.status), `POST /api/v1/accelerators → ${created.status}`);
    const maintainer = await apiLogin(MAINTAINER);
    const project = await api("GET", `/api/v1/projects/${SLUG}`);
    // One H100 hour is worth 2.00 of the project's currency: the goal gets a combined figure.
    await api("PUT", `/api/v1/projects/${SLUG}/accelerator-values/${CLASS}`, {
      token: maintainer.access_token,
      body: { value_per_gpu_hour: { currency: project.currency, amount_minor: 200 } },
    });
    const goal = await api("POST", `/api/v1/projects/${SLUG}/goals`, {
      token: maintainer.access_token,
      body: {
        title: GOAL_TITLE,
        description: "Pretraining on **TinyStories v2**: money for storage, GPU-hours for the run.",
        money_target: { currency: project.currency, amount_minor: 500_000 },
        compute_targets: [{ accelerator: CLASS, gpu_minutes: 60_000 }],
      },
    });
    goalId = goal.id;
    const sponsor = await apiLogin(SPONSOR);
    sponsorId = sponsor.account.id;
    sponsorToken = sponsor.access_token;
  });

  after(async () => {
    if (process.env.E2E_SERVER_LOGS && server) console.log(server.logs());
    await browser?.close();
    await server?.stop();
  });

  async function logIn(who) {
    await page.goto(`${server.baseUrl}/login`);
    await page.getByTestId("login-page").waitFor();
    await w.audit("login");
    const form = page.getByRole("form", { name: "Log in" });
    await form.getByLabel("Email").fill(who.email);
    await form.getByLabel("Password").fill(who.password);
    await form.getByRole("button", { name: "Log in" }).click();
    await page.getByTestId("user-name").waitFor();
  }

  async function logOut() {
    await page.getByTestId("user-menu-button").click();
    await page.getByTestId("menu-logout").click();
    await page.getByTestId("nav-login").waitFor();
    await w.audit("signed out");
  }

  test("the sponsor sets a public profile; a javascript: link is refused under its field", async () => {
    await logIn(SPONSOR);
    await page.goto(`${server.baseUrl}/settings#sponsor-profile`);
    const form = page.getByTestId("sponsor-profile-form");
    await form.waitFor();
    await form.getByLabel("Public name").fill(PUBLIC_NAME);
    await form.getByLabel("Link (optional)").fill("javascript:alert(1)");
    await form.getByTestId("sponsor-profile-save").click();
    const error = form.getByTestId("error-url");
    await error.waitFor();
    assert.match(await error.textContent(), /http\(s\) link/);
    await w.audit("settings: sponsor profile refused");
    await form.getByLabel("Link (optional)").fill(SPONSOR_URL);
    await form.getByLabel("Logo address (optional)").fill(LOGO_URL);
    await form.getByTestId("sponsor-profile-save").click();
    await form.getByTestId("sponsor-profile-saved").waitFor();
    const saved = await api("GET", "/api/v1/me/sponsor-profile", { token: sponsorToken });
    assert.equal(saved.url, SPONSOR_URL);
    assert.equal(saved.logo_url, LOGO_URL);
  });

  test("the sponsor pledges compute toward the goal and reports a delivery", async () => {
    await page.goto(`${server.baseUrl}/projects/${SLUG}/goals/${goalId}`);
    await page.getByTestId("goal-page").waitFor();
    await w.audit("goal page");
    await page.getByTestId("goal-pledge-compute").click();
    await page.waitForURL(`${server.baseUrl}/projects/${SLUG}/pledge?goal=${goalId}&kind=compute`);
    const form = page.getByTestId("compute-pledge-form");
    await form.waitFor();
    await w.audit("compute pledge form");

    const end = `${new Date().getUTCFullYear() + 1}-06-30`;
    await form.getByLabel("Accelerator class").selectOption(CLASS);
    await form.getByLabel("GPU-hours", { exact: true }).fill("0.01");
    await form.getByLabel("Last day").fill(end);
    await form.getByLabel("Provider (optional)").fill("Amber Lantern Cloud");
    await page.getByTestId("pledge-review").click();
    await form.getByTestId("error-hours").waitFor();
    assert.match(await form.getByTestId("error-hours").textContent(), /0\.05 hours/);
    await w.audit("compute pledge form with a field error");
    await form.getByLabel("GPU-hours", { exact: true }).fill("12.5");
    assert.equal(await form.getByLabel("Counts toward a goal (optional)").inputValue(), String(goalId));
    await page.getByTestId("pledge-review").click();

    await page.getByTestId("pledge-review-step").waitFor();
    assert.match(await page.getByTestId("review-compute").textContent(), /12\.5 GPU-h .*\(750 GPU-minutes\)/);
    assert.equal(await page.getByTestId("review-goal").textContent(), GOAL_TITLE);
    await w.audit("compute pledge review");
    await page.getByTestId("pledge-submit").click();
    await page.getByTestId("pledge-receipt").waitFor();
    await w.audit("compute pledge receipt");
    const m = (await page.getByTestId("receipt-reference").textContent()).match(/^pledge #(\d+)$/);
    assert.ok(m);
    pledgeId = Number(m[1]);
    assert.equal(await page.getByTestId("receipt-compute").textContent(), `12.5 GPU-h ${CLASS}`);

    await page.getByTestId("receipt-my-pledges").click();
    await page.waitForURL(`${server.baseUrl}/me/pledges`);
    const row = page.locator(`[data-testid="my-pledge"][data-id="${pledgeId}"]`);
    await row.waitFor();
    assert.equal(await row.getAttribute("data-kind"), "compute");
    assert.equal(await row.getByTestId("my-pledge-amount").textContent(), `12.5 GPU-h ${CLASS}`);
    await row.getByTestId("my-pledge-delivered").waitFor();
    assert.equal(await row.getByTestId("my-pledge-delivered").textContent(), "0 of 12.5 GPU-h");
    await w.audit("my pledges with a compute pledge");

    await row.getByTestId("pledge-deliveries").click();
    const panel = page.getByTestId("delivery-panel");
    await panel.waitFor();
    await panel.getByTestId("no-deliveries").waitFor();
    await panel.getByLabel("GPU-hours delivered").fill("1.5");
    await panel.getByLabel("Evidence").fill("https://amber-lantern.example/usage/2026-11");
    await panel.getByTestId("report-delivery-submit").click();
    await panel.getByTestId("delivery-reported").waitFor();
    const report = panel.getByTestId("delivery");
    await report.waitFor();
    assert.equal(await report.getAttribute("data-state"), "reported");
    assert.match(await report.getByTestId("delivery-amount").textContent(), /^1\.5 GPU-h/);
    assert.match(await row.getByTestId("my-pledge-pending").textContent(), /1\.5 GPU-h waiting/);
    await w.audit("my pledges: a delivery reported");
    await page.setViewportSize(PHONE);
    await w.audit("my pledges: deliveries on a phone");
    await page.setViewportSize(DESKTOP);

    const list = await api("GET", `/api/v1/pledges/${pledgeId}/deliveries`, { token: sponsorToken });
    assert.equal(list.pending_gpu_minutes, 90);
    assert.equal(list.pledge.compute.gpu_minutes, 750);
    assert.equal(list.pledge.goal_id, goalId);
    await logOut();
  });

  test("a visitor sees the goal's progress bars and the approved sponsor on the wall", async () => {
    const maintainer = await apiLogin(MAINTAINER);
    await api("POST", `/api/v1/projects/${SLUG}/sponsors/${sponsorId}/approve`, {
      token: maintainer.access_token,
    });

    await page.goto(`${server.baseUrl}/projects/${SLUG}`);
    const goal = page.locator(`[data-testid="goal"][data-id="${goalId}"]`);
    await goal.waitFor();
    // Open goals come first.
    assert.equal(await page.getByTestId("goal").first().getAttribute("data-status"), "open");
    const compute = goal.getByTestId("goal-compute");
    const pledged = compute.getByTestId("progress-compute-pledged").getByRole("progressbar");
    // 750 of 60,000 GPU-minutes = 125 basis points.
    assert.equal(await pledged.getAttribute("aria-valuenow"), "1.25");
    assert.equal(
      await pledged.getAttribute("aria-valuetext"),
      "12.5 GPU-h of 1,000 GPU-h pledged, 1.25%",
    );
    const delivered = compute.getByTestId("progress-compute-delivered").getByRole("progressbar");
    assert.equal(await delivered.getAttribute("aria-valuenow"), "0");
    await goal.getByTestId("goal-money").waitFor();
    await goal.getByTestId("goal-combined").waitFor();
    assert.equal(await goal.getByRole("progressbar").count(), 6);

    const card = page.getByTestId("sponsor").filter({ hasText: PUBLIC_NAME });
    await card.waitFor();
    const link = card.getByTestId("sponsor-link");
    assert.equal(await link.getAttribute("href"), SPONSOR_URL);
    assert.equal(await link.getAttribute("rel"), "sponsored nofollow noopener");
    const logo = card.getByRole("img", { name: `${PUBLIC_NAME} logo` });
    await logo.waitFor();
    // The logo loads lazily: bring it on screen, then it must load (CSP img-src https:).
    await logo.scrollIntoViewIfNeeded();
    await page.waitForFunction(
      (src) => [...document.images].some((i) => i.src === src && i.complete && i.naturalWidth > 0),
      LOGO_URL,
    );
    for (const rel of await page.getByTestId("sponsor-link").evaluateAll((as) => as.map((a) => a.rel))) {
      assert.equal(rel, "sponsored nofollow noopener");
    }
    await w.audit("project page with goals and sponsors");
    await page.setViewportSize(PHONE);
    await w.audit("project page with goals and sponsors on a phone");
    await page.setViewportSize(DESKTOP);
  });

  test("no CSP violations, no uncaught errors, every visited page audited", () => {
    w.assertClean();
  });
});
