// Contributor activity from GitHub end to end, against a real `openfund serve` and the
// GitHub activity double (`openfund github-double`, src/github/double.rs) as a separate
// process: the demo maintainer links a repository in the console, copies the webhook
// settings shown once, presses "Sync now", follows the sync's live progress until it is
// done, and then sees the repository's people on the project's public contributors list
// (bots left out). Run `npm run build` and `cargo build` first.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createInterface } from "node:readline";
import { after, before, describe, test } from "node:test";
import { DESKTOP, watchPage } from "./checks.mjs";
import { DEMO_ACCOUNTS, launchBrowser, OPENFUND_BIN, REPO_DIR, startServer } from "./harness.mjs";

const { MAINTAINER } = DEMO_ACCOUNTS;
const SLUG = "tinystories-lm";
// Unique per run: a repository belongs to one project, and a PostgreSQL database may be
// shared with other runs.
const REPO = `e2e-${randomBytes(3).toString("hex")}/widgets`;
const COMMITS = 40;
const PULLS = 12;
const SYNC_TIMEOUT_MS = 90_000;
const AVATAR_SVG =
  '<svg xmlns="http://www.w3.org/2000/svg" width="40" height="40"><circle cx="20" cy="20" r="20" fill="#6d28d9"/></svg>';

/**
 * Starts `openfund github-double` on a free port with a generated history of `REPO`;
 * resolves once it printed its base URL (its first line on stdout).
 */
async function startActivityDouble() {
  const child = spawn(
    OPENFUND_BIN,
    ["github-double", "--port", "0", "--repo", REPO, "--commits", String(COMMITS), "--pulls", String(PULLS), "--seed", "7"],
    { cwd: REPO_DIR, stdio: ["ignore", "pipe", "pipe"] },
  );
  let stderr = "";
  child.stderr.on("data", (d) => {
    stderr += d;
  });
  const exited = new Promise((r) => {
    child.once("exit", (code, signal) => r({ code, signal }));
    // Not started at all (no binary): no "exit" follows.
    child.once("error", (error) => r({ error: String(error) }));
  });
  const lines = createInterface({ input: child.stdout });
  const url = await Promise.race([
    new Promise((r) => lines.once("line", (line) => r(line.trim()))),
    exited.then((how) => {
      throw new Error(`github-double exited before printing its URL (${JSON.stringify(how)}):\n${stderr}`);
    }),
    new Promise((_, reject) =>
      setTimeout(() => reject(new Error(`github-double printed no URL in 15 s:\n${stderr}`)), 15_000).unref(),
    ),
  ]);
  assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/, `the double's first line is its URL: ${url}`);
  return {
    url,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill("SIGTERM");
        await exited;
      }
    },
  };
}

/** Every page of a GitHub list from the double, following `Link: rel="next"` as given. */
async function githubList(first) {
  const items = [];
  for (let url = first; url; ) {
    const res = await fetch(url, { headers: { Accept: "application/vnd.github+json" } });
    assert.equal(res.status, 200, `${url}: ${res.status}`);
    items.push(...(await res.json()));
    url = /<([^>]+)>;\s*rel="next"/.exec(res.headers.get("link") ?? "")?.[1] ?? null;
  }
  return items;
}

