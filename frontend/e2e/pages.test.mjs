// Every page of the app, as a new user meets it: on a desktop (1280 px), a phone
// (390 px) and a narrow phone (320 px); with axe-core, the reflow check and the
// Content-Security-Policy watch of checks.mjs on each; by keyboard where it matters
// (the new-token dialog, focus rings); forms that check before they send; the
// server's 404 for paths that are no page; words for people when things fail.
// Run `npm run build` first: the server serves frontend/dist.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { contrastRatio, DESKTOP, focusRing, NARROW, PHONE, watchPage } from "./checks.mjs";
import { launchBrowser, startServer } from "./harness.mjs";

// One of the accounts `openfund demo` creates (src/demo.rs).
const DEMO = { email: "maintainer@openfund.test", password: "demo-maintainer-cobalt-engine" };

describe("OpenFund pages: widths, axe, keyboard, words", () => {
  let server;
  let browser;
  let w; // watched page
  let page;
  let projects = [];

  before(async () => {
    server = await startServer();
    browser = await launchBrowser();
    w = await watchPage(browser.context, server.baseUrl);
    page = w.page;
    projects = (await (await fetch(`${server.baseUrl}/api/v1/projects`)).json()).items;
  });

  after(async () => {
    if (process.env.E2E_SERVER_LOGS && server) console.log(server.logs());
    await browser?.close();
    await server?.stop();
  });

  const url = (path) => `${server.baseUrl}${path}`;

  /** The signed-out pages, each with what shows it has rendered. */
  const signedOutPages = () => [
    { path: "/", ready: () => page.getByTestId("project-card").first() },
    { path: `/projects/${projects[0].slug}`, ready: () => page.getByTestId("project-name") },
    { path: "/projects/no-such-project", ready: () => page.getByTestId("project-not-found"), status: 404 },
    { path: "/no/such/page", ready: () => page.getByTestId("page-not-found"), status: 404 },
    { path: "/signup", ready: () => page.getByTestId("signup-page") },
    { path: "/login", ready: () => page.getByTestId("login-page") },
    { path: "/forgot-password", ready: () => page.getByTestId("forgot-page") },
    { path: "/reset-password?token=not-a-real-token", ready: () => page.getByTestId("reset-page") },
    { path: "/reset-password", ready: () => page.getByTestId("reset-invalid") },
    { path: "/verify-email?token=not-a-real-token", ready: () => page.getByTestId("verify-invalid") },
    {
      path: "/signin/github?error=github_denied",
      ready: () => page.getByTestId("github-signin-error"),
    },
    { path: "/api/v1/docs/", ready: () => page.getByTestId("api-operation").first() },
  ];

  for (const [name, size] of [
    ["desktop", DESKTOP],
    ["phone", PHONE],
    ["narrow phone", NARROW],
  ]) {
    test(`signed out, every page at ${size.width} px (${name}) passes axe and reflows`, async () => {
      await page.setViewportSize(size);
      for (const p of signedOutPages()) {
        const res = await page.goto(url(p.path));
        assert.equal(res.status(), p.status ?? 200, `HTTP status of ${p.path}`);
        await p.ready().waitFor();
        // Wait for the header's session state (Log in / Sign up) too.
        await page.getByTestId("nav-login").waitFor();
        await w.audit(`${p.path} at ${size.width} px`, { narrowAxe: false });
      }
    });
  }

  test("on a phone the signed-out header fits: Log in and Sign up are on screen", async () => {
    for (const size of [PHONE, NARROW]) {
      await page.setViewportSize(size);
      await page.goto(url("/"));
      for (const id of ["nav-login", "nav-signup", "brand"]) {
        const box = await page.getByTestId(id).boundingBox();
        assert.ok(box, `${id} is shown`);
        assert.ok(box.x >= 0 && box.x + box.width <= size.width, `${id} within ${size.width} px: ${JSON.stringify(box)}`);
      }
      const header = await page.locator(".header-inner").boundingBox();
      assert.ok(header.width <= size.width, `header is ${header.width} px wide at ${size.width} px`);
      await w.audit(`home header at ${size.width} px`, { narrowAxe: false });
    }
    await page.setViewportSize(DESKTOP);
  });

  test("a project page's title and preview tags come from the server", async () => {
    const p = projects[0];
    const res = await fetch(url(`/projects/${p.slug}`));
    assert.equal(res.status, 200);
    const html = await res.text();
    const meta = (attr, key) => {
      const m = html.match(new RegExp(`<meta ${attr}="${key}" content="([^"]*)"`));
      return m ? m[1] : null;
    };
    assert.match(html, /<title>[^<]+ · OpenFund<\/title>/);
    assert.ok(meta("property", "og:title"), "og:title");
    assert.ok(meta("property", "og:description"), "og:description");
    assert.equal(meta("name", "twitter:card"), "summary");
    assert.match(meta("property", "og:url"), /projects/);

    // And the browser shows the same title.
    await page.goto(url(`/projects/${p.slug}`));
    await page.getByTestId("project-name").waitFor();
    assert.equal(await page.title(), `${p.name} · OpenFund`);
    assert.equal(await page.locator('meta[property="og:title"]').getAttribute("content"), p.name);
    await w.audit("project page with preview tags");
  });

  test("focus rings are solid and have at least 3:1 contrast", async () => {
    await page.goto(url("/login"));
    await page.getByTestId("login-page").waitFor();
    const seen = [];
    // Skip link, brand, navigation, account links, then the form's fields and buttons.
    for (let i = 0; i < 9; i += 1) {
      await page.keyboard.press("Tab");
      const ring = await focusRing(page);
      assert.ok(ring, `element ${i + 1} in tab order shows a focus outline`);
      const ratio = contrastRatio(ring.ring, ring.behind);
      seen.push(`${ring.tag} ${ratio.toFixed(2)}:1`);
      assert.ok(ring.width >= 2, `outline of ${ring.tag} is ${ring.width} px`);
      assert.ok(ratio >= 3, `focus ring of ${ring.tag}: ${ratio.toFixed(2)}:1 against its background (${seen})`);
    }
    assert.ok(seen.some((s) => s.startsWith("INPUT")), `fields were among them: ${seen}`);
    await w.audit("login page with keyboard focus");
  });

  test("forms check what they can before sending: no request for an empty or malformed form", async () => {
    const sent = [];
    const onRequest = (req) => {
      const path = new URL(req.url()).pathname;
      if (["/api/v1/auth/login", "/api/v1/auth/register", "/api/v1/auth/password-reset"].includes(path)) {
        sent.push(path);
      }
    };
    page.on("request", onRequest);
    try {
      await page.goto(url("/forgot-password"));
      await page.getByTestId("forgot-page").waitFor();
      await page.getByRole("button", { name: "Send reset link" }).click();
      assert.equal(await page.getByTestId("error-email").textContent(), "Enter your email address.");
      assert.equal(await page.getByTestId("forgot-done").count(), 0, "no 'If an account exists for ,'");
      assert.equal(await page.evaluate(() => document.activeElement?.getAttribute("name")), "email");
      await w.audit("forgot password, empty");

      await page.goto(url("/login"));
      const login = page.getByRole("form", { name: "Log in" });
      await login.getByLabel("Email").fill("maintainer@openfund");
      await login.getByRole("button", { name: "Log in" }).click();
      await page.getByTestId("error-email").waitFor();
      assert.match(await page.getByTestId("error-email").textContent(), /valid email address/);
      assert.equal(await page.getByTestId("error-password").textContent(), "Enter your password.");
      await w.audit("login, malformed");

      await page.goto(url("/signup"));
      const signup = page.getByRole("form", { name: "Sign up" });
      await signup.getByLabel("Email").fill("new.person@example.org");
      await signup.getByLabel("Display name").fill("New Person");
      await signup.getByLabel("Password", { exact: true }).fill("short");
      await signup.getByRole("button", { name: "Create account" }).click();
      assert.equal(await page.getByTestId("error-password").textContent(), "Use at least 12 characters.");
      await w.audit("signup, short password");
    } finally {
      page.off("request", onRequest);
    }
    assert.deepEqual(sent, [], "no sign-in, sign-up or reset request was spent");
  });

  test("failures are said in words for people", async () => {
    await page.route("**/api/v1/projects?*", (route) => route.abort("internetdisconnected"));
    try {
      await page.goto(url("/"));
      const error = page.getByTestId("error-state");
      await error.waitFor();
      const text = await error.textContent();
      assert.match(text, /We could not reach the server/);
      for (const developerWords of ["Failed to fetch", "network_error", "HTTP"]) {
        assert.ok(!text.includes(developerWords), `no "${developerWords}" in ${text}`);
      }
      await w.audit("home, offline");
    } finally {
      await page.unroute("**/api/v1/projects?*");
    }
  });

  test("signed in: settings at every width, and the new-token dialog holds keyboard focus", async () => {
    await page.setViewportSize(DESKTOP);
    await page.goto(url("/login"));
    const form = page.getByRole("form", { name: "Log in" });
    await form.getByLabel("Email").fill(DEMO.email);
    await form.getByLabel("Password").fill(DEMO.password);
    await form.getByRole("button", { name: "Log in" }).click();
    await page.getByTestId("user-name").waitFor();
    await w.audit("home, signed in");

    for (const size of [DESKTOP, PHONE, NARROW]) {
      await page.setViewportSize(size);
      await page.goto(url("/settings"));
      await page.getByTestId("settings-page").waitFor();
      await page.getByTestId("tokens-empty").or(page.getByTestId("token-table")).waitFor();
      await w.audit(`settings at ${size.width} px`, { narrowAxe: false });
    }

    // The account menu opens within the screen, even at 320 px.
    for (const size of [NARROW, PHONE]) {
      await page.setViewportSize(size);
      await page.getByTestId("user-menu-button").click();
      const panel = await page.locator(".user-menu-panel").boundingBox();
      assert.ok(panel, "the menu is open");
      assert.ok(panel.x >= 0 && panel.x + panel.width <= size.width, `menu within ${size.width} px: ${JSON.stringify(panel)}`);
      await w.audit(`account menu open at ${size.width} px`);
      await page.keyboard.press("Escape");
    }

    await page.setViewportSize(PHONE);
    const create = page.getByRole("form", { name: "Create API token" });
    await create.getByLabel("Token name").fill("keyboard check");
    await create.getByRole("button", { name: "Create token" }).focus();
    await page.keyboard.press("Enter");
    const dialog = page.getByRole("dialog", { name: /Token “keyboard check” created/ });
    await dialog.waitFor();
    assert.equal(
      await page.evaluate(() => document.activeElement?.getAttribute("data-testid")),
      "token-secret",
      "focus starts on the secret",
    );
    // Tab and Shift+Tab, well past the dialog's three controls, never leave it.
    const outside = [];
    for (const key of [...Array(8).fill("Tab"), ...Array(8).fill("Shift+Tab")]) {
      await page.keyboard.press(key);
      const where = await page.evaluate(() => {
        const el = document.activeElement;
        const inDialog = !!el?.closest("dialog[open]");
        return { inDialog, what: el ? `${el.tagName} ${el.textContent?.slice(0, 30)}` : "none" };
      });
      if (!where.inDialog) outside.push(`${key} → ${where.what}`);
    }
    assert.deepEqual(outside, [], "keyboard focus stays in the dialog");
    // The page behind cannot be clicked while the dialog is open.
    const before = page.url();
    const brand = await page.getByTestId("brand").boundingBox();
    await page.mouse.click(brand.x + brand.width / 2, brand.y + brand.height / 2);
    assert.equal(page.url(), before, "a click on the page behind does nothing");
    assert.ok(await dialog.isVisible(), "the dialog is still open");
    await w.audit("new-token dialog open", { narrowAxe: true });

    await page.keyboard.press("Escape");
    await dialog.waitFor({ state: "detached" });
    assert.equal(
      await page.evaluate(() => document.activeElement?.getAttribute("data-testid")),
      "token-create",
      "focus returns to the button that opened the dialog",
    );
    await page.setViewportSize(DESKTOP);
  });

  test("no CSP violations, no uncaught errors, every visited page audited", () => {
    w.assertClean();
  });
});
