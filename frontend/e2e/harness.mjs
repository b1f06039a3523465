// Test harness for the browser tests: starts a REAL OpenFund server on a free
// port with a fresh SQLite database loaded by `openfund demo`, and drives
// Debian's Chromium through playwright-core (no browser download).
//
// Environment:
//   OPENFUND_BIN     server binary (default ../target/debug/openfund, relative to frontend/)
//   CHROMIUM_BIN     browser executable (default /usr/bin/chromium)
//   OPENFUND_E2E_DATABASE_URL  an empty database to use instead of a temp SQLite file
//   E2E_SCREENSHOT   where to write the home page screenshot (default ../docs/screenshot.png)
//   PYTHON           interpreter for the SMTP sink (default python3; needs `pip install aiosmtpd`)
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { connect, createServer } from "node:net";
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
/** The demo's sign-ins (src/demo.rs), shared by every browser test. */
export const DEMO_ACCOUNTS = {
  ADMIN: { email: "admin@openfund.test", password: "demo-admin-violet-harbour" },
  SPONSOR: { email: "sponsor@openfund.test", password: "demo-sponsor-amber-lantern" },
  MAINTAINER: { email: "maintainer@openfund.test", password: "demo-maintainer-cobalt-engine" },
};
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
 * With `{ mail: true }` it first starts a real SMTP server (aiosmtpd) writing
 * to a maildir and points the server at it (`OPENFUND_SMTP_URL`,
 * `OPENFUND_PUBLIC_URL`); the result then has `mail` (see startMailServer).
 * `env` adds or overrides server environment variables (e.g. a GitHub double's).
 * Returns { baseUrl, port, tmp, logs(), stop(), mail? }.
 */
export async function startServer({ mail: withMail = false, env: extraEnv = {} } = {}) {
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
  let mail = null;
  if (withMail) {
    try {
      mail = await startMailServer(join(tmp, "maildir"));
    } catch (err) {
      rmSync(tmp, { recursive: true, force: true });
      throw err;
    }
  }
  const env = {
    ...process.env,
    // A caller may hand in a fresh database of another backend (scripts/test-all
    // does so for PostgreSQL); otherwise a throw-away SQLite file.
    OPENFUND_DATABASE_URL:
      process.env.OPENFUND_E2E_DATABASE_URL ?? `sqlite:${join(tmp, "e2e.db")}`,
    OPENFUND_BIND: `127.0.0.1:${port}`,
    ...(mail
      ? { OPENFUND_SMTP_URL: mail.url, OPENFUND_PUBLIC_URL: `http://127.0.0.1:${port}` }
      : {}),
    ...extraEnv,
  };

  const demo = spawnSync(OPENFUND_BIN, ["demo"], {
    cwd: REPO_DIR,
    env,
    encoding: "utf8",
    timeout: DEMO_TIMEOUT_MS,
  });
  if (demo.error || demo.status !== 0) {
    await mail?.stop();
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
    await mail?.stop();
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
        return { baseUrl, port, tmp, logs: logs.text, stop, mail };
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

// ---------------------------------------------------------------- mail

const PYTHON = process.env.PYTHON ?? "python3";
const SMTP_READY_TIMEOUT_MS = 15_000;

function canConnect(port) {
  return new Promise((resolveConn) => {
    const sock = connect({ host: "127.0.0.1", port });
    sock.once("connect", () => {
      sock.destroy();
      resolveConn(true);
    });
    sock.once("error", () => resolveConn(false));
  });
}

/**
 * Starts a real local SMTP server for one run:
 *   python3 -m aiosmtpd -n -l 127.0.0.1:<free port> -c aiosmtpd.handlers.Mailbox <maildir>
 * Every message it accepts lands as one file in `<maildir>/new/` (the
 * Mailbox handler creates the maildir). Returns
 * { port, url, maildir, messages(), waitForMail(pred, timeoutMs), logs(), stop() }.
 */
export async function startMailServer(maildir) {
  const probe = spawnSync(PYTHON, ["-c", "import aiosmtpd"], { encoding: "utf8" });
  if (probe.error || probe.status !== 0) {
    throw new Error(
      `the browser tests need the aiosmtpd SMTP server: \`pip install aiosmtpd\` ` +
        `(${PYTHON}: ${probe.error ?? probe.stderr.trim()})`,
    );
  }
  // Maildir creates <maildir> and its cur/new/tmp, but not missing parents.
  mkdirSync(dirname(maildir), { recursive: true });
  const port = await freePort();
  const logs = tail();
  const child = spawn(
    PYTHON,
    ["-m", "aiosmtpd", "-n", "-l", `127.0.0.1:${port}`, "-c", "aiosmtpd.handlers.Mailbox", maildir],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
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
    if (exited) return;
    child.kill("SIGTERM");
    const timer = sleep(5_000).then(() => "timeout");
    if ((await Promise.race([exitPromise, timer])) === "timeout") {
      child.kill("SIGKILL");
      await exitPromise;
    }
  }

  const deadline = Date.now() + SMTP_READY_TIMEOUT_MS;
  while (!(await canConnect(port))) {
    if (exited || Date.now() > deadline) {
      await stop();
      throw new Error(
        `aiosmtpd did not start on 127.0.0.1:${port} (${JSON.stringify(exited)}):\n${logs.text()}`,
      );
    }
    await sleep(100);
  }

  /** Every message delivered so far, parsed. */
  function messages() {
    const dir = join(maildir, "new");
    if (!existsSync(dir)) return [];
    return readdirSync(dir)
      .sort()
      .map((name) => parseMessage(readFileSync(join(dir, name), "latin1")));
  }

  /** Polls the maildir until a message matches `pred` (by default: any). */
  async function waitForMail(pred = () => true, timeoutMs = 20_000) {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const found = messages().find(pred);
      if (found) return found;
      if (Date.now() > until) {
        const seen = messages().map((m) => `${m.to} | ${m.subject}`);
        throw new Error(
          `no matching mail within ${timeoutMs} ms; ${seen.length} message(s): ${JSON.stringify(seen)}`,
        );
      }
      await sleep(250);
    }
  }

  return { port, url: `smtp://127.0.0.1:${port}`, maildir, messages, waitForMail, logs: logs.text, stop };
}

/** RFC 2047 encoded words in a header (=?utf-8?q?...?= / =?utf-8?b?...?=). */
function decodeHeader(value) {
  return value.replace(/=\?([^?]+)\?([bqBQ])\?([^?]*)\?=/g, (_, charset, enc, text) => {
    const bytes =
      enc.toUpperCase() === "B"
        ? Buffer.from(text, "base64")
        : qpBytes(text.replace(/_/g, " "));
    return new TextDecoder(charset).decode(bytes);
  });
}

/** Quoted-printable → bytes: soft line breaks (`=` at line end) go, `=XX` become bytes. */
function qpBytes(text) {
  const joined = text.replace(/=\r?\n/g, "");
  const out = [];
  for (let i = 0; i < joined.length; i++) {
    const c = joined[i];
    if (c === "=" && /^[0-9A-Fa-f]{2}$/.test(joined.slice(i + 1, i + 3))) {
      out.push(parseInt(joined.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      out.push(joined.charCodeAt(i) & 0xff);
    }
  }
  return Buffer.from(out);
}

function splitHeaders(raw) {
  const m = /\r?\n\r?\n/.exec(raw);
  const head = m ? raw.slice(0, m.index) : raw;
  const body = m ? raw.slice(m.index + m[0].length) : "";
  const headers = {};
  for (const line of head.replace(/\r?\n[ \t]+/g, " ").split(/\r?\n/)) {
    const i = line.indexOf(":");
    if (i > 0) headers[line.slice(0, i).trim().toLowerCase()] ??= line.slice(i + 1).trim();
  }
  return { headers, body };
}

function headerParam(value, name) {
  const m = new RegExp(`${name}="?([^";]+)"?`, "i").exec(value ?? "");
  return m ? m[1] : null;
}

/** Decodes one leaf part's body to text by its Content-Transfer-Encoding and charset. */
function decodeBody(headers, body) {
  const cte = (headers["content-transfer-encoding"] ?? "7bit").toLowerCase();
  const charset = headerParam(headers["content-type"], "charset") ?? "utf-8";
  let bytes;
  if (cte === "quoted-printable") bytes = qpBytes(body);
  else if (cte === "base64") bytes = Buffer.from(body.replace(/\s+/g, ""), "base64");
  else bytes = Buffer.from(body, "latin1");
  return new TextDecoder(charset).decode(bytes);
}

/** Leaf parts of a (possibly nested multipart) entity: [{ type, text }]. */
function leafParts(headers, body) {
  const type = (headers["content-type"] ?? "text/plain").split(";")[0].trim().toLowerCase();
  if (type.startsWith("multipart/")) {
    const boundary = headerParam(headers["content-type"], "boundary");
    if (!boundary) return [];
    const chunks = body.split(`--${boundary}`).slice(1);
    const parts = [];
    for (const chunk of chunks) {
      if (chunk.startsWith("--")) break;
      const sub = splitHeaders(chunk.replace(/^\r?\n/, ""));
      parts.push(...leafParts(sub.headers, sub.body));
    }
    return parts;
  }
  return [{ type, text: decodeBody(headers, body) }];
}

/**
 * Parses a raw RFC 5322 message: { headers, to, subject, text, html, links }.
 * `text` is the text/plain part (or the whole body), decoded; `links` are the
 * http(s) URLs in it.
 */
export function parseMessage(raw) {
  const { headers, body } = splitHeaders(raw);
  const parts = leafParts(headers, body);
  const text = parts.find((p) => p.type === "text/plain")?.text ?? parts[0]?.text ?? "";
  const html = parts.find((p) => p.type === "text/html")?.text ?? null;
  const links = [...text.matchAll(/https?:\/\/[^\s<>"')]+/g)].map((m) => m[0]);
  return {
    headers,
    to: decodeHeader(headers.to ?? ""),
    subject: decodeHeader(headers.subject ?? ""),
    text,
    html,
    links,
  };
}
