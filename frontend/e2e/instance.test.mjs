// The instance's name and GitHub setting (GET /api/v1/instance), and sessions
// across tabs (two tabs refreshing at once; a logout in one tab), against a real
// `openfund serve` started WITHOUT GitHub and with OPENFUND_INSTANCE_NAME.
// Run `npm run build` first.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { watchPage } from "./checks.mjs";
import { launchBrowser, startServer } from "./harness.mjs";

const NAME = "Harbour Fund";
// One of the accounts `openfund demo` creates (src/demo.rs).
const DEMO = {
  email: "maintainer@openfund.test",
  password: "demo-maintainer-cobalt-engine",
  name: "Mina Maintainer",
};
const REFRESH_PATH = "/api/v1/auth/refresh";

/**
 * A route handler for the refresh endpoint that holds each request until a
 * second one arrives (then lets both go at the same instant) or `aloneMs`
 * passes. Two tabs refreshing at once therefore reach the server together,
 * presenting the same refresh cookie.
 */
function refreshBarrier(aloneMs) {
  const outcomes = [];
  let waiting = null;
  return {
    outcomes,
    async handle(route) {
      if (waiting) {
        const partner = waiting;
        waiting = null;
        partner.release();
        outcomes.push("paired");
      } else {
        await new Promise((resolve) => {
          const timer = setTimeout(() => {
            if (waiting?.resolve === resolve) waiting = null;
            outcomes.push("alone");
            resolve();
          }, aloneMs);
          waiting = {
            resolve,
            release() {
              clearTimeout(timer);
              resolve();
            },
          };
        });
      }
      await route.continue();
    },
  };
}