describe("OpenFund GitHub activity: link, sync against the double, contributors", () => {
  let github;
  let server;
  let browser;
  let w;
  let page;
  /** The human authors of the double's commits (the contributors to expect): GitHub id → logins. */
  const loginsById = new Map();
  /** Logins of those who kept theirs. */
  let humans;

  before(async () => {
    github = await startActivityDouble();
    const commits = await githubList(`${github.url}/repos/${REPO}/commits?per_page=100`);
    assert.equal(commits.length, COMMITS);
    // By GitHub id: a user renamed half way shows under either login.
    for (const a of commits.map((c) => c.author)) {
      if (!a || a.type !== "User" || a.login.endsWith("[bot]") || a.login === "ghost") continue;
      loginsById.set(a.id, new Set([...(loginsById.get(a.id) ?? []), a.login]));
    }
    // People with one login, for the steps that name someone.
    humans = [...loginsById.values()].filter((l) => l.size === 1).map((l) => [...l][0]);
    assert.ok(humans.length >= 3, `the history has a few human authors: ${humans}`);
    server = await startServer({ env: { OPENFUND_GITHUB_API_URL: github.url } });
    browser = await launchBrowser();
    // GitHub's avatars, served here (no network): https images the page's CSP allows.
    await browser.context.route("https://avatars.githubusercontent.com/**", (route) =>
      route.fulfill({ status: 200, contentType: "image/svg+xml", body: AVATAR_SVG }),
    );
    w = await watchPage(browser.context, server.baseUrl);
    page = w.page;
    await page.setViewportSize(DESKTOP);
  });

  after(async () => {
    if (process.env.E2E_SERVER_LOGS && server) console.log(server.logs());
    await browser?.close();
    await server?.stop();
    await github?.stop();
  });

  /** Audits from the top of the page: the sticky header must not cover what axe measures. */
  async function audit(label) {
    await page.evaluate(() => window.scrollTo(0, 0));
    await w.audit(label);
  }

  function card() {
    return page.locator(`[data-testid="repository"][data-name="${REPO}"]`);
  }

  test("the maintainer links a repository and gets its webhook settings once", async () => {
    await page.goto(`${server.baseUrl}/login`);
    await page.getByTestId("login-page").waitFor();
    await audit("login");
    const form = page.getByRole("form", { name: "Log in" });
    await form.getByLabel("Email").fill(MAINTAINER.email);
    await form.getByLabel("Password").fill(MAINTAINER.password);
    await form.getByRole("button", { name: "Log in" }).click();
    await page.getByTestId("user-name").waitFor();
    await audit("home, signed in");

    await page.goto(`${server.baseUrl}/projects/${SLUG}/manage?section=repositories`);
    const link = page.getByTestId("link-repository-form");
    await link.waitFor();
    await audit("console: repositories");
    await link.getByLabel("GitHub repository").fill(`https://github.com/${REPO}`);
    await link.getByRole("button", { name: "Link repository" }).click();

    const setup = page.getByTestId("webhook-setup");
    await setup.waitFor();
    assert.match(await setup.getByLabel("Secret", { exact: true }).inputValue(), /^[0-9a-f]{64}$/);
    assert.equal(await setup.getByLabel("Payload URL", { exact: true }).inputValue(), `${server.baseUrl}/api/v1/webhooks/github`);
    assert.match(await setup.getByTestId("webhook-steps").textContent(), /application\/json/);
    await card().waitFor();
    assert.equal(await card().getAttribute("data-phase"), "never");
    await audit("console: repository linked, webhook settings");
    await setup.getByRole("button", { name: "I have copied it" }).click();
    await setup.waitFor({ state: "detached" });
  });

  test("'Sync now' runs a sync against the double, with live progress until it is done", async () => {
    await card().getByRole("button", { name: `Sync now: ${REPO}` }).click();
    // Queued or already running: the console follows it by itself.
    await page.waitForFunction(
      (name) => {
        const el = document.querySelector(`[data-testid="repository"][data-name="${name}"]`);
        return el && ["queued", "running", "synced"].includes(el.getAttribute("data-phase"));
      },
      REPO,
    );
    await page.waitForFunction(
      (name) => {
        const el = document.querySelector(`[data-testid="repository"][data-name="${name}"]`);
        const phase = el?.getAttribute("data-phase");
        if (phase === "failed") throw new Error(`the sync failed: ${el.textContent}`);
        return phase === "synced";
      },
      REPO,
      { timeout: SYNC_TIMEOUT_MS, polling: 250 },
    );
    const commits = card().locator('[data-testid="sync-resource"][data-resource="commits"]');
    assert.equal(await commits.getByTestId("resource-items").textContent(), String(COMMITS));
    assert.match(await card().getByTestId("sync-progress").textContent(), /^Synced; [\d,]+ items stored\.$/);
    assert.notEqual(await card().getByTestId("last-success").textContent(), "Never");
    await audit("console: repository synced");
  });

  test("the project's public contributors list shows the repository's people, not its bots", async () => {
    await page.goto(`${server.baseUrl}/projects/${SLUG}`);
    const list = page.getByTestId("contributors");
    await list.waitFor();
    // Every page of it.
    const more = page.getByTestId("contributors-section").getByTestId("load-more");
    while ((await more.count()) > 0) {
      const before = await list.getByTestId("contributor").count();
      await more.click();
      await page.waitForFunction(
        (n) => document.querySelectorAll('[data-testid="contributor"]').length > n,
        before,
      );
    }
    const shown = await list.getByTestId("contributor").evaluateAll((els) => els.map((e) => e.getAttribute("data-login")));
    for (const logins of loginsById.values()) {
      assert.ok([...logins].some((l) => shown.includes(l)), `${[...logins]} listed among ${shown.length}`);
    }
    assert.ok(!shown.some((l) => l?.endsWith("[bot]")), "bots are left out by default");
    const someone = list.locator(`[data-testid="contributor"][data-login="${humans[0]}"]`);
    assert.match(await someone.textContent(), /\d+ commits?/);
    // Its avatar came (from the route above) and drew (lazy: once on screen).
    await someone.scrollIntoViewIfNeeded();
    await page.waitForFunction(
      (login) => document.querySelector(`[data-testid="contributor"][data-login="${login}"] img`)?.naturalWidth > 0,
      humans[0],
    );
    await audit("project page with contributors");
  });

  test("the maintainer records work GitHub does not see; it shows in the activity feed", async () => {
    await page.goto(`${server.baseUrl}/projects/${SLUG}/manage?section=contributors`);
    const form = page.getByTestId("record-work-form");
    await form.waitFor();
    await audit("console: contributors");
    await form.getByLabel("Kind of work").selectOption("data");
    await form.getByLabel("Who (GitHub login)").fill(humans[0]);
    await form.getByLabel("What the work was").fill(`Deduplicated the crawl ${REPO}`);
    await form.getByLabel("Link (optional)").fill("https://example.org/data-card");
    await form.getByRole("button", { name: "Record work" }).click();
    await page.getByTestId("work-recorded").waitFor();

    await page.goto(`${server.baseUrl}/projects/${SLUG}`);
    const section = page.getByTestId("activity-section");
    await section.getByTestId("activity").waitFor();
    await section.getByLabel("Show").selectOption("data");
    const recorded = section.locator('[data-testid="activity-item"][data-kind="data"]', {
      hasText: `Deduplicated the crawl ${REPO}`,
    });
    await recorded.waitFor();
    assert.match(await recorded.textContent(), /recorded by a maintainer/);
    assert.equal(await recorded.getByTestId("activity-link").getAttribute("href"), "https://example.org/data-card");
    const person = page.locator(`[data-testid="contributor"][data-login="${humans[0]}"]`);
    assert.match(await person.getByTestId("contributor-counts").textContent(), /1 data contribution/);
    await audit("project page: activity, recorded work");
  });

  test("the maintainer merges two identities and undoes it", async () => {
    const [keep, away] = humans;
    await page.goto(`${server.baseUrl}/projects/${SLUG}/manage?section=contributors`);
    const form = page.getByTestId("merge-form");
    await form.waitFor();
    const optionOf = (login) =>
      form.getByTestId("merge-from").locator("option", { hasText: `@${login})` }).first().getAttribute("value");
    await form.getByLabel("Merge this identity").selectOption(await optionOf(away));
    await form.getByLabel("Into this person").selectOption(await optionOf(keep));
    await form.getByRole("button", { name: "Merge" }).click();
    await page.getByTestId("identities-merged").waitFor();
    const merge = page.getByTestId("identity-merge").first();
    await merge.waitFor();
    await audit("console: identities merged");

    const listed = async () => {
      const res = await fetch(`${server.baseUrl}/api/v1/projects/${SLUG}/contributors?limit=100`);
      return (await res.json()).items.map((e) => e.contributor.login);
    };
    assert.ok(!(await listed()).includes(away), `${away} is credited as ${keep}`);
    await merge.getByRole("button", { name: /^Undo the merge of / }).click();
    await merge.getByRole("button", { name: "Yes, undo" }).click();
    await page.getByTestId("no-merges").waitFor();
    assert.ok((await listed()).includes(away), `${away} is back on their own`);
  });

  test("a new webhook secret and unlinking each ask first", async () => {
    await page.goto(`${server.baseUrl}/projects/${SLUG}/manage?section=repositories`);
    await card().waitFor();
    await card().getByRole("button", { name: `New webhook secret for ${REPO}` }).click();
    await card().getByRole("button", { name: "Yes, new secret" }).click();
    const setup = page.getByTestId("webhook-setup");
    await setup.waitFor();
    assert.match(await setup.getByLabel("Secret", { exact: true }).inputValue(), /^[0-9a-f]{64}$/);
    assert.match(await setup.textContent(), /old secret stopped working/);
    await setup.getByRole("button", { name: "I have copied it" }).click();

    // Unlinked at the end, so that no later server on a shared database syncs it.
    await card().getByRole("button", { name: `Unlink ${REPO}` }).click();
    assert.match(await card().textContent(), /stop counting/);
    await audit("console: unlink asks first");
    await card().getByRole("button", { name: "Yes, unlink" }).click();
    await page.getByTestId("repository-unlinked").waitFor();
    await card().waitFor({ state: "detached" });
    const listed = await (await fetch(`${server.baseUrl}/api/v1/projects/${SLUG}/repositories`)).json();
    assert.ok(!listed.items.some((r) => r.full_name === REPO), "gone from the public list");
    w.assertClean();
  });
});
