// What every browser test checks on every page it visits:
//   - axe-core (injected into the page) finds no serious or critical violation;
//   - the page reflows: no horizontal scroll at the current width nor at 320 px;
//   - the Content-Security-Policy is never violated (securitypolicyviolation events
//     and Chromium's console reports), and no script error goes uncaught.
// `watchPage(context, baseUrl)` opens a page that records all of it; `audit(label)`
// runs the checks on what the page shows now; `assertClean()` at the end of a test
// file fails on any CSP violation or uncaught error, and on any page of the app
// that was visited but never audited.
import assert from "node:assert/strict";
import axe from "axe-core";

export const PHONE = { width: 390, height: 844 };
export const NARROW = { width: 320, height: 640 };
export const DESKTOP = { width: 1280, height: 800 };

const BLOCKING_IMPACTS = new Set(["serious", "critical"]);

/** axe's violations of serious or critical impact, as readable lines. */
export async function axeViolations(page) {
  // Evaluated through the DevTools protocol, so the page's CSP (no inline script)
  // does not stop it, and nothing is added to the page's markup.
  if (!(await page.evaluate(() => typeof window.axe === "object"))) {
    await page.evaluate(axe.source);
  }
  const result = await page.evaluate(() =>
    window.axe.run(document, {
      resultTypes: ["violations"],
      runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"] },
    }),
  );
  return result.violations
    .filter((v) => BLOCKING_IMPACTS.has(v.impact))
    .map(
      (v) =>
        `${v.impact} ${v.id}: ${v.help}\n` +
        v.nodes
          .slice(0, 5)
          .map((n) => `    ${n.target.join(" ")}\n      ${String(n.failureSummary).replace(/\n/g, "\n      ")}`)
          .join("\n"),
    );
}

/** How far the page scrolls sideways at its current width (0 when it reflows). */
export async function horizontalOverflow(page) {
  return page.evaluate(() => {
    const el = document.scrollingElement ?? document.documentElement;
    return el.scrollWidth - window.innerWidth;
  });
}

/** The widest elements sticking out of the viewport, to say what broke the reflow. */
async function overflowCulprits(page) {
  return page.evaluate(() => {
    const out = [];
    for (const el of document.querySelectorAll("body *")) {
      const r = el.getBoundingClientRect();
      if (r.right > window.innerWidth + 0.5 && r.width > 0) {
        out.push(`${el.tagName.toLowerCase()}.${[...el.classList].join(".")} right=${Math.round(r.right)}`);
      }
    }
    return out.slice(0, 8);
  });
}

const pathOf = (url) => {
  const u = new URL(url);
  return u.pathname;
};

/**
 * A new page in `context` that records CSP violations, CSP console reports and
 * uncaught errors, and which pages of `baseUrl` it visits.
 */
