// The maintainer console's compute side end to end, against a real `openfund serve`
// with the demo data: the demo maintainer posts a mixed money + compute goal for
// TinyStories LM in the console; the demo sponsor (through the API) pledges compute
// toward it; the maintainer maps the cluster's Slurm GPU type, uploads sacct output,
// sees its bad lines by number, then the per-class preview, confirms it, and the goal's
// delivered compute changes; finally the maintainer approves the waiting sponsor, who
// then appears on the public sponsor wall. Run `npm run build` first.
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, describe, test } from "node:test";
import { DESKTOP, watchPage } from "./checks.mjs";
import { launchBrowser, startServer, DEMO_ACCOUNTS } from "./harness.mjs";

const { ADMIN, SPONSOR, MAINTAINER } = DEMO_ACCOUNTS;

// Demo accounts and project (src/demo.rs).
const SLUG = "tinystories-lm";
const CLASS = "H100-80GB";
const GOAL_TITLE = `Pretrain the 1B model ${randomUUID().slice(0, 8)}`;

// Two H100s for an hour (120 GPU-minutes = 2 GPU-hours); its batch step never counts;
// a job still running is left for a later upload.
const SACCT = [
  "4001|2026-11-10T08:00:00|2026-11-10T09:00:00|3600|billing=16,cpu=16,gres/gpu:h100=2,gres/gpu=2,mem=128G,node=1|COMPLETED",
  "4001.batch|2026-11-10T08:00:00|2026-11-10T09:00:00|3600|cpu=16,gres/gpu:h100=2,gres/gpu=2,mem=128G,node=1|COMPLETED",
  "4002|2026-11-10T09:00:00|Unknown|1200|billing=8,cpu=8,gres/gpu:h100=1,gres/gpu=1,mem=64G,node=1|RUNNING",
].join("\n");

