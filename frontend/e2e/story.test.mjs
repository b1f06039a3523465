// Issue 7's acceptance story in one flow, against a real `openfund serve` with the demo
// data, every step in the browser: the demo maintainer lists a new project and posts a
// mixed money + compute goal in the console; the demo sponsor pledges money and compute
// toward it; the maintainer confirms the money arrived, uploads the cluster's Slurm
// accounting, previews and records it; the public goal's bars and the public ledger
// change, and the ledger's CSV downloads with both transactions. The project is new, so
// the story holds on a database the other files share (PostgreSQL). Run `npm run build`
// first.
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { readFile } from "node:fs/promises";
import { after, before, describe, test } from "node:test";
import { DESKTOP, watchPage } from "./checks.mjs";
import { launchBrowser, startServer, DEMO_ACCOUNTS } from "./harness.mjs";

const { ADMIN, SPONSOR, MAINTAINER } = DEMO_ACCOUNTS;

const SLUG = `story-${randomUUID().slice(0, 8)}`;
const NAME = "Story LM";
const CLASS = "H100-80GB";
const GOAL_TITLE = "Train the first checkpoint";

// Two H100s for an hour: 120 GPU-minutes, 2 GPU-hours (its batch step never counts).
const SACCT = [
  "7001|2026-11-10T08:00:00|2026-11-10T09:00:00|3600|billing=16,cpu=16,gres/gpu:h100=2,gres/gpu=2,mem=128G,node=1|COMPLETED",
  "7001.batch|2026-11-10T08:00:00|2026-11-10T09:00:00|3600|cpu=16,gres/gpu:h100=2,gres/gpu=2,mem=128G,node=1|COMPLETED",
].join("\n");

