import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import Papa from "papaparse";
import { describe, expect, it } from "vitest";
import type {
  Expense,
  Instalment,
  LedgerTransaction,
  MyPledge,
  Pledge,
  ProjectPledge,
} from "../../api/client";
import { me } from "../../test/accounts";
import { jsonResponse, problem, problemResponse, project } from "../../test/fixtures";
import { renderAt, stubServer } from "../../test/server";
import { filterQuery, matchesFilters, readFilters } from "./LedgerPage";
import { pledgesCsv } from "./MyPledgesPage";

const SLUG = "tiny-llama";
const P = `/api/v1/projects/${SLUG}`;

function tx(overrides: Partial<LedgerTransaction> = {}): LedgerTransaction {
  return {
    id: 11,
    kind: "receipt",
    description: "Pledge 3 received",
    occurred_at: "2025-11-28T10:00:00Z",
    reverses_id: null,
    expense_id: null,
    entries: [
      { account: "Assets:Projects:P1:Held", commodity: "USD", amount: 150000 },
      { account: "Income:Sponsors", commodity: "USD", amount: -150000 },
    ],
    ...overrides,
  };
}

function pledge(overrides: Partial<Pledge> = {}): Pledge {
  return {
    id: 3,
    project_id: 1,
    kind: "money",
    state: "pledged",
    amount: { currency: "USD", amount_minor: 2550 },
    recurrence: "one_time",
    anonymous: false,
    message: null,
    goal_id: null,
    compute: null,
    provider: null,
    window_start: null,
    window_end: null,
    created_at: "2025-11-28T09:00:00Z",
    ...overrides,
  };
}

function myPledge(overrides: Partial<MyPledge> = {}): MyPledge {
  return { ...pledge(), project_slug: SLUG, project_name: "Tiny Llama", ...overrides };
}

function projectPledge(overrides: Partial<ProjectPledge> = {}): ProjectPledge {
  return { ...pledge(), sponsor_name: "Grace Hopper", ...overrides };
}

const page = <T,>(items: T[], next: string | null = null) => jsonResponse({ items, next_cursor: next });

const projectRoutes = {
  [`GET ${P}`]: () => jsonResponse(project()),
  [`GET ${P}/balances`]: () =>
    jsonResponse({
      balances: [
        { account: "Assets:Projects:P1:Held", commodity: "USD", amount: 150000 },
        { account: "Assets:Projects:P1:Receivable:Compute", commodity: "GPU:H100-80GB", amount: 90 },
      ],
    }),
};

describe("FundingSection on the project page", () => {
  it("shows balances, the recent ledger, the pledge button and the full-ledger link", async () => {
    const server = stubServer(
      {
        ...projectRoutes,
        [`GET ${P}/ledger`]: () => page([tx()]),
        [`GET ${P}/pledges`]: () => problemResponse(problem(403, "forbidden", "Forbidden")),
      },
      me(),
    );
    renderAt(`/projects/${SLUG}`);
    const section = await screen.findByTestId("funding-section");
    const held = await within(section).findByTestId("held");
    expect(held.textContent).toContain("$1,500.00");
    expect(within(section).getByTestId("pending").textContent).toContain("1.5 GPU-h H100-80GB");
    const rows = await within(section).findAllByTestId("ledger-row");
    expect(rows).toHaveLength(1);
    expect(rows[0]!.textContent).toContain("+$1,500.00");
    expect(within(section).getByTestId("pledge-money").getAttribute("href")).toBe(
      `/projects/${SLUG}/pledge`,
    );
    expect(within(section).getByTestId("full-ledger").getAttribute("href")).toBe(
      `/projects/${SLUG}/ledger`,
    );
    // Only a few rows are asked for.
    expect(server.of(`GET ${P}/ledger`)[0]!.url.searchParams.get("limit")).toBe("5");
    // Not a maintainer: no console link.
    await waitFor(() => expect(server.of(`GET ${P}/pledges`)).toHaveLength(1));
    expect(within(section).queryByTestId("manage-funding")).toBeNull();
  });

  it("links maintainers to the console", async () => {
    stubServer({
      ...projectRoutes,
      [`GET ${P}/ledger`]: () => page([]),
      [`GET ${P}/pledges`]: () => page([]),
    });
    renderAt(`/projects/${SLUG}`);
    const link = await screen.findByTestId("manage-funding");
    expect(link.getAttribute("href")).toBe(`/projects/${SLUG}/manage`);
    expect(await screen.findByTestId("ledger-empty")).toBeTruthy();
  });
});