describe("OpenFund console: a mixed goal, a Slurm upload toward it, sponsor approval", () => {
  let server;
  let browser;
  let w;
  let page;
  let goalId;
  let pledgeId;
  let sponsorName;
  let sponsorId;

  async function api(method, path, { token, body, headers = {} } = {}) {
    const res = await fetch(`${server.baseUrl}${path}`, {
      method,
      headers: {
        Accept: "application/json",
        ...(body ? { "Content-Type": "application/json" } : {}),
        ...(token ? { Authorization: `Bearer ${token}` } : {}),
        ...headers,
      },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null };
  }

  async function tokenOf(who) {
    const res = await api("POST", "/api/v1/auth/login", { body: who });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body.access_token;
  }

  before(async () => {
    server = await startServer();
    browser = await launchBrowser();
    w = await watchPage(browser.context, server.baseUrl);
    page = w.page;
    await page.setViewportSize(DESKTOP);
    // The catalogue is the site admin's: make sure the class exists.
    const admin = await tokenOf(ADMIN);
    const created = await api("POST", "/api/v1/accelerators", {
      token: admin,
      body: { code: CLASS, display_name: "NVIDIA H100 80GB" },
    });
    assert.ok([201, 409].includes(created.status), JSON.stringify(created.body));
  });

  after(async () => {
    if (process.env.E2E_SERVER_LOGS && server) console.log(server.logs());
    await browser?.close();
    await server?.stop();
  });

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

  async function section(id) {
    await page.getByTestId(`section-${id}`).click();
    await page.getByTestId(`manage-${id}`).waitFor();
  }

  /** Audits from the top of the page: the sticky header must not cover what axe measures. */
  async function audit(label) {
    await page.evaluate(() => window.scrollTo(0, 0));
    await w.audit(label);
  }

  function goalCard() {
    return page.locator(`[data-testid="console-goal"][data-id="${goalId}"]`);
  }

  test("the maintainer posts a mixed money and compute goal", async () => {
    await logIn(MAINTAINER);
    await audit("home, signed in");
    await page.goto(`${server.baseUrl}/projects/${SLUG}/manage?section=goals`);
    const form = page.getByTestId("goal-form");
    await form.waitFor();
    await audit("console: goals");

    await form.getByLabel("Title").fill(GOAL_TITLE);
    await form.getByLabel("Description (optional)").fill("Pretraining **in public**, checkpoints every 1k steps.");
    await form.getByLabel(/^Money target/).fill("1500");
    await form.getByTestId("add-compute-target").click();
    const row = form.getByTestId("compute-target");
    await row.getByTestId("target-accelerator").selectOption(CLASS);
    await row.getByLabel("GPU-hours").fill("10.01");
    await page.getByTestId("goal-form-submit").click();
    await form.getByTestId("error-target-0").waitFor();
    await row.getByLabel("GPU-hours").fill("10");
    await page.getByTestId("goal-form-submit").click();
    const posted = page.getByTestId("goal-posted");
    await posted.waitFor();
    goalId = Number((await posted.textContent()).match(/Goal #(\d+)/)[1]);
    await goalCard().waitFor();
    assert.equal(await goalCard().getAttribute("data-status"), "open");
    const compute = goalCard().locator(`[data-testid="goal-compute"][data-accelerator="${CLASS}"]`);
    assert.equal(await compute.getByTestId("goal-compute-delivered").textContent(), "0 GPU-h");
    assert.match(await compute.textContent(), /of 10 GPU-h/);
    assert.match(await goalCard().getByTestId("goal-money").textContent(), /1,500/);
    await audit("console: goal posted");

    // The public API agrees: 600 GPU-minutes and the money target in minor units.
    const goal = await api("GET", `/api/v1/goals/${goalId}`);
    assert.deepEqual(goal.body.compute_targets, [{ accelerator: CLASS, gpu_minutes: 600 }]);
    const project = await api("GET", `/api/v1/projects/${SLUG}`);
    assert.equal(goal.body.money_target.currency, project.body.currency);
  });

  test("a sponsor pledges compute toward the goal (through the API)", async () => {
    const sponsor = await tokenOf(SPONSOR);
    const me = await api("GET", "/api/v1/me", { token: sponsor });
    sponsorId = me.body.id;
    const windowEnd = new Date(Date.now() + 180 * 24 * 3600 * 1000).toISOString();
    const res = await api("POST", `/api/v1/projects/${SLUG}/pledges`, {
      token: sponsor,
      headers: { "Idempotency-Key": randomUUID() },
      body: {
        kind: "compute",
        compute: { accelerator: CLASS, gpu_minutes: 600 },
        provider: "Northwind cluster",
        window_end: windowEnd,
        goal_id: goalId,
        anonymous: false,
      },
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    pledgeId = res.body.id;
  });

  test("the maintainer uploads Slurm accounting, previews it, records it; the goal moves", async () => {
    await page.reload();
    await goalCard().waitFor();
    const delivered = goalCard().locator(`[data-testid="goal-compute"][data-accelerator="${CLASS}"]`);
    assert.match(await delivered.textContent(), /pledged 10 GPU-h \(100 ?%\)/);

    await section("slurm");
    const form = page.getByTestId("slurm-form");
    await form.waitFor();
    await page.getByTestId("slurm-pledge").selectOption(String(pledgeId));
    await audit("console: Slurm upload");

    // The cluster calls its H100s "h100": map the type first.
    const types = page.getByTestId("slurm-types");
    await types.getByLabel("Slurm type").fill("h100");
    await types.getByTestId("slurm-type-class").selectOption(CLASS);
    await types.getByTestId("slurm-type-save").click();
    await types.locator('[data-testid="slurm-type"][data-type="h100"]').waitFor();

    // A bad line is reported by its number and nothing is recorded.
    const sacct = form.getByLabel("sacct output");
    await sacct.fill(`${SACCT}\n4003|2026-11-10T10:00:00|2026-11-10T11:00:00|soon|gres/gpu:h100=1|COMPLETED`);
    await page.getByTestId("slurm-preview-button").click();
    const lineError = page.getByTestId("sacct-error");
    await lineError.first().waitFor();
    assert.deepEqual(await lineError.evaluateAll((els) => els.map((e) => e.dataset.line)), ["4"]);
    await audit("console: Slurm bad lines");

    await sacct.fill(SACCT);
    await page.getByTestId("slurm-preview-button").click();
    const preview = page.getByTestId("slurm-preview");
    await preview.waitFor();
    assert.equal(await preview.getByTestId("slurm-preview-total").textContent(), `2 GPU-h ${CLASS}`);
    assert.equal(
      await preview.locator('[data-testid="slurm-preview-type"][data-type="h100"] [data-testid="slurm-type-minutes"]').textContent(),
      "120",
    );
    assert.match(await preview.getByTestId("slurm-preview-counts").textContent(), /1 finished job allocations.*1 still pending or running.*1 job steps ignored/s);
    await audit("console: Slurm preview");
    // Nothing is recorded by a preview.
    const before = await api("GET", `/api/v1/goals/${goalId}`);
    assert.equal(before.body.progress.compute[0].delivered_gpu_minutes, 0);

    await preview.getByTestId("slurm-confirm").click();
    const recorded = page.getByTestId("slurm-recorded");
    await recorded.waitFor();
    assert.match(await recorded.textContent(), new RegExp(`2 GPU-h ${CLASS} against pledge #${pledgeId}`));

    await section("deliveries");
    await page.getByTestId("delivery-filter").selectOption("confirmed");
    const row = page.locator('[data-testid="delivery"]').first();
    await row.waitFor();
    assert.equal(await row.getAttribute("data-state"), "confirmed");
    assert.equal(await row.getByTestId("delivery-hours").textContent(), "2 GPU-h");
    // The class comes from the pledge, read beside the deliveries.
    await row.getByTestId("delivery-class").filter({ hasText: CLASS }).waitFor();
    await audit("console: deliveries");

    await section("goals");
    await goalCard().waitFor();
    const compute = goalCard().locator(`[data-testid="goal-compute"][data-accelerator="${CLASS}"]`);
    assert.equal(await compute.getByTestId("goal-compute-delivered").textContent(), "2 GPU-h");
    assert.match(await compute.textContent(), /of 10 GPU-h \(20 ?%\)/);
    const after = await api("GET", `/api/v1/goals/${goalId}`);
    assert.equal(after.body.progress.compute[0].delivered_gpu_minutes, 120);
  });

  test("the maintainer approves the waiting sponsor, who then shows on the wall", async () => {
    // The name the console shows: the sponsor's public profile name when one is set
    // (on PostgreSQL the e2e files share one database, and compute.test.mjs sets one).
    const pending = await api("GET", `/api/v1/projects/${SLUG}/sponsors/pending`, {
      token: await tokenOf(MAINTAINER),
    });
    assert.equal(pending.status, 200, JSON.stringify(pending.body));
    sponsorName = pending.body.items.find((s) => s.user_id === sponsorId)?.display_name;
    assert.ok(sponsorName, `the sponsor waits for approval: ${JSON.stringify(pending.body)}`);
    await section("sponsors");
    const row = page.locator(`[data-testid="pending-sponsor-row"][data-user-id="${sponsorId}"]`);
    await row.waitFor();
    await audit("console: sponsor approval");
    await row.getByTestId("approve-sponsor").click();
    await page.getByTestId("sponsor-decided").filter({ hasText: sponsorName }).waitFor();
    assert.equal(await row.count(), 0);

    const wall = await api("GET", `/api/v1/projects/${SLUG}/sponsors`);
    assert.equal(wall.status, 200);
    assert.ok(
      JSON.stringify(wall.body).includes(sponsorName),
      `the wall lists ${sponsorName}: ${JSON.stringify(wall.body)}`,
    );

    await section("values");
    await page.getByTestId("value-form").waitFor();
    await audit("console: compute values");
  });

  test("no CSP violations, no uncaught errors, every visited page audited", () => {
    w.assertClean();
  });
});
