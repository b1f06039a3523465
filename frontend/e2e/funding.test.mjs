// Money funding end to end, against a real `openfund serve` with the demo data: the
// demo sponsor pledges money to TinyStories LM through the pledge form (review step,
// receipt), finds it on "My pledges"; the demo maintainer (its owner) confirms the money
// arrived in the console; the public ledger shows the receipt and its balance, and its
// filters live in the URL. Run `npm run build` first.
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { after, before, describe, test } from "node:test";
import { DESKTOP, PHONE, watchPage } from "./checks.mjs";
import { launchBrowser, startServer, DEMO_ACCOUNTS } from "./harness.mjs";

const { SPONSOR, MAINTAINER } = DEMO_ACCOUNTS;

// Demo accounts and project (src/demo.rs).
const SLUG = "tinystories-lm";

describe("OpenFund funding: pledge money, confirm it, see it in the public ledger", () => {
  let server;
  let browser;
  let w;
  let page;
  let pledgeId;
  let currency;

  before(async () => {
    server = await startServer();
    browser = await launchBrowser();
    w = await watchPage(browser.context, server.baseUrl);
    page = w.page;
    await page.setViewportSize(DESKTOP);
    const project = await (await fetch(`${server.baseUrl}/api/v1/projects/${SLUG}`)).json();
    currency = project.currency;
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

  test("a sponsor pledges money: form, review, receipt", async () => {
    await logIn(SPONSOR);
    await page.goto(`${server.baseUrl}/projects/${SLUG}`);
    await page.getByTestId("funding-section").waitFor();
    await w.audit("project page with funding");
    await page.getByTestId("pledge-money").click();
    await page.waitForURL(`${server.baseUrl}/projects/${SLUG}/pledge`);
    await page.getByTestId("pledge-form").waitFor();
    await w.audit("pledge form");

    const amount = page.getByLabel(`Amount (${currency})`);
    await amount.fill("12.345");
    await page.getByTestId("pledge-review").click();
    await page.getByTestId("error-amount").waitFor();
    await amount.fill("25");
    await page.getByLabel("Message to the project (optional)").fill("For the next training run.");
    await page.getByTestId("pledge-review").click();
    await page.getByTestId("pledge-review-step").waitFor();
    await w.audit("pledge review");
    const shown = await page.getByTestId("review-amount").textContent();
    assert.match(shown, /25/);

    await page.getByTestId("pledge-submit").click();
    await page.getByTestId("pledge-receipt").waitFor();
    await w.audit("pledge receipt");
    const ref = await page.getByTestId("receipt-reference").textContent();
    const m = ref.match(/^pledge #(\d+)$/);
    assert.ok(m, ref);
    pledgeId = Number(m[1]);
    assert.equal(await page.getByTestId("receipt-amount").textContent(), shown);

    await page.getByTestId("receipt-my-pledges").click();
    await page.waitForURL(`${server.baseUrl}/me/pledges`);
    const row = page.locator(`[data-testid="my-pledge"][data-id="${pledgeId}"]`);
    await row.waitFor();
    assert.equal(await row.getAttribute("data-state"), "pledged");
    await w.audit("my pledges");
    await page.setViewportSize(PHONE);
    await w.audit("my pledges on a phone");
    await page.setViewportSize(DESKTOP);
    await logOut();
  });

  test("the maintainer confirms the money arrived", async () => {
    await logIn(MAINTAINER);
    await page.goto(`${server.baseUrl}/projects/${SLUG}`);
    await page.getByTestId("manage-funding").click();
    await page.waitForURL(`${server.baseUrl}/projects/${SLUG}/manage`);
    const row = page.locator(`[data-testid="pending-pledge"][data-id="${pledgeId}"]`);
    await row.waitFor();
    await w.audit("maintainer console");
    await row.getByTestId("confirm-pledge").click();
    await page.getByTestId("pledge-confirmed").filter({ hasText: `#${pledgeId}` }).waitFor();
    assert.equal(await row.count(), 0, "no longer waiting");

    await page.getByTestId("section-expenses").click();
    await page.getByTestId("expense-form").waitFor();
    await w.audit("maintainer console: expenses");
    await page.getByTestId("section-ledger").click();
    await page.getByTestId("ledger-row").first().waitFor();
    await w.audit("maintainer console: reversals");
    await logOut();
  });

  test("the public ledger shows the receipt, filtered through the URL", async () => {
    await page.goto(`${server.baseUrl}/projects/${SLUG}/ledger?kind=receipt`);
    const rows = page.getByTestId("ledger-row");
    await rows.first().waitFor();
    const texts = await rows.allTextContents();
    assert.ok(
      texts.some((t) => t.includes(`Pledge ${pledgeId} received`)),
      `the receipt is listed: ${texts.join(" | ")}`,
    );
    for (const kind of await rows.evaluateAll((els) => els.map((e) => e.dataset.kind))) {
      assert.equal(kind, "receipt");
    }
    await page.getByTestId("balances").waitFor();
    assert.match(
      await page.getByTestId("download-csv").getAttribute("href"),
      new RegExp(`^/api/v1/projects/${SLUG}/ledger\\.csv\\?kind=receipt$`),
    );
    // The CSV really downloads (an attachment), with the receipt in it.
    const [download] = await Promise.all([
      page.waitForEvent("download"),
      page.getByTestId("download-csv").click(),
    ]);
    assert.match(download.suggestedFilename(), /\.csv$/);
    const csv = await readFile(await download.path(), "utf8");
    const [header, ...lines] = csv.trim().split(/\r?\n/);
    assert.equal(
      header,
      "transaction_id,occurred_at,kind,description,reverses_id,expense_id,account,commodity,amount,amount_minor",
    );
    assert.ok(
      lines.some((l) => l.includes(",receipt,") && l.includes(`Pledge ${pledgeId} received`)),
      `the receipt's entries are in the CSV:\n${csv}`,
    );
    await w.audit("public ledger");

    await page.getByLabel("Kind").selectOption("expense");
    await page.getByTestId("apply-filters").click();
    await page.waitForURL(`${server.baseUrl}/projects/${SLUG}/ledger?kind=expense`);
    await page.getByTestId("ledger-filters").waitFor();
    await w.audit("public ledger, filtered");
  });

  test("no CSP violations, no uncaught errors, every visited page audited", () => {
    w.assertClean();
  });
});