describe("money pledge flow", () => {
  function fillAndReview(amount: string) {
    fireEvent.change(screen.getByLabelText("Amount (USD)"), { target: { value: amount } });
    fireEvent.click(screen.getByTestId("pledge-review"));
  }

  it("parses the amount exactly, reviews, sends one Idempotency-Key and shows the receipt", async () => {
    let attempt = 0;
    const server = stubServer({
      [`GET ${P}`]: () => jsonResponse(project()),
      [`POST ${P}/pledges`]: (_url, init) => {
        attempt += 1;
        // The first answer is lost on the way (a network failure): the retry must reuse the key.
        if (attempt === 1) throw new TypeError("Failed to fetch");
        const body = JSON.parse(String(init?.body)) as { amount: Pledge["amount"] };
        return jsonResponse(pledge({ id: 42, amount: body.amount, recurrence: "monthly" }), 201);
      },
    });
    renderAt(`/projects/${SLUG}/pledge`);
    await screen.findByTestId("pledge-form");

    fillAndReview("12.345");
    expect(screen.getByTestId("error-amount").textContent).toBe("USD has 2 decimal places at most.");
    fireEvent.click(screen.getByLabelText("Every month"));
    fireEvent.click(screen.getByTestId("pledge-anonymous"));
    fillAndReview("0.29");

    await screen.findByTestId("pledge-review-step");
    expect(screen.getByTestId("review-amount").textContent).toBe("$0.29");
    expect(screen.getByTestId("review-recurrence").textContent).toContain("every month");
    expect(screen.getByTestId("review-anonymous").textContent).toBe("Anonymous");

    fireEvent.click(screen.getByTestId("pledge-submit"));
    expect(await screen.findByTestId("form-error")).toBeTruthy();
    fireEvent.click(screen.getByTestId("pledge-submit"));
    const receipt = await screen.findByTestId("pledge-receipt");
    expect(within(receipt).getByTestId("receipt-reference").textContent).toBe("pledge #42");
    expect(within(receipt).getByTestId("receipt-amount").textContent).toBe("$0.29");

    const posts = server.of(`POST ${P}/pledges`);
    expect(posts).toHaveLength(2);
    const keys = posts.map((c) => server.header(c, "Idempotency-Key"));
    expect(keys[0]).toMatch(/^[0-9a-f-]{36}$/);
    expect(keys[1]).toBe(keys[0]);
    expect(server.body(posts[1]!)).toEqual({
      kind: "money",
      amount: { currency: "USD", amount_minor: 29 },
      recurrence: "monthly",
      anonymous: true,
      message: null,
    });
  });

  it("uses a new key after the pledge is edited", async () => {
    const server = stubServer({
      [`GET ${P}`]: () => jsonResponse(project({ currency: "JPY" })),
      [`POST ${P}/pledges`]: () =>
        problemResponse(problem(503, "unavailable", "Service Unavailable")),
    });
    renderAt(`/projects/${SLUG}/pledge`);
    await screen.findByTestId("pledge-form");
    fireEvent.change(screen.getByLabelText("Amount (JPY)"), { target: { value: "1.5" } });
    fireEvent.click(screen.getByTestId("pledge-review"));
    expect(screen.getByTestId("error-amount").textContent).toContain("whole number");
    fireEvent.change(screen.getByLabelText("Amount (JPY)"), { target: { value: "1500" } });
    fireEvent.click(screen.getByTestId("pledge-review"));
    expect((await screen.findByTestId("review-amount")).textContent).toBe("¥1,500");
    fireEvent.click(screen.getByTestId("pledge-submit"));
    await screen.findByTestId("form-error");
    fireEvent.click(screen.getByRole("button", { name: "Edit" }));
    fireEvent.click(await screen.findByTestId("pledge-review"));
    fireEvent.click(await screen.findByTestId("pledge-submit"));
    await waitFor(() => expect(server.of(`POST ${P}/pledges`)).toHaveLength(2));
    const [a, b] = server.of(`POST ${P}/pledges`).map((c) => server.header(c, "Idempotency-Key"));
    expect(a).not.toBe(b);
    expect(server.body(server.of(`POST ${P}/pledges`)[0]!)).toMatchObject({
      amount: { currency: "JPY", amount_minor: 1500 },
    });
  });

  it("shows the server's field errors on the form", async () => {
    stubServer({
      [`GET ${P}`]: () => jsonResponse(project({ currency: "KWD" })),
      [`POST ${P}/pledges`]: () =>
        problemResponse({
          ...problem(422, "validation_failed", "Unprocessable Entity"),
          errors: [{ field: "message", code: "format", message: "must not contain control characters" }],
        }),
    });
    renderAt(`/projects/${SLUG}/pledge`);
    await screen.findByTestId("pledge-form");
    fireEvent.change(screen.getByLabelText("Amount (KWD)"), { target: { value: "1.234" } });
    fireEvent.click(screen.getByTestId("pledge-review"));
    expect((await screen.findByTestId("review-amount")).textContent).toBe("KWD\u00a01.234");
    fireEvent.click(screen.getByTestId("pledge-submit"));
    expect((await screen.findByTestId("error-message")).textContent).toBe(
      "This is not in the expected form.",
    );
    expect(screen.getByTestId("pledge-form")).toBeTruthy();
  });

  it("sends signed-out visitors to log in first", async () => {
    stubServer({ [`GET ${P}`]: () => jsonResponse(project()) }, null);
    renderAt(`/projects/${SLUG}/pledge`);
    await waitFor(() => expect(window.location.pathname).toBe("/login"));
    expect(window.location.search).toBe(`?next=/projects/${SLUG}/pledge`);
  });
});

