// Accounts journey (issue 3) against a real `openfund serve` and a real SMTP
// server (aiosmtpd): sign up → open the verification link from the received
// mail → log in → create an API token (secret shown once) → log out.
// Run `npm run build` first: the server serves frontend/dist.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, test } from "node:test";
import { watchPage } from "./checks.mjs";
import { launchBrowser, startServer } from "./harness.mjs";

const PASSWORD = "violet-harbour-lantern-42";
const DISPLAY_NAME = "E2E Tester";

describe("OpenFund accounts journey", () => {
  let server;
  let browser;
  let page;
  let w;
  const email = `e2e-${randomBytes(4).toString("hex")}@example.org`;
  let verifyLink;
  let secret;

  before(async () => {
    server = await startServer({ mail: true });
    browser = await launchBrowser();
    w = await watchPage(browser.context, server.baseUrl);
    page = w.page;
  });

  after(async () => {
    // E2E_SERVER_LOGS=1 prints the server's log (and the SMTP sink's) for debugging.
    if (process.env.E2E_SERVER_LOGS && server) {
      console.log(`--- openfund serve ---\n${server.logs()}\n--- aiosmtpd ---\n${server.mail?.logs()}`);
    }
    await browser?.close();
    await server?.stop();
  });

  test("starts signed out: the header offers Log in and Sign up", async () => {
    await page.goto(`${server.baseUrl}/`);
    await page.getByTestId("nav-login").waitFor();
    assert.equal(await page.getByTestId("nav-login").textContent(), "Log in");
    assert.equal(await page.getByTestId("nav-signup").textContent(), "Sign up");
    await w.audit("home, signed out");
  });

  test("sign up shows 'Check your inbox' with the address", async () => {
    await page.getByTestId("nav-signup").click();
    await page.waitForURL(`${server.baseUrl}/signup`);
    await w.audit("sign-up form");
    const form = page.getByRole("form", { name: "Sign up" });
    await form.getByLabel("Email").fill(email);
    await form.getByLabel("Display name").fill(DISPLAY_NAME);
    await form.getByLabel("Password", { exact: true }).fill(PASSWORD);
    await form.getByRole("button", { name: "Create account" }).click();

    const done = page.getByTestId("signup-done");
    await done.waitFor();
    assert.equal(await done.getByRole("heading", { level: 1 }).textContent(), "Check your inbox");
    assert.equal(await page.getByTestId("signup-email").textContent(), email);
    await w.audit("sign-up done");
  });

  test("the verification mail arrives over SMTP with a link to /verify-email", async () => {
    const message = await server.mail.waitForMail(
      (m) => m.to.toLowerCase().includes(email),
      20_000,
    );
    const prefix = `${server.baseUrl}/verify-email?token=`;
    verifyLink = message.links.find((l) => l.startsWith(prefix));
    assert.ok(
      verifyLink,
      `a link starting with ${prefix} in the text part; got ${JSON.stringify(message.links)}\n${message.text}`,
    );
    assert.ok(new URL(verifyLink).searchParams.get("token"), "the link carries a token");
  });

  test("opening the link from the mail verifies the address", async () => {
    assert.ok(verifyLink, "needs the link from the mail");
    await page.goto(verifyLink);
    const done = page.getByTestId("verify-done");
    await done.waitFor();
    assert.equal(await done.getByRole("heading", { level: 1 }).textContent(), "Email confirmed");
    await w.audit("email confirmed");
  });

  test("opening the link a second time says the address is confirmed and leads on to log in", async () => {
    assert.ok(verifyLink, "needs the link from the mail");
    // A double click, or a mail scanner that opened the link first.
    const token = new URL(verifyLink).searchParams.get("token");
    const again = await fetch(`${server.baseUrl}/api/v1/auth/verify-email`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ token }),
    });
    assert.equal(again.status, 200);
    assert.deepEqual(await again.json(), { status: "already_verified" });

    await page.goto(verifyLink);
    const card = page.getByTestId("verify-already");
    await card.waitFor();
    assert.equal(
      await card.getByRole("heading", { level: 1 }).textContent(),
      "Email already confirmed",
    );
    assert.doesNotMatch(await card.textContent(), /invalid|expired/i);
    await w.audit("email already confirmed");
    await page.getByTestId("verify-login").click();
    await page.waitForURL(`${server.baseUrl}/login`);
  });

  test("a wrong password is refused with a clear message", async () => {
    const form = page.getByRole("form", { name: "Log in" });
    await form.getByLabel("Email").fill(email);
    await form.getByLabel("Password").fill("not-the-password-at-all");
    await form.getByRole("button", { name: "Log in" }).click();
    const alert = page.getByTestId("form-error");
    await alert.waitFor();
    assert.equal(await alert.textContent(), "Email or password is wrong.");
    await w.audit("login, wrong password");
  });

  test("log in shows the display name in the header", async () => {
    const form = page.getByRole("form", { name: "Log in" });
    await form.getByLabel("Email").fill(email);
    await form.getByLabel("Password").fill(PASSWORD);
    await form.getByRole("button", { name: "Log in" }).click();
    await page.waitForURL(`${server.baseUrl}/`);
    await page.getByTestId("user-name").waitFor();
    assert.equal(await page.getByTestId("user-name").textContent(), DISPLAY_NAME);
    assert.equal(await page.getByTestId("nav-login").count(), 0);
    await w.audit("home, signed in");
  });

  test("the session survives a reload (refresh cookie), with nothing in web storage", async () => {
    await page.reload();
    await page.getByTestId("user-name").waitFor();
    assert.equal(await page.getByTestId("user-name").textContent(), DISPLAY_NAME);
    const storage = await page.evaluate(() => ({
      local: localStorage.length,
      session: sessionStorage.length,
      cookie: document.cookie,
    }));
    assert.deepEqual(storage, { local: 0, session: 0, cookie: "" }, "no token readable by JS");
  });

  test("create an API token from settings: the secret is shown once", async () => {
    await page.getByTestId("user-menu-button").click();
    await page.getByTestId("menu-settings").click();
    await page.waitForURL(`${server.baseUrl}/settings`);
    await page.getByTestId("settings-page").waitFor();
    await page.getByTestId("tokens-empty").waitFor();
    await w.audit("settings");

    const form = page.getByRole("form", { name: "Create API token" });
    await form.getByLabel("Token name").fill("e2e script");
    await form.getByTestId("scope-write").check();
    await form.getByRole("button", { name: "Create token" }).click();

    const dialog = page.getByRole("dialog");
    await dialog.waitFor();
    secret = await dialog.getByTestId("token-secret").inputValue();
    assert.ok(secret.length >= 20, `a real secret (${secret.length} chars)`);
    assert.match(await dialog.textContent(), /only time the secret is shown/);
    await w.audit("new token dialog");

    // The secret is a working bearer token for the API.
    const res = await fetch(`${server.baseUrl}/api/v1/me`, {
      headers: { Authorization: `Bearer ${secret}` },
    });
    assert.equal(res.status, 200, "GET /api/v1/me with the new personal token");
    assert.equal((await res.json()).email, email);

    await dialog.getByTestId("token-done").click();
    await dialog.waitFor({ state: "detached" });
    const row = page.getByTestId("token-row");
    assert.equal(await row.count(), 1);
    assert.match(await row.textContent(), /e2e script/);
    assert.match(await row.textContent(), /read/);
    assert.match(await row.textContent(), /write/);
    const prefix = (await row.getByTestId("token-prefix").textContent()).replace(/…$/, "");
    assert.ok(secret.startsWith(prefix), `prefix ${prefix} is the start of the secret`);
    assert.ok(!(await page.content()).includes(secret), "secret gone once the dialog is closed");

    // After a reload the list still has the token, but never its secret.
    await page.reload();
    await page.getByTestId("token-row").waitFor();
    assert.ok(!(await page.content()).includes(secret), "secret is never shown again");
  });

  test("log out: the header shows Log in again, also after a reload", async () => {
    await page.getByTestId("user-menu-button").click();
    await page.getByTestId("menu-logout").click();
    await page.getByTestId("nav-login").waitFor();
    await page.waitForURL(`${server.baseUrl}/`);
    assert.equal(await page.getByTestId("nav-login").textContent(), "Log in");
    assert.equal(await page.getByTestId("user-menu").count(), 0);

    await page.reload();
    await page.getByTestId("nav-login").waitFor();
    assert.equal(await page.getByTestId("user-menu").count(), 0);

    await page.goto(`${server.baseUrl}/settings`);
    await page.waitForURL(`${server.baseUrl}/login?next=/settings`);
    await page.getByTestId("login-page").waitFor();
    await w.audit("login after signing out");
  });

  test("no CSP violations, no uncaught errors, every visited page audited", () => {
    w.assertClean();
  });
});
