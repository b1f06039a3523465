// Sign in with GitHub against a real `openfund serve` and a local GitHub double:
// the /signin/github landing page, linking and unlinking in settings, and errors.
import assert from "node:assert/strict";
import { randomBytes, randomInt } from "node:crypto";
import { after, before, describe, test } from "node:test";
import { startGithubDouble } from "./github-double.mjs";
import { watchPage } from "./checks.mjs";
import { launchBrowser, startServer } from "./harness.mjs";

// Unique per run, so a database shared with other runs (PostgreSQL in scripts/test-all) is fine.
const tag = randomBytes(3).toString("hex");
const GRACE = {
  id: randomInt(1_000_000, 2_000_000_000),
  login: `grace-${tag}`,
  name: "Grace Hopper",
  email: `grace-${tag}@example.org`,
  verified: true,
};

describe("OpenFund sign-in with GitHub", () => {
  let github;
  let server;
  let browser;
  let page;
  let w;

  before(async () => {
    github = await startGithubDouble();
    github.setUser(GRACE);
    server = await startServer({ env: github.env });
    browser = await launchBrowser();
    w = await watchPage(browser.context, server.baseUrl);
    page = w.page;
  });

  after(async () => {
    if (process.env.E2E_SERVER_LOGS && server) console.log(server.logs());
    await browser?.close();
    await server?.stop();
    await github?.stop();
  });

  test("with GitHub configured, the instance says so and the login page offers it", async () => {
    const res = await fetch(`${server.baseUrl}/api/v1/instance`);
    assert.equal(res.status, 200);
    assert.equal((await res.json()).github_sign_in, true);
    await page.goto(`${server.baseUrl}/login`);
    await page.getByRole("button", { name: "Sign in with GitHub" }).waitFor();
    assert.equal(await page.getByTestId("github-button").count(), 1);
    await w.audit("login with GitHub");
  });

  test("'Sign in with GitHub' signs a new user in through /signin/github", async () => {
    await page.goto(`${server.baseUrl}/login`);
    await page.getByRole("button", { name: "Sign in with GitHub" }).click();
    await page.waitForURL(`${server.baseUrl}/`);
    await page.getByTestId("user-name").waitFor();
    assert.equal(await page.getByTestId("user-name").textContent(), GRACE.name);
    assert.ok(github.requests.includes("POST /login/oauth/access_token"), "code exchanged");
    // /signin/github only finishes the sign-in and moves on.
    w.passesThrough("/signin/github");
    await w.audit("home after GitHub sign-in");
  });

  test("settings shows the linked login; unlinking the only sign-in method is refused", async () => {
    await page.goto(`${server.baseUrl}/settings`);
    const section = page.getByTestId("settings-github");
    await section.waitFor();
    assert.equal(await section.getByTestId("github-login").textContent(), `@${GRACE.login}`);
    await section.getByTestId("github-unlink").click();
    const alert = section.getByRole("alert");
    await alert.waitFor();
    assert.match(await alert.textContent(), /Set a password before unlinking/);
    await w.audit("settings, GitHub linked");
  });

  test("after setting a password, GitHub can be unlinked and linked again", async () => {
    const password = page.getByTestId("settings-password");
    await password.getByLabel("New password").fill("pacific-compiler-bugs-1947");
    await password.getByRole("button", { name: "Set password" }).click();
    await password.getByTestId("password-changed").waitFor();

    const section = page.getByTestId("settings-github");
    await section.getByTestId("github-unlink").click();
    await section.getByTestId("github-link").waitFor();

    await section.getByTestId("github-link").click();
    await page.waitForURL(`${server.baseUrl}/settings?github=linked`);
    await page.getByTestId("github-linked").waitFor();
    assert.equal(
      await page.getByTestId("settings-github").getByTestId("github-login").textContent(),
      `@${GRACE.login}`,
    );
    await w.audit("settings, GitHub linked again");
  });

  test("a declined authorization shows github_denied on /signin/github", async () => {
    await page.getByTestId("user-menu-button").click();
    await page.getByTestId("menu-logout").click();
    await page.getByTestId("nav-login").waitFor();

    github.setDeny(true);
    await page.goto(`${server.baseUrl}/login`);
    await page.getByRole("button", { name: "Sign in with GitHub" }).click();
    await page.waitForURL(`${server.baseUrl}/signin/github?error=github_denied`);
    const failed = page.getByTestId("github-signin-error");
    await failed.waitFor();
    assert.match(await failed.textContent(), /GitHub sign-in was cancelled/);
    assert.doesNotMatch(await failed.textContent(), /github_denied/, "no machine code on show");
    await w.audit("GitHub sign-in cancelled");
    github.setDeny(false);
  });

  test("no CSP violations, no uncaught errors, every visited page audited", () => {
    w.assertClean();
  });
});
