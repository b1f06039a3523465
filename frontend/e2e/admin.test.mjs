// The site admin's pages against a real `openfund serve` whose mail server is down
// at first: verification mails fail for good and show as failed jobs and waiting
// mail; then a real SMTP server (aiosmtpd) comes up on that port, the admin retries
// from the browser, and the mail arrives. Run `npm run build` first.
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { PHONE, DESKTOP, watchPage } from "./checks.mjs";
import { freePort, launchBrowser, startMailServer, startServer } from "./harness.mjs";

// The site admin `openfund demo` creates (src/demo.rs).
const ADMIN = { email: "admin@openfund.test", password: "demo-admin-violet-harbour" };
const PEOPLE = ["ada", "grace"].map((n) => `${n}-${Date.now().toString(36)}@example.org`);

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

describe("OpenFund admin: failed jobs and the mail outbox", () => {
  let server;
  let smtpPort;
  let mail = null;
  let browser;
  let w;
  let page;
  let adminToken;

  before(async () => {
    smtpPort = await freePort();
    server = await startServer({
      env: {
        // Nothing listens here yet: every delivery fails until the test starts aiosmtpd.
        OPENFUND_SMTP_URL: `smtp://127.0.0.1:${smtpPort}`,
        OPENFUND_JOB_POLL_MS: "50",
        OPENFUND_JOB_BACKOFF_MS: "10",
      },
    });
    browser = await launchBrowser();
    w = await watchPage(browser.context, server.baseUrl);
    page = w.page;
  });

  after(async () => {
    if (process.env.E2E_SERVER_LOGS && server) console.log(server.logs());
    await browser?.close();
    await mail?.stop();
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

  test("mail that cannot be delivered ends up as failed jobs", async () => {
    const login = await api("/api/v1/auth/login", {
      method: "POST",
      body: JSON.stringify(ADMIN),
    });
    assert.equal(login.status, 200);
    adminToken = (await login.json()).access_token;
    for (const email of PEOPLE) {
      const res = await api("/api/v1/auth/register", {
        method: "POST",
        body: JSON.stringify({ email, display_name: "Someone New", password: "lantern-harbour-violet-7" }),
      });
      assert.equal(res.status, 202);
    }
    // Ten attempts each, 10 ms backoff doubling: a few seconds.
    const deadline = Date.now() + 60_000;
    for (;;) {
      const body = await (await api("/api/v1/admin/jobs?state=failed")).json();
      if (body.items.filter((j) => j.kind === "send_mail").length >= PEOPLE.length) break;
      assert.ok(Date.now() < deadline, `the mails never failed for good: ${JSON.stringify(body)}`);
      await sleep(250);
    }
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
    assert.equal(await jobs.count(), PEOPLE.length);
    assert.match(await jobs.first().getByRole("heading").textContent(), /^Send mail · job \d+$/);
    assert.match(await jobs.first().textContent(), /10 of 10/);
    assert.ok((await jobs.first().getByTestId("job-error").textContent()).length > 0, "the error is shown");
    await w.audit("failed jobs");
    await page.setViewportSize(PHONE);
    await w.audit("failed jobs on a phone");
    await page.setViewportSize(DESKTOP);

    await page.getByRole("link", { name: "Mail outbox" }).click();
    await page.waitForURL(`${server.baseUrl}/admin/outbox`);
    const messages = page.getByTestId("outbox-message");
    await messages.first().waitFor();
    const text = await page.getByTestId("admin-outbox").textContent();
    for (const email of PEOPLE) assert.ok(text.includes(email), `${email} is waiting`);
    assert.match(await messages.first().textContent(), /Waiting/);
    await w.audit("outbox");
  });

  test("with the mail server back, retrying one job delivers its mail", async () => {
    mail = await startMailServer(join(server.tmp, "maildir"), { port: smtpPort });
    await page.goto(`${server.baseUrl}/admin/jobs`);
    const jobs = page.getByTestId("job");
    await jobs.first().waitFor();
    await jobs.first().getByTestId("job-retry").click();
    await page.getByTestId("admin-status").filter({ hasText: "went back in the queue" }).waitFor();
    assert.equal(await page.getByTestId("job").count(), PEOPLE.length - 1);
    await w.audit("failed jobs after one retry");
    // The newest job is the second person's verification mail.
    await mail.waitForMail((m) => m.to.includes(PEOPLE[1]));
  });

  test("'Retry all' puts every failed job of a kind back in the queue", async (t) => {
    const probe = await api("/api/v1/admin/jobs/retry", {
      method: "POST",
      body: JSON.stringify({ kind: "no_such_kind" }),
    });
    if (probe.status === 404 || probe.status === 405) {
      t.skip(`the server has no POST /api/v1/admin/jobs/retry yet (HTTP ${probe.status})`);
      return;
    }
    assert.equal(probe.status, 200);
    assert.deepEqual(await probe.json(), { retried: 0 });

    await page.getByRole("button", { name: "Retry all failed “Send mail” jobs" }).click();
    await page.getByTestId("jobs-empty").waitFor();
    assert.equal(
      await page.getByTestId("admin-status").textContent(),
      "1 job of “Send mail” went back in the queue.",
    );
    await w.audit("no failed jobs left");
    await mail.waitForMail((m) => m.to.includes(PEOPLE[0]));
  });

  test("the outbox shows sent mail on request", async () => {
    // The worker marks a message sent just after the SMTP server took it.
    const deadline = Date.now() + 20_000;
    for (;;) {
      await page.goto(`${server.baseUrl}/admin/outbox`);
      await page.getByTestId("outbox-message").or(page.getByTestId("outbox-empty")).first().waitFor();
      await page.getByLabel("Include mail that was sent").check();
      await page.getByTestId("outbox-message").first().waitFor();
      const sent = page
        .getByTestId("outbox-message")
        .filter({ hasText: PEOPLE[1] })
        .filter({ hasText: "Sent" });
      if ((await sent.count()) > 0) break;
      assert.ok(Date.now() < deadline, "the delivered mail shows as sent");
      await sleep(500);
    }
    await w.audit("outbox with sent mail");
  });

  test("no CSP violations, no uncaught errors, every visited page audited", () => {
    w.assertClean();
  });
});