describe("public ledger page", () => {
  it("reads filters from the URL, sends them, and offers filtered downloads", async () => {
    const server = stubServer({
      ...projectRoutes,
      [`GET ${P}/ledger`]: (url) =>
        url.searchParams.get("cursor")
          ? page([tx({ id: 5, occurred_at: "2025-11-02T10:00:00Z" })])
          : page(
              [
                tx(),
                // Outside the dates: a server that ignores `from` still shows it; the page does not.
                tx({ id: 9, occurred_at: "2025-10-01T10:00:00Z" }),
              ],
              "abc",
            ),
    });
    renderAt(`/projects/${SLUG}/ledger?kind=receipt&commodity=USD&from=2025-11-01&to=2025-11-30`);
    const rows = await screen.findAllByTestId("ledger-row");
    expect(rows.map((r) => r.getAttribute("data-id"))).toEqual(["11"]);
    const sent = server.of(`GET ${P}/ledger`)[0]!.url.searchParams;
    expect(sent.get("kind")).toBe("receipt");
    expect(sent.get("commodity")).toBe("USD");
    expect(sent.get("from")).toBe("2025-11-01");
    expect(sent.get("to")).toBe("2025-11-30");
    const qs = "?kind=receipt&commodity=USD&from=2025-11-01&to=2025-11-30";
    expect(screen.getByTestId("download-csv").getAttribute("href")).toBe(`${P}/ledger.csv${qs}`);
    expect(screen.getByTestId("download-beancount").getAttribute("href")).toBe(
      `${P}/ledger.beancount${qs}`,
    );
    expect(screen.getByTestId("ledger-totals").textContent).toContain("+$1,500.00");
    expect((await screen.findAllByTestId("balance")).length).toBe(2);

    fireEvent.click(screen.getByTestId("load-more"));
    await waitFor(() => expect(screen.getAllByTestId("ledger-row")).toHaveLength(2));
    expect(server.of(`GET ${P}/ledger`)[1]!.url.searchParams.get("cursor")).toBe("abc");
  });

  it("puts applied filters in the URL", async () => {
    stubServer({ ...projectRoutes, [`GET ${P}/ledger`]: () => page([tx()]) });
    renderAt(`/projects/${SLUG}/ledger`);
    await screen.findAllByTestId("ledger-row");
    const form = screen.getByTestId("ledger-filters");
    fireEvent.change(within(form).getByLabelText("Kind"), { target: { value: "expense" } });
    fireEvent.change(within(form).getByLabelText("From"), { target: { value: "2025-01-01" } });
    fireEvent.click(screen.getByTestId("apply-filters"));
    await waitFor(() => expect(window.location.search).toBe("?kind=expense&from=2025-01-01"));
    expect(await screen.findByTestId("ledger-empty")).toBeTruthy();
  });

  it("filters by the same rules it sends", () => {
    const f = readFilters(new URLSearchParams("kind=nope&commodity=GPU:H100-80GB&from=2025-1-1&to=2025-12-31"));
    expect(f).toEqual({ kind: "", commodity: "GPU:H100-80GB", from: "", to: "2025-12-31" });
    expect(filterQuery(f)).toBe("?commodity=GPU%3AH100-80GB&to=2025-12-31");
    expect(matchesFilters(tx(), f)).toBe(false);
    expect(
      matchesFilters(
        tx({ entries: [{ account: "Assets:Projects:P1:Receivable:Compute", commodity: "GPU:H100-80GB", amount: 60 }] }),
        f,
      ),
    ).toBe(true);
  });
});