export async function watchPage(context, baseUrl) {
  const page = await context.newPage();
  const origin = new URL(baseUrl).origin;
  const report = { csp: [], errors: [], visited: new Set(), audited: new Set(), passThrough: new Set() };

  await page.exposeBinding("__openfundCspViolation", (_source, v) => report.csp.push(v));
  await page.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (e) => {
      window.__openfundCspViolation?.(
        `${e.violatedDirective} blocked ${e.blockedURI || "inline"} in ${e.sourceFile || e.documentURI}:${e.lineNumber}`,
      );
    });
  });
  page.on("console", (msg) => {
    if (msg.type() === "error" && /Content[- ]Security[- ]Policy/i.test(msg.text())) {
      report.csp.push(`console: ${msg.text()}`);
    }
  });
  page.on("pageerror", (err) => report.errors.push(String(err)));
  page.on("framenavigated", (frame) => {
    if (frame === page.mainFrame() && frame.url().startsWith(origin)) {
      report.visited.add(pathOf(frame.url()));
    }
  });

  /**
   * Checks the page as it is now: axe at the current width, no horizontal scroll
   * there nor at 320 px (axe again at 320 px unless `narrowAxe: false`).
   */
  async function audit(label, { narrowAxe = true } = {}) {
    const where = `${label} (${page.url()})`;
    const size = page.viewportSize();
    const violations = await axeViolations(page);
    assert.deepEqual(violations, [], `axe at ${size.width} px on ${where}:\n${violations.join("\n")}`);
    const overflow = await horizontalOverflow(page);
    assert.ok(
      overflow <= 0,
      `${where} scrolls sideways by ${overflow} px at ${size.width} px: ${await overflowCulprits(page)}`,
    );
    if (size.width !== NARROW.width) {
      await page.setViewportSize(NARROW);
      try {
        await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => r())));
        const narrow = await horizontalOverflow(page);
        assert.ok(
          narrow <= 0,
          `${where} scrolls sideways by ${narrow} px at 320 px: ${await overflowCulprits(page)}`,
        );
        if (narrowAxe) {
          const v = await axeViolations(page);
          assert.deepEqual(v, [], `axe at 320 px on ${where}:\n${v.join("\n")}`);
        }
      } finally {
        await page.setViewportSize(size);
      }
    }
    assert.deepEqual(report.csp, [], `Content-Security-Policy violated by ${where}`);
    report.audited.add(pathOf(page.url()));
  }

  /** A page of the app that only passes the visitor on (a redirect): nothing to audit. */
  function passesThrough(path) {
    report.passThrough.add(path);
  }

  function assertClean() {
    assert.deepEqual(report.csp, [], "no Content-Security-Policy violations");
    assert.deepEqual(report.errors, [], "no uncaught errors in the page");
    const unaudited = [...report.visited].filter(
      (p) => !report.audited.has(p) && !report.passThrough.has(p),
    );
    assert.deepEqual(unaudited, [], "every page visited was audited (axe, reflow)");
  }

  return { page, report, audit, passesThrough, assertClean };
}

/** WCAG contrast ratio of two CSS colours (`rgb()`/`rgba()`; alpha blended on `behind`). */
export function contrastRatio(fg, bg) {
  const lum = ([r, g, b]) => {
    const c = [r, g, b].map((v) => {
      const s = v / 255;
      return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
  };
  const [l1, l2] = [lum(fg), lum(bg)].sort((a, b) => b - a);
  return (l1 + 0.05) / (l2 + 0.05);
}

/**
 * The focused element's focus indicator: its outline colour (blended on what is
 * behind it) and that background, as [r, g, b] triples, or null without an outline.
 */
export async function focusRing(page) {
  return page.evaluate(() => {
    const el = document.activeElement;
    if (!el || el === document.body) return null;
    const parse = (c) => {
      const m = c.match(/rgba?\(([^)]+)\)/);
      if (!m) return null;
      const [r, g, b, a = "1"] = m[1].split(/[ ,/]+/).filter(Boolean);
      return [Number(r), Number(g), Number(b), Number(a)];
    };
    // The opaque background behind the element (the outline sits just outside it).
    let bg = null;
    for (let n = el.parentElement; n; n = n.parentElement) {
      const c = parse(getComputedStyle(n).backgroundColor);
      if (c && c[3] > 0) {
        bg = c;
        if (c[3] >= 1) break;
      }
    }
    bg = bg ?? [255, 255, 255, 1];
    const style = getComputedStyle(el);
    const pseudo = getComputedStyle(el, "::after");
    const width = parseFloat(style.outlineWidth);
    const source = style.outlineStyle !== "none" && width > 0 ? style : pseudo;
    if (source.outlineStyle === "none" || parseFloat(source.outlineWidth) <= 0) return null;
    const o = parse(source.outlineColor);
    if (!o) return null;
    const blend = o.slice(0, 3).map((v, i) => Math.round(v * o[3] + bg[i] * (1 - o[3])));
    return { ring: blend, behind: bg.slice(0, 3), tag: el.tagName, width: parseFloat(source.outlineWidth) };
  });
}
