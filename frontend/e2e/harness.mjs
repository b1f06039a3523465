// Test harness for the browser tests: starts a REAL OpenFund server on a free
// port with a fresh SQLite database loaded by `openfund demo`, and drives
// Debian's Chromium through playwright-core (no browser download).
//
// Environment:
//   OPENFUND_BIN     server binary (default ../target/debug/openfund, relative to frontend/)
//   CHROMIUM_BIN     browser executable (default /usr/bin/chromium)
//   OPENFUND_E2E_DATABASE_URL  an empty database to use instead of a temp SQLite file
//   E2E_SCREENSHOT   where to write the home page screenshot (default ../docs/screenshot.png)
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

export const FRONTEND_DIR = resolve(dirname(fileURLToPath(import.meta.url)), "..");
export const REPO_DIR = resolve(FRONTEND_DIR, "..");

export const OPENFUND_BIN = resolve(
  FRONTEND_DIR,
  process.env.OPENFUND_BIN ?? "../target/debug/openfund",
);
export const CHROMIUM_BIN = process.env.CHROMIUM_BIN ?? "/usr/bin/chromium";
export const SCREENSHOT_PATH = resolve(
  FRONTEND_DIR,
  process.env.E2E_SCREENSHOT ?? "../docs/screenshot.png",
);

const READY_TIMEOUT_MS = 30_000;
const DEMO_TIMEOUT_MS = 120_000;

const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** A TCP port that was free a moment ago on 127.0.0.1. */
export function freePort() {
  return new Promise((resolvePort, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      srv.close(() => resolvePort(addr.port));
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Keeps the last `max` lines a child wrote, for failure messages. */
function tail(max = 200) {
  const lines = [];
  return {
    push(chunk) {
      for (const line of chunk.toString().split("\n")) {
        if (line) lines.push(line);
      }
      if (lines.length > max) lines.splice(0, lines.length - max);
    },
    text: () => lines.join("\n"),
  };
}

const running = new Set();
process.on("exit", () => {
  // Last resort if a test run dies before its `after` hook.
  for (const child of running) {
    try {
      child.kill("SIGKILL");
    } catch {
      /* already gone */
    }
  }
});

/**
 * Runs `openfund demo` then `openfund serve` against a fresh database in a
 * temp dir, and waits for /readyz to answer 200.
 * Returns { baseUrl, port, tmp, logs(), stop() }.
 */
export async function startServer() {
  if (!existsSync(OPENFUND_BIN)) {
    throw new Error(
      `OpenFund binary not found at ${OPENFUND_BIN}. Build it (cargo build) or set OPENFUND_BIN.`,
    );
  }
  if (!existsSync(join(FRONTEND_DIR, "dist", "index.html"))) {
    throw new Error("frontend/dist/index.html is missing: run `npm run build` first.");
  }

  const tmp = mkdtempSync(join(tmpdir(), "openfund-e2e-"));
  const port = await freePort();
  const env = {
    ...process.env,
    // A caller may hand in a fresh database of another backend (scripts/test-all
    // does so for PostgreSQL); otherwise a throw-away SQLite file.
    OPENFUND_DATABASE_URL:
      process.env.OPENFUND_E2E_DATABASE_URL ?? `sqlite:${join(tmp, "e2e.db")}`,
    OPENFUND_BIND: `127.0.0.1:${port}`,
  };

  const demo = spawnSync(OPENFUND_BIN, ["demo"], {
    cwd: REPO_DIR,
    env,
    encoding: "utf8",
    timeout: DEMO_TIMEOUT_MS,
  });
  if (demo.error || demo.status !== 0) {
    rmSync(tmp, { recursive: true, force: true });
    throw new Error(
      `\`openfund demo\` failed (status ${demo.status}, ${demo.error ?? "no spawn error"}):\n` +
        `${demo.stdout}\n${demo.stderr}`,
    );
  }

  const logs = tail();
  const child = spawn(OPENFUND_BIN, ["serve"], {
    cwd: REPO_DIR,
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  running.add(child);
  child.stdout.on("data", (d) => logs.push(d));
  child.stderr.on("data", (d) => logs.push(d));
  let exited = null;
  const exitPromise = new Promise((r) =>
    child.on("exit", (code, signal) => {
      exited = { code, signal };
      running.delete(child);
      r();
    }),
  );

  async function stop() {
    if (!exited) {
      child.kill("SIGTERM");
      const timer = sleep(5_000).then(() => "timeout");
      if ((await Promise.race([exitPromise, timer])) === "timeout") {
        child.kill("SIGKILL");
        await exitPromise;
      }
    }
    rmSync(tmp, { recursive: true, force: true });
  }

  const baseUrl = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let last = "no answer yet";
  while (Date.now() < deadline) {
    if (exited) {
      await stop();
      throw new Error(
        `\`openfund serve\` exited early (${JSON.stringify(exited)}):\n${logs.text()}`,
      );
    }
    try {
      const res = await fetch(`${baseUrl}/readyz`, { signal: AbortSignal.timeout(2_000) });
      if (res.status === 200) {
        return { baseUrl, port, tmp, logs: logs.text, stop };
      }
      last = `HTTP ${res.status}`;
    } catch (err) {
      last = String(err?.cause?.code ?? err);
    }
    await sleep(200);
  }
  await stop();
  throw new Error(
    `server not ready at ${baseUrl}/readyz after ${READY_TIMEOUT_MS} ms (last: ${last}):\n${logs.text()}`,
  );
}

/** Headless Chromium with a fresh profile; returns { context, close() }. */
export async function launchBrowser() {
  const profile = mkdtempSync(join(tmpdir(), "openfund-chromium-"));
  let context;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM_BIN,
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: { width: 1280, height: 800 },
      deviceScaleFactor: 1,
      locale: "en-GB",
      timezoneId: "UTC",
    });
  } catch (err) {
    rmSync(profile, { recursive: true, force: true });
    throw err;
  }
  return {
    context,
    async close() {
      await context.close().catch(() => {});
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

export function ensureDirFor(file) {
  mkdirSync(dirname(file), { recursive: true });
}