describe("sponsor dashboard", () => {
  it("lists my pledges with totals per currency and cancels an open one", async () => {
    const server = stubServer({
      "GET /api/v1/me/pledges": () =>
        page([
          myPledge({ id: 3 }),
          myPledge({ id: 2, state: "received", amount: { currency: "USD", amount_minor: 10000 } }),
          myPledge({ id: 1, state: "received", amount: { currency: "JPY", amount_minor: 1500 } }),
        ]),
      "POST /api/v1/pledges/3/cancel": () => jsonResponse(pledge({ id: 3, state: "cancelled" })),
    });
    renderAt("/me/pledges");
    const rows = await screen.findAllByTestId("my-pledge");
    expect(rows).toHaveLength(3);
    expect(within(rows[1]!).getByTestId("my-pledge-received").textContent).toBe("$100.00");
    const totals = screen.getByTestId("pledge-totals");
    const usd = totals.querySelector('[data-currency="USD"]')!;
    expect(within(usd as HTMLElement).getByTestId("total-open").textContent).toBe("$25.50");
    expect(within(usd as HTMLElement).getByTestId("total-received").textContent).toBe("$100.00");
    const jpy = totals.querySelector('[data-currency="JPY"]')!;
    expect(within(jpy as HTMLElement).getByTestId("total-received").textContent).toBe("¥1,500");

    expect(within(rows[1]!).queryByTestId("pledge-cancel")).toBeNull();
    fireEvent.click(within(rows[0]!).getByTestId("pledge-cancel"));
    fireEvent.click(within(rows[0]!).getByTestId("pledge-cancel-confirm"));
    await waitFor(() =>
      expect(screen.getAllByTestId("my-pledge")[0]!.getAttribute("data-state")).toBe("cancelled"),
    );
    expect(server.of("POST /api/v1/pledges/3/cancel")).toHaveLength(1);
  });

  it("writes the CSV with papaparse: quoted, exact decimals, formulas defused", () => {
    const csv = pledgesCsv([
      myPledge({ message: 'Thanks, "team"\nkeep going', amount: { currency: "KWD", amount_minor: 10_000_000_000_001 } }),
      myPledge({ id: 4, project_name: "=HYPERLINK(\"x\")", state: "received" }),
      myPledge({
        id: 5,
        kind: "compute",
        amount: null,
        recurrence: null,
        compute: { accelerator: "H100-80GB", gpu_minutes: 90 },
      }),
    ]);
    const parsed = Papa.parse<string[]>(csv.trim());
    expect(parsed.errors).toEqual([]);
    expect(parsed.data[0]).toEqual([
      "pledge_id",
      "project",
      "project_slug",
      "created_at",
      "kind",
      "recurrence",
      "state",
      "currency",
      "amount",
      "received",
      "anonymous",
      "message",
      "accelerator",
      "gpu_minutes",
    ]);
    expect(parsed.data[1]![12]).toBe("");
    expect(parsed.data[3]!.slice(7, 10)).toEqual(["", "", ""]);
    expect(parsed.data[3]!.slice(12)).toEqual(["H100-80GB", "90"]);
    expect(parsed.data[1]![8]).toBe("10000000000.001");
    expect(parsed.data[1]![9]).toBe("0.000");
    expect(parsed.data[1]![11]).toBe('Thanks, "team"\nkeep going');
    expect(parsed.data[2]![1]).toBe("'=HYPERLINK(\"x\")");
    expect(parsed.data[2]![9]).toBe("25.50");
  });

  it("shows an empty state", async () => {
    stubServer({ "GET /api/v1/me/pledges": () => page([]) });
    renderAt("/me/pledges");
    expect(await screen.findByTestId("no-pledges")).toBeTruthy();
  });
});