describe("OpenFund story: a project, a mixed goal, money and compute, the public ledger", () => {
  let server;
  let browser;
  let w;
  let page;
  let goalId;
  let moneyPledgeId;
  let computePledgeId;

  before(async () => {
    server = await startServer();
    browser = await launchBrowser();
    w = await watchPage(browser.context, server.baseUrl);
    page = w.page;
    await page.setViewportSize(DESKTOP);
    // The catalogue is the site admin's; the demo data may already have the class.
    const login = await fetch(`${server.baseUrl}/api/v1/auth/login`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(ADMIN),
    });
    assert.equal(login.status, 200);
    const { access_token: admin } = await login.json();
    const created = await fetch(`${server.baseUrl}/api/v1/accelerators`, {
      method: "POST",
      headers: { "Content-Type": "application/json", Authorization: `Bearer ${admin}` },
      body: JSON.stringify({ code: CLASS, display_name: "NVIDIA H100 80GB" }),
    });
    assert.ok([201, 409].includes(created.status), `POST /api/v1/accelerators → ${created.status}`);
  });

  after(async () => {
    if (process.env.E2E_SERVER_LOGS && server) console.log(server.logs());
    await browser?.close();
    await server?.stop();
  });

  /** Audits from the top of the page: the sticky header must not cover what axe measures. */
  async function audit(label) {
    await page.evaluate(() => window.scrollTo(0, 0));
    await w.audit(label);
  }

  async function logIn(who) {
    await page.goto(`${server.baseUrl}/login`);
    await page.getByTestId("login-page").waitFor();
    await audit("login");
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
    await audit("signed out");
  }

  async function receiptId() {
    await page.getByTestId("pledge-receipt").waitFor();
    const m = (await page.getByTestId("receipt-reference").textContent()).match(/^pledge #(\d+)$/);
    assert.ok(m);
    return Number(m[1]);
  }

  test("the maintainer lists a project and posts a mixed goal", async () => {
    await logIn(MAINTAINER);
    await page.goto(`${server.baseUrl}/new-project`);
    const form = page.getByTestId("project-form");
    await form.waitFor();
    await audit("new project");
    await form.getByLabel("Address", { exact: true }).fill(SLUG);
    await form.getByLabel("Name", { exact: true }).fill(NAME);
    await form.getByRole("button", { name: "Create project" }).click();
    await page.waitForURL(`${server.baseUrl}/projects/${SLUG}`);
    await page.getByRole("heading", { name: NAME }).waitFor();
    await audit("the new project");

    await page.goto(`${server.baseUrl}/projects/${SLUG}/manage?section=goals`);
    const goal = page.getByTestId("goal-form");
    await goal.waitFor();
    await audit("console: goals");
    await goal.getByLabel("Title").fill(GOAL_TITLE);
    await goal.getByLabel(/^Money target/).fill("100");
    await goal.getByTestId("add-compute-target").click();
    const row = goal.getByTestId("compute-target");
    await row.getByTestId("target-accelerator").selectOption(CLASS);
    await row.getByLabel("GPU-hours").fill("10");
    await page.getByTestId("goal-form-submit").click();
    const posted = page.getByTestId("goal-posted");
    await posted.waitFor();
    goalId = Number((await posted.textContent()).match(/Goal #(\d+)/)[1]);
    await logOut();
  });

  test("a sponsor pledges money and compute toward the goal", async () => {
    await logIn(SPONSOR);
    await page.goto(`${server.baseUrl}/projects/${SLUG}/goals/${goalId}`);
    await page.getByTestId("goal-page").waitFor();
    await audit("goal page");
    await page.getByTestId("goal-pledge-money").click();
    const money = page.getByTestId("pledge-form");
    await money.waitFor();
    await audit("money pledge form");
    await page.getByLabel("Amount (USD)").fill("40");
    assert.equal(await page.getByLabel("Counts toward a goal (optional)").inputValue(), String(goalId));
    await page.getByTestId("pledge-review").click();
    await page.getByTestId("pledge-review-step").waitFor();
    await page.getByTestId("pledge-submit").click();
    moneyPledgeId = await receiptId();
    await audit("money pledge receipt");

    await page.goto(`${server.baseUrl}/projects/${SLUG}/goals/${goalId}`);
    await page.getByTestId("goal-pledge-compute").click();
    const compute = page.getByTestId("compute-pledge-form");
    await compute.waitFor();
    await audit("compute pledge form");
    await compute.getByLabel("Accelerator class").selectOption(CLASS);
    await compute.getByLabel("GPU-hours", { exact: true }).fill("5");
    await compute.getByLabel("Last day").fill(`${new Date().getUTCFullYear() + 1}-06-30`);
    await page.getByTestId("pledge-review").click();
    await page.getByTestId("pledge-review-step").waitFor();
    await page.getByTestId("pledge-submit").click();
    computePledgeId = await receiptId();
    await audit("compute pledge receipt");
    await logOut();
  });

  test("the maintainer confirms the money and records the cluster's Slurm accounting", async () => {
    await logIn(MAINTAINER);
    await page.goto(`${server.baseUrl}/projects/${SLUG}/manage`);
    const pending = page.locator(`[data-testid="pending-pledge"][data-id="${moneyPledgeId}"]`);
    await pending.waitFor();
    await audit("console: pledges");
    await pending.getByTestId("confirm-pledge").click();
    await page.getByTestId("pledge-confirmed").filter({ hasText: `#${moneyPledgeId}` }).waitFor();

    await page.getByTestId("section-slurm").click();
    const form = page.getByTestId("slurm-form");
    await form.waitFor();
    await page.getByTestId("slurm-pledge").selectOption(String(computePledgeId));
    const types = page.getByTestId("slurm-types");
    await types.getByLabel("Slurm type").fill("h100");
    await types.getByTestId("slurm-type-class").selectOption(CLASS);
    await types.getByTestId("slurm-type-save").click();
    await types.locator('[data-testid="slurm-type"][data-type="h100"]').waitFor();
    await form.getByLabel("sacct output").fill(SACCT);
    await page.getByTestId("slurm-preview-button").click();
    const preview = page.getByTestId("slurm-preview");
    await preview.waitFor();
    assert.equal(await preview.getByTestId("slurm-preview-total").textContent(), `2 GPU-h ${CLASS}`);
    await audit("console: Slurm preview");
    await preview.getByTestId("slurm-confirm").click();
    await page.getByTestId("slurm-recorded").waitFor();
    await logOut();
  });

  test("the public goal's bars and ledger changed, and the CSV downloads", async () => {
    await page.goto(`${server.baseUrl}/projects/${SLUG}`);
    const goal = page.locator(`[data-testid="goal"][data-id="${goalId}"]`);
    await goal.waitFor();
    await audit("project page after the story");
    const bar = (part) => goal.getByTestId(part).getByRole("progressbar");
    // 4,000 of 10,000 minor units received; 120 of 600 GPU-minutes delivered (300 pledged).
    assert.equal(await bar("progress-money-pledged").getAttribute("aria-valuenow"), "40");
    assert.equal(await bar("progress-money-received").getAttribute("aria-valuenow"), "40");
    assert.equal(await bar("progress-compute-pledged").getAttribute("aria-valuenow"), "50");
    assert.equal(await bar("progress-compute-delivered").getAttribute("aria-valuenow"), "20");

    await page.goto(`${server.baseUrl}/projects/${SLUG}/ledger`);
    const rows = page.getByTestId("ledger-row");
    await rows.first().waitFor();
    await audit("public ledger after the story");
    const kinds = await rows.evaluateAll((els) => els.map((e) => e.dataset.kind));
    for (const kind of ["receipt", "delivery"]) assert.ok(kinds.includes(kind), `${kind} in ${kinds}`);

    const [download] = await Promise.all([
      page.waitForEvent("download"),
      page.getByTestId("download-csv").click(),
    ]);
    const csv = await readFile(await download.path(), "utf8");
    const lines = csv.trim().split(/\r?\n/).slice(1);
    assert.ok(lines.some((l) => l.includes(",receipt,") && l.includes(",USD,40.00,4000")), csv);
    assert.ok(lines.some((l) => l.includes(",delivery,") && l.includes(`,GPU:${CLASS},120,120`)), csv);
  });

  test("no CSP violations, no uncaught errors, every visited page audited", () => {
    w.assertClean();
  });
});