describe("OpenFund instance settings and sessions across tabs", () => {
  let server;
  let browser;
  let page;
  let w;
  const pageErrors = [];

  before(async () => {
    server = await startServer({ env: { OPENFUND_INSTANCE_NAME: NAME } });
    browser = await launchBrowser();
    w = await watchPage(browser.context, server.baseUrl);
    page = w.page;
  });

  after(async () => {
    if (process.env.E2E_SERVER_LOGS && server) console.log(server.logs());
    await browser?.close();
    await server?.stop();
  });

  test("GET /api/v1/instance reports the name and no GitHub sign-in", async () => {
    const res = await fetch(`${server.baseUrl}/api/v1/instance`);
    assert.equal(res.status, 200);
    const body = await res.json();
    assert.equal(body.name, NAME);
    assert.equal(body.github_sign_in, false);
    assert.equal(typeof body.mail_delivery, "boolean");
  });

  test("the header, footer and title show the instance's name", async () => {
    await page.goto(`${server.baseUrl}/`);
    await page.getByTestId("brand").filter({ hasText: NAME }).waitFor();
    assert.equal(await page.getByTestId("footer-name").textContent(), NAME);
    await page.waitForFunction((name) => document.title === name, NAME);
    await w.audit("home with the instance's name");
  });

  test("the login page offers no 'Sign in with GitHub'", async () => {
    await page.goto(`${server.baseUrl}/login`);
    // The heading carries the name, so the instance has been loaded by now.
    await page.getByRole("heading", { name: `Log in to ${NAME}` }).waitFor();
    assert.equal(await page.title(), `Log in · ${NAME}`);
    assert.equal(await page.getByRole("button", { name: "Sign in with GitHub" }).count(), 0);
    assert.equal(await page.getByTestId("github-button").count(), 0);
    assert.equal(await page.getByText("or with your email").count(), 0);
    await w.audit("login without GitHub");
  });

  test("signed in, settings have no GitHub section", async () => {
    const form = page.getByRole("form", { name: "Log in" });
    await form.getByLabel("Email").fill(DEMO.email);
    await form.getByLabel("Password").fill(DEMO.password);
    await form.getByRole("button", { name: "Log in" }).click();
    await page.waitForURL(`${server.baseUrl}/`);
    assert.equal(await page.getByTestId("user-name").textContent(), DEMO.name);

    await page.goto(`${server.baseUrl}/settings`);
    await page.getByTestId("settings-tokens").waitFor();
    assert.equal(await page.getByTestId("settings-github").count(), 0);
    assert.equal(await page.getByTestId("github-link").count(), 0);
    await w.audit("settings without GitHub");
  });

  test("two tabs refreshing at the same moment, with the same cookie, both stay signed in", async () => {
    const context = browser.context;
    const other = await context.newPage();
    other.on("pageerror", (err) => pageErrors.push(String(err)));
    await other.goto(`${server.baseUrl}/`);
    await other.getByTestId("user-name").waitFor();

    const barrier = refreshBarrier(1_500);
    const statuses = [];
    const onResponse = (res) => {
      if (new URL(res.url()).pathname === REFRESH_PATH) statuses.push(res.status());
    };
    context.on("response", onResponse);
    await context.route(`**${REFRESH_PATH}`, (route) => barrier.handle(route));
    try {
      for (let round = 0; round < 2; round += 1) {
        // Both tabs start up at once, and each refreshes its session on start.
        await Promise.all([page.reload(), other.reload()]);
        await Promise.all([
          page.getByTestId("user-name").waitFor(),
          other.getByTestId("user-name").waitFor(),
        ]);
      }
    } finally {
      await context.unroute(`**${REFRESH_PATH}`);
      context.off("response", onResponse);
    }

    assert.ok(
      barrier.outcomes.includes("paired"),
      `two refreshes met at the server: ${barrier.outcomes.join(", ")}`,
    );
    assert.ok(statuses.length >= 4, `refresh responses seen: ${statuses}`);
    assert.ok(statuses.every((s) => s === 200), `every refresh answered 200: ${statuses}`);
    assert.equal(await page.getByTestId("user-name").textContent(), DEMO.name);
    assert.equal(await other.getByTestId("user-name").textContent(), DEMO.name);
    await w.audit("home after two tabs refreshed together");

    // The session was not revoked: a third tab still signs in from the cookie.
    const third = await context.newPage();
    await third.goto(`${server.baseUrl}/`);
    await third.getByTestId("user-name").waitFor();
    assert.equal(await third.getByTestId("user-name").textContent(), DEMO.name);
    const storage = await third.evaluate(() => ({
      local: localStorage.length,
      session: sessionStorage.length,
      cookie: document.cookie,
    }));
    assert.deepEqual(storage, { local: 0, session: 0, cookie: "" }, "no token readable by JS");
    await third.close();
    await other.close();
  });

  test("logging out in one tab signs the other tab out at once", async () => {
    const other = await browser.context.newPage();
    other.on("pageerror", (err) => pageErrors.push(String(err)));
    await other.goto(`${server.baseUrl}/`);
    await other.getByTestId("user-name").waitFor();
    await page.goto(`${server.baseUrl}/`);
    await page.getByTestId("user-name").waitFor();

    await page.getByTestId("user-menu-button").click();
    await page.getByTestId("menu-logout").click();
    await page.getByTestId("nav-login").waitFor();
    // No reload: the other tab heard about it.
    await other.getByTestId("nav-login").waitFor({ timeout: 5_000 });
    assert.equal(await other.getByTestId("user-menu").count(), 0);

    // And logging in again shows in the other tab too.
    await page.goto(`${server.baseUrl}/login`);
    const form = page.getByRole("form", { name: "Log in" });
    await form.getByLabel("Email").fill(DEMO.email);
    await form.getByLabel("Password").fill(DEMO.password);
    await form.getByRole("button", { name: "Log in" }).click();
    await page.getByTestId("user-name").waitFor();
    await other.getByTestId("user-name").waitFor({ timeout: 5_000 });
    await other.close();
  });

  test("no CSP violations, no uncaught errors, every visited page audited", () => {
    w.assertClean();
    assert.deepEqual(pageErrors, [], "no uncaught errors in the other tabs");
  });
});