describe("maintainer console", () => {
  function instalment(overrides: Partial<Instalment> = {}): Instalment {
    return {
      id: 8,
      pledge_id: 6,
      number: 2,
      due_at: "2025-12-28T00:00:00Z",
      amount: { currency: "USD", amount_minor: 500 },
      state: "due",
      received_at: null,
      ...overrides,
    };
  }

  it("confirms a pending pledge; anonymous sponsors are shown without a name", async () => {
    const server = stubServer({
      [`GET ${P}`]: () => jsonResponse(project()),
      [`GET ${P}/pledges`]: () =>
        page([projectPledge({ id: 3 }), projectPledge({ id: 4, anonymous: true, sponsor_name: null })]),
      "POST /api/v1/pledges/3/confirm": () => jsonResponse(pledge({ id: 3, state: "received" })),
    });
    renderAt(`/projects/${SLUG}/manage`);
    const rows = await screen.findAllByTestId("pending-pledge");
    expect(rows.map((r) => within(r).getByTestId("pending-sponsor").textContent)).toEqual([
      "Grace Hopper",
      "Anonymous",
    ]);
    expect(
      server.of(`GET ${P}/pledges`).every((c) => c.url.searchParams.get("state") === "pledged" || c.url.searchParams.get("limit") === "1"),
    ).toBe(true);
    fireEvent.click(within(rows[0]!).getByTestId("confirm-pledge"));
    expect((await screen.findByTestId("pledge-confirmed")).textContent).toContain("#3");
    expect(screen.getAllByTestId("pending-pledge")).toHaveLength(1);
  });

  it("confirms a due instalment", async () => {
    const server = stubServer({
      [`GET ${P}`]: () => jsonResponse(project()),
      [`GET ${P}/pledges`]: () => page([]),
      [`GET ${P}/instalments`]: () => page([instalment()]),
      "POST /api/v1/instalments/8/confirm": () => jsonResponse(instalment({ state: "received" })),
    });
    renderAt(`/projects/${SLUG}/manage?section=instalments`);
    const row = await screen.findByTestId("due-instalment");
    expect(row.textContent).toContain("$5.00");
    fireEvent.click(within(row).getByTestId("confirm-instalment"));
    await waitFor(() => expect(screen.queryByTestId("due-instalment")).toBeNull());
    expect(server.of(`GET ${P}/instalments`)[0]!.url.searchParams.get("state")).toBe("due");
  });

  it("records an expense with a receipt link, and shows insufficient funds", async () => {
    let recorded = false;
    const expense: Expense = {
      id: 1,
      description: "GPU rental",
      amount: { currency: "USD", amount_minor: 125000 },
      receipt_url: "https://example.org/r.pdf",
      created_at: "2025-11-29T10:00:00Z",
    };
    const server = stubServer({
      [`GET ${P}`]: () => jsonResponse(project()),
      [`GET ${P}/pledges`]: () => page([]),
      [`GET ${P}/expenses`]: () => page(recorded ? [expense] : []),
      [`POST ${P}/expenses`]: (_u, init) => {
        const body = JSON.parse(String(init?.body)) as { amount: { amount_minor: number } };
        if (body.amount.amount_minor > 200000) {
          return problemResponse(problem(422, "insufficient_funds", "Unprocessable Entity"));
        }
        recorded = true;
        return jsonResponse({ expense, transaction_id: 12 }, 201);
      },
    });
    renderAt(`/projects/${SLUG}/manage?section=expenses`);
    const form = await screen.findByTestId("expense-form");
    fireEvent.change(within(form).getByLabelText("What it was for"), { target: { value: "GPU rental" } });
    fireEvent.change(within(form).getByLabelText("Amount (USD)"), { target: { value: "5000" } });
    fireEvent.change(within(form).getByLabelText("Receipt link (optional)"), {
      target: { value: "https://example.org/r.pdf" },
    });
    fireEvent.click(screen.getByTestId("expense-submit"));
    expect((await screen.findByTestId("form-error")).textContent).toContain("does not hold that much");
    fireEvent.change(within(form).getByLabelText("Amount (USD)"), { target: { value: "1250" } });
    fireEvent.click(screen.getByTestId("expense-submit"));
    const row = await screen.findByTestId("expense");
    expect(row.textContent).toContain("$1,250.00");
    expect(within(row).getByRole("link").getAttribute("href")).toBe("https://example.org/r.pdf");
    expect(server.body(server.of(`POST ${P}/expenses`)[1]!)).toEqual({
      description: "GPU rental",
      amount: { currency: "USD", amount_minor: 125000 },
      receipt_url: "https://example.org/r.pdf",
    });
  });

  it("reverses a ledger transaction after a confirmation", async () => {
    const server = stubServer({
      [`GET ${P}`]: () => jsonResponse(project()),
      [`GET ${P}/pledges`]: () => page([]),
      [`GET ${P}/ledger`]: () => page([tx()]),
      [`POST ${P}/ledger/11/reverse`]: () => jsonResponse(tx({ id: 12, kind: "reversal", reverses_id: 11 }), 201),
    });
    renderAt(`/projects/${SLUG}/manage?section=ledger`);
    fireEvent.click(await screen.findByTestId("reverse"));
    fireEvent.click(screen.getByTestId("reverse-confirm"));
    await waitFor(() => expect(server.of(`POST ${P}/ledger/11/reverse`)).toHaveLength(1));
    await waitFor(() => expect(server.of(`GET ${P}/ledger`)).toHaveLength(2));
  });

  it("tells others the console is not theirs", async () => {
    stubServer({
      [`GET ${P}`]: () => jsonResponse(project()),
      [`GET ${P}/pledges`]: () => problemResponse(problem(403, "forbidden", "Forbidden")),
    });
    renderAt(`/projects/${SLUG}/manage`);
    expect(await screen.findByTestId("manage-forbidden")).toBeTruthy();
  });
});
