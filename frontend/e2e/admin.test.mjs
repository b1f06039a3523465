// The site admin's pages against a real `openfund serve` whose SMTP server is down
// (nothing listens on its port) and that gives up on mail once a retry finds it older
// than the age limit (OPENFUND_MAIL_MAX_AGE_HOURS=0, a short backoff): two sign-ups'
// verification mails become failed `send_mail` jobs and waiting mail; the admin finds them from the account
// menu, retries one, then all of the kind, on a desktop and a phone. The database
// may be shared with the other browser tests (scripts/test-all on PostgreSQL), so
// other failed jobs may be listed too. Run `npm run build` first.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { DESKTOP, PHONE, watchPage } from "./checks.mjs";
import { launchBrowser, startServer, DEMO_ACCOUNTS } from "./harness.mjs";

const { ADMIN } = DEMO_ACCOUNTS;

// The site admin `openfund demo` creates (src/demo.rs).
const PEOPLE = ["ada", "grace"].map((n) => `${n}-${Date.now().toString(36)}@example.org`);

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

describe("OpenFund admin: failed jobs and the mail outbox", () => {
  let server;
  let browser;
  let w;
  let page;
  let adminToken;

  before(async () => {
    server = await startServer({
      env: {
        // Port 9 (discard) on loopback: connections are refused, as in an outage.
        OPENFUND_SMTP_URL: "smtp://127.0.0.1:9",
        OPENFUND_MAIL_MAX_AGE_HOURS: "0",
        OPENFUND_JOB_POLL_MS: "50",
        OPENFUND_JOB_BACKOFF_MS: "200",
      },
    });
    browser = await launchBrowser();
    w = await watchPage(browser.context, server.baseUrl);
    page = w.page;
  });

  after(async () => {
    if (process.env.E2E_SERVER_LOGS && server) console.log(server.logs());
    await browser?.close();
    await server?.stop();
  });

  const api = (path, init = {}) =>
    fetch(`${server.baseUrl}${path}`, {
      ...init,
      headers: {
        "content-type": "application/json",
        ...(adminToken ? { authorization: `Bearer ${adminToken}` } : {}),
        ...init.headers,
      },
    });

  /** The failed send_mail jobs, once `until` holds for them (polls the admin API). */
  async function failedMailJobs(until, what) {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const body = await (await api("/api/v1/admin/jobs?state=failed&kind=send_mail&limit=100")).json();
      if (until(body.items)) return body.items;
      assert.ok(Date.now() < deadline, `${what}: ${JSON.stringify(body)}`);
      await sleep(200);
    }
  }

  let failed = [];

  test("mail the server gives up on ends up as failed jobs", async () => {
    const login = await api("/api/v1/auth/login", { method: "POST", body: JSON.stringify(ADMIN) });
    assert.equal(login.status, 200);
    adminToken = (await login.json()).access_token;
    for (const email of PEOPLE) {
      const res = await api("/api/v1/auth/register", {
        method: "POST",
        body: JSON.stringify({ email, display_name: "Someone New", password: "lantern-harbour-violet-7" }),
      });
      assert.equal(res.status, 202);
    }
    // Ours are the newest two.
    failed = (
      await failedMailJobs((items) => items.length >= PEOPLE.length, "the mails never failed")
    ).slice(0, PEOPLE.length);
  });

  test("the admin finds them from the account menu, on a desktop and a phone", async () => {
    await page.setViewportSize(DESKTOP);
    await page.goto(`${server.baseUrl}/login`);
    await page.getByTestId("login-page").waitFor();
    await w.audit("login");
    const form = page.getByRole("form", { name: "Log in" });
    await form.getByLabel("Email").fill(ADMIN.email);
    await form.getByLabel("Password").fill(ADMIN.password);
    await form.getByRole("button", { name: "Log in" }).click();
    await page.getByTestId("user-name").waitFor();
    await w.audit("home, signed in as admin");

    await page.getByTestId("user-menu-button").click();
    await page.getByTestId("menu-admin-jobs").click();
    await page.waitForURL(`${server.baseUrl}/admin/jobs`);
    const jobs = page.getByTestId("job");
    await jobs.first().waitFor();
    const shown = await jobs.evaluateAll((els) => els.map((e) => Number(e.dataset.jobId)));
    for (const j of failed) assert.ok(shown.includes(j.id), `job ${j.id} is listed (${shown})`);
    assert.equal(
      await jobs.first().getByRole("heading").textContent(),
      `Send mail · job ${failed[0].id}`,
    );
    assert.match(await jobs.first().getByTestId("job-error").textContent(), /gave up/);
    await w.audit("failed jobs");
    await page.setViewportSize(PHONE);
    await w.audit("failed jobs on a phone");
    await page.setViewportSize(DESKTOP);

    await page.getByRole("navigation", { name: "Admin" }).getByRole("link", { name: "Mail outbox" }).click();
    await page.waitForURL(`${server.baseUrl}/admin/outbox`);
    await page.getByTestId("outbox-message").first().waitFor();
    const outbox = await page.getByTestId("admin-outbox").textContent();
    for (const email of PEOPLE) assert.ok(outbox.includes(email), `${email}'s mail is waiting`);
    assert.match(await page.getByTestId("outbox-message").first().textContent(), /Waiting/);
    await page.getByLabel("Include mail that was sent").check();
    await page.getByTestId("outbox-message").first().waitFor();
    await w.audit("outbox");
  });

  test("retrying one job puts it back in the queue", async () => {
    const [newest] = failed;
    await page.goto(`${server.baseUrl}/admin/jobs`);
    await page.getByTestId("job").first().waitFor();
    await page.getByRole("button", { name: `Retry job ${newest.id} (Send mail)` }).click();
    await page
      .getByTestId("admin-status")
      .filter({ hasText: `Job ${newest.id} (Send mail) went back in the queue.` })
      .waitFor();
    assert.equal(await page.locator(`[data-job-id="${newest.id}"]`).count(), 0, "no longer listed");
    await w.audit("failed jobs after one retry");
    // The worker ran it again (and, the mail being too old for this server, gave up again).
    await failedMailJobs(
      (items) => items.some((j) => j.id === newest.id && j.updated_at > newest.updated_at),
      "the retried job never ran again",
    );
  });

  test("'Retry all' puts every failed job of the kind back in the queue", async () => {
    const ids = failed.map((j) => j.id);
    const before = await failedMailJobs(
      (items) => ids.every((id) => items.some((j) => j.id === id)),
      "the retried job never failed again",
    );
    await page.goto(`${server.baseUrl}/admin/jobs`);
    await page.getByTestId("job").first().waitFor();
    await page.getByRole("button", { name: "Retry all failed “Send mail” jobs" }).click();
    const status = page.getByTestId("admin-status").filter({ hasText: "went back in the queue" });
    await status.waitFor();
    const m = (await status.textContent()).match(/^(\d+) jobs of “Send mail” went back in the queue\.$/);
    assert.ok(m, await status.textContent());
    assert.equal(Number(m[1]), before.length, "every failed send_mail job");
    await w.audit("failed jobs after retrying all");
  });

  test("no CSP violations, no uncaught errors, every visited page audited", () => {
    w.assertClean();
  });
});
