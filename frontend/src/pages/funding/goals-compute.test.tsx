import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import type { Delivery, Goal, MyPledge, Pledge, PledgeDeliveries, WallSponsor } from "../../api/client";
import { utcDate } from "../../lib/compute";
import { me } from "../../test/accounts";
import { jsonResponse, problem, problemResponse, project } from "../../test/fixtures";
import { renderAt, stubServer } from "../../test/server";
import { checkComputeDraft, type ComputeDraft } from "./ComputePledge";
import { safeLogoUrl, SPONSOR_REL } from "./SponsorWall";
import { sortGoals } from "./Goals";

const SLUG = "tiny-llama";
const P = `/api/v1/projects/${SLUG}`;

function goal(overrides: Partial<Goal> = {}): Goal {
  return {
    id: 5,
    project_id: 1,
    title: "Train the 7B model",
    description: "",
    deadline: null,
    status: "open",
    met_at: null,
    money_target: { currency: "USD", amount_minor: 1_000_000 },
    compute_targets: [{ accelerator: "H100-80GB", gpu_minutes: 60_000 }],
    progress: {
      money: {
        target: { currency: "USD", amount_minor: 1_000_000 },
        pledged: { currency: "USD", amount_minor: 456_700 },
        received: { currency: "USD", amount_minor: 100_000 },
        pledged_basis_points: 4567,
        received_basis_points: 1000,
      },
      compute: [
        {
          accelerator: "H100-80GB",
          target_gpu_minutes: 60_000,
          pledged_gpu_minutes: 750,
          delivered_gpu_minutes: 90,
          pledged_basis_points: 125,
          delivered_basis_points: 15,
        },
      ],
      combined: {
        target: { currency: "USD", amount_minor: 2_000_000 },
        pledged: { currency: "USD", amount_minor: 500_000 },
        received: { currency: "USD", amount_minor: 110_000 },
        pledged_basis_points: 2500,
        received_basis_points: 550,
      },
      reached: false,
    },
    created_at: "2025-11-28T09:00:00Z",
    updated_at: "2025-11-28T09:00:00Z",
    ...overrides,
  };
}

function pledge(overrides: Partial<Pledge> = {}): Pledge {
  return {
    id: 9,
    project_id: 1,
    kind: "compute",
    state: "pledged",
    amount: null,
    recurrence: null,
    anonymous: false,
    message: null,
    goal_id: null,
    compute: { accelerator: "H100-80GB", gpu_minutes: 600 },
    provider: "Acme Cloud",
    window_start: "2025-11-28T00:00:00Z",
    window_end: "2026-12-31T23:59:59Z",
    created_at: "2025-11-28T09:00:00Z",
    ...overrides,
  };
}

const page = <T,>(items: T[], next: string | null = null) => jsonResponse({ items, next_cursor: next });

const ACCELERATORS = {
  items: [
    { code: "H100-80GB", display_name: "NVIDIA H100 80GB", created_at: "2025-11-01T00:00:00Z" },
    { code: "TPU-v5e", display_name: "TPU-v5e", created_at: "2025-11-01T00:00:00Z" },
  ],
};

function sponsor(overrides: Partial<WallSponsor> = {}): WallSponsor {
  return {
    display_name: "Acme Compute",
    url: "https://acme.example/",
    logo_url: "https://acme.example/logo.png",
    totals: {
      money: [{ currency: "USD", amount_minor: 150_000 }],
      compute: [{ accelerator: "H100-80GB", gpu_minutes: 90 }],
    },
    ...overrides,
  };
}

/** The project page's other calls, answered empty. */
const quietProject = {
  [`GET ${P}`]: () => jsonResponse(project()),
  [`GET ${P}/balances`]: () => jsonResponse({ balances: [] }),
  [`GET ${P}/ledger`]: () => page([]),
  [`GET ${P}/pledges`]: () => problemResponse(problem(403, "forbidden", "Forbidden")),
};

function bar(container: HTMLElement, testId: string): HTMLElement {
  return within(within(container).getByTestId(testId)).getByRole("progressbar");
}

describe("goals on the project page", () => {
  it("lists open goals first with separate pledged and received bars per target", async () => {
    stubServer({
      ...quietProject,
      [`GET ${P}/sponsors`]: () => jsonResponse({ currency: "USD", sponsors: [] }),
      [`GET ${P}/goals`]: () =>
        page([
          goal({ id: 1, title: "Old one", status: "expired", deadline: "2025-10-01T00:00:00Z" }),
          goal({ id: 2, title: "Met one", status: "met", met_at: "2025-11-01T00:00:00Z" }),
          goal({ id: 5 }),
        ]),
    });
    renderAt(`/projects/${SLUG}`);
    const list = await screen.findByTestId("goal-list");
    const goals = within(list).getAllByTestId("goal");
    expect(goals.map((g) => g.getAttribute("data-status"))).toEqual(["open", "met", "expired"]);
    const open = goals[0]!;
    expect(within(open).getByTestId("goal-link").getAttribute("href")).toBe(`/projects/${SLUG}/goals/5`);

    const money = within(open).getByTestId("goal-money");
    const pledged = bar(money, "progress-money-pledged");
    expect(pledged.getAttribute("aria-valuenow")).toBe("45.67");
    expect(pledged.getAttribute("aria-valuemin")).toBe("0");
    expect(pledged.getAttribute("aria-valuemax")).toBe("100");
    expect(pledged.getAttribute("aria-valuetext")).toBe("$4,567.00 of $10,000.00 pledged, 45.67%");
    expect(screen.getAllByRole("progressbar").length).toBeGreaterThanOrEqual(6);
    const received = bar(money, "progress-money-received");
    expect(received.getAttribute("aria-valuetext")).toBe("$1,000.00 of $10,000.00 received, 10%");
    // The bar's accessible name is its label.
    expect(within(money).getByRole("progressbar", { name: "Received" })).toBe(received);

    const compute = within(open).getByTestId("goal-compute");
    expect(compute.getAttribute("data-accelerator")).toBe("H100-80GB");
    expect(bar(compute, "progress-compute-pledged").getAttribute("aria-valuetext")).toBe(
      "12.5 GPU-h of 1,000 GPU-h pledged, 1.25%",
    );
    expect(bar(compute, "progress-compute-delivered").getAttribute("aria-valuetext")).toBe(
      "1.5 GPU-h of 1,000 GPU-h delivered, 0.15%",
    );
    const combined = within(open).getByTestId("goal-combined");
    expect(bar(combined, "progress-combined-pledged").getAttribute("aria-valuenow")).toBe("25");
    expect(bar(combined, "progress-combined-received").getAttribute("aria-valuetext")).toContain("5.5%");
    expect(within(open).getByTestId("goal-pledge").getAttribute("href")).toBe(
      `/projects/${SLUG}/pledge?goal=5`,
    );
    // Only open goals take pledges.
    expect(within(goals[1]!).queryByTestId("goal-pledge")).toBeNull();
    expect(within(goals[2]!).getByTestId("goal-deadline").textContent).toContain("2025");
  });

  it("fills a bar past its target no further than full, and says how far past", async () => {
    const over = goal();
    over.progress.money!.pledged_basis_points = 12500;
    over.progress.compute = [];
    over.progress.combined = null;
    stubServer({
      ...quietProject,
      [`GET ${P}/sponsors`]: () => jsonResponse({ currency: "USD", sponsors: [] }),
      [`GET ${P}/goals`]: () => page([over]),
    });
    renderAt(`/projects/${SLUG}`);
    const money = await screen.findByTestId("goal-money");
    const pledged = bar(money, "progress-money-pledged");
    expect(pledged.getAttribute("aria-valuenow")).toBe("100");
    expect(pledged.getAttribute("aria-valuetext")).toContain("125%");
    expect((pledged.firstElementChild as HTMLElement).style.width).toBe("100%");
    expect(screen.queryByTestId("goal-combined")).toBeNull();
    expect(screen.queryByTestId("goal-compute")).toBeNull();
  });

  it("says so when there are no goals", async () => {
    stubServer({
      ...quietProject,
      [`GET ${P}/sponsors`]: () => jsonResponse({ currency: "USD", sponsors: [] }),
      [`GET ${P}/goals`]: () => page([]),
    });
    renderAt(`/projects/${SLUG}`);
    expect(await screen.findByTestId("no-goals")).toBeTruthy();
    expect(await screen.findByTestId("no-sponsors")).toBeTruthy();
  });

  it("sorts by status, keeping the server's order within one", () => {
    const order = sortGoals([
      goal({ id: 1, status: "closed" }),
      goal({ id: 2, status: "open" }),
      goal({ id: 3, status: "expired" }),
      goal({ id: 4, status: "open" }),
      goal({ id: 5, status: "met" }),
    ]).map((g) => g.id);
    expect(order).toEqual([2, 4, 5, 1, 3]);
  });
});

describe("the goal page", () => {
  it("renders the description as Markdown, the deadline, the status and the progress", async () => {
    stubServer({
      [`GET ${P}`]: () => jsonResponse(project()),
      "GET /api/v1/goals/5": () =>
        jsonResponse(
          goal({
            description: "We need **GPUs**. [Plan](https://example.org/plan) [bad](javascript:alert(1))",
            deadline: "2026-06-30T00:00:00Z",
          }),
        ),
    });
    renderAt(`/projects/${SLUG}/goals/5`);
    const pageEl = await screen.findByTestId("goal-page");
    expect(screen.getByTestId("goal-title").textContent).toBe("Train the 7B model");
    expect(screen.getByRole("heading", { level: 1, name: "Train the 7B model" })).toBeTruthy();
    const description = within(pageEl).getByTestId("goal-description");
    expect(description.querySelector("strong")?.textContent).toBe("GPUs");
    const links = [...description.querySelectorAll("a")].map((a) => a.getAttribute("href"));
    expect(links).toEqual(["https://example.org/plan"]);
    expect(within(pageEl).getByTestId("goal-deadline").getAttribute("datetime")).toBe(
      "2026-06-30T00:00:00Z",
    );
    expect(within(pageEl).getByTestId("goal-status").textContent).toBe("Open");
    expect(within(pageEl).getAllByRole("progressbar")).toHaveLength(6);
    expect(screen.getByTestId("goal-pledge-compute").getAttribute("href")).toBe(
      `/projects/${SLUG}/pledge?goal=5&kind=compute`,
    );
    await waitFor(() => expect(document.title).toContain("Goal · Tiny Llama"));
  });

  it("is not found for a goal of another project, or a malformed id", async () => {
    stubServer({
      [`GET ${P}`]: () => jsonResponse(project()),
      "GET /api/v1/goals/6": () => jsonResponse(goal({ id: 6, project_id: 99 })),
    });
    const view = renderAt(`/projects/${SLUG}/goals/6`);
    expect(await screen.findByTestId("goal-not-found")).toBeTruthy();
    view.unmount();
    renderAt(`/projects/${SLUG}/goals/1.5`);
    expect(await screen.findByTestId("goal-not-found")).toBeTruthy();
  });
});

describe("the sponsor wall", () => {
  it("links http(s) sponsors with rel=sponsored nofollow noopener and shows logos with alt", async () => {
    stubServer({
      ...quietProject,
      [`GET ${P}/goals`]: () => page([]),
      [`GET ${P}/sponsors`]: () =>
        jsonResponse({
          currency: "USD",
          sponsors: [
            sponsor(),
            sponsor({ display_name: "Sneaky", url: "javascript:alert(1)", logo_url: "http://other.example/x.png" }),
            sponsor({ display_name: "Lena Park", url: null, logo_url: null, totals: { money: [], compute: [] } }),
          ],
        }),
    });
    renderAt(`/projects/${SLUG}`);
    const wall = await screen.findByTestId("sponsor-wall");
    const cards = within(wall).getAllByTestId("sponsor");
    expect(cards).toHaveLength(3);
    const link = within(cards[0]!).getByTestId("sponsor-link");
    expect(link.getAttribute("href")).toBe("https://acme.example/");
    expect(link.getAttribute("rel")).toBe("sponsored nofollow noopener");
    expect(link.getAttribute("target")).toBe("_blank");
    const logo = within(cards[0]!).getByRole("img");
    expect(logo.getAttribute("alt")).toBe("Acme Compute logo");
    expect(logo.getAttribute("src")).toBe("https://acme.example/logo.png");
    expect(within(cards[0]!).getByTestId("sponsor-totals").textContent).toBe(
      "$1,500.00 · 1.5 GPU-h H100-80GB",
    );
    // Not http(s): the name, but no link; an http logo elsewhere is not loaded.
    expect(within(cards[1]!).queryByTestId("sponsor-link")).toBeNull();
    expect(within(cards[1]!).getByTestId("sponsor-name").textContent).toBe("Sneaky");
    expect(within(cards[1]!).queryByRole("img")).toBeNull();
    expect(wall.querySelectorAll("a[href^='javascript']")).toHaveLength(0);
    expect(within(cards[2]!).queryByTestId("sponsor-totals")).toBeNull();
    expect(SPONSOR_REL).toBe("sponsored nofollow noopener");
  });

  it("loads logos over https, or from this site only", () => {
    expect(safeLogoUrl("https://a.example/l.png", "http://127.0.0.1:8080")).toBe("https://a.example/l.png");
    expect(safeLogoUrl("http://a.example/l.png", "http://127.0.0.1:8080")).toBeNull();
    expect(safeLogoUrl("http://127.0.0.1:8080/l.svg", "http://127.0.0.1:8080")).toBe(
      "http://127.0.0.1:8080/l.svg",
    );
    expect(safeLogoUrl("data:image/png;base64,xx", "http://127.0.0.1:8080")).toBeNull();
    expect(safeLogoUrl(null)).toBeNull();
  });
});

describe("compute pledge flow", () => {
  const draft = (o: Partial<ComputeDraft> = {}): ComputeDraft => ({
    accelerator: "H100-80GB",
    hours: "1.5",
    provider: "",
    start: "",
    end: "2026-12-31",
    goal: "",
    anonymous: false,
    message: "",
    ...o,
  });

  it("checks a draft before sending: whole minutes, a window that ends after it starts", () => {
    const ok = checkComputeDraft(draft({ provider: " Acme ", start: "2026-12-01", goal: "5" }), "2026-11-30");
    expect(ok).toEqual({
      ok: true,
      body: {
        kind: "compute",
        compute: { accelerator: "H100-80GB", gpu_minutes: 90 },
        provider: "Acme",
        window_start: "2026-12-01T00:00:00Z",
        window_end: "2026-12-31T23:59:59Z",
        goal_id: 5,
        anonymous: false,
        message: null,
      },
    });
    const bad = checkComputeDraft(
      draft({ accelerator: "", hours: "0.01", start: "2027-01-10", end: "2027-01-09" }),
      "2026-11-30",
    );
    expect(bad.ok).toBe(false);
    if (!bad.ok) {
      expect(Object.keys(bad.errors).sort()).toEqual(["accelerator", "end", "hours"]);
      expect(bad.errors.hours).toMatch(/whole number of GPU-minutes/);
    }
    const past = checkComputeDraft(draft({ end: "2026-11-29" }), "2026-11-30");
    expect(!past.ok && past.errors.end).toBe("The window must end today or later.");
  });

  it("pledges compute: class, hours, window, goal → review → receipt, with one Idempotency-Key", async () => {
    const end = `${Number(utcDate().slice(0, 4)) + 1}-06-30`;
    const server = stubServer({
      [`GET ${P}`]: () => jsonResponse(project()),
      "GET /api/v1/accelerators": () => jsonResponse(ACCELERATORS),
      [`GET ${P}/goals`]: (url) => {
        expect(url.searchParams.get("status")).toBe("open");
        return page([goal()]);
      },
      [`POST ${P}/pledges`]: (_url, init) => {
        const body = JSON.parse(String(init?.body)) as { compute: Pledge["compute"]; goal_id: number };
        return jsonResponse(
          pledge({ id: 77, compute: body.compute, goal_id: body.goal_id, window_end: `${end}T23:59:59Z` }),
          201,
        );
      },
    });
    renderAt(`/projects/${SLUG}/pledge?kind=compute&goal=5`);
    await screen.findByTestId("compute-pledge-form");
    expect(screen.getByRole("heading", { level: 1 }).textContent).toBe("Pledge compute to Tiny Llama");
    expect((screen.getByTestId("pledge-kind-compute") as HTMLInputElement).checked).toBe(true);

    fireEvent.click(screen.getByTestId("pledge-review"));
    expect(screen.getByTestId("error-accelerator").textContent).toBe("Choose the accelerator class.");
    expect(screen.getByTestId("error-hours")).toBeTruthy();
    expect(screen.getByTestId("error-end")).toBeTruthy();

    fireEvent.change(screen.getByLabelText("Accelerator class"), { target: { value: "H100-80GB" } });
    fireEvent.change(screen.getByLabelText("GPU-hours"), { target: { value: "0.01" } });
    fireEvent.change(screen.getByLabelText("Last day"), { target: { value: end } });
    fireEvent.change(screen.getByLabelText("Provider (optional)"), { target: { value: "Acme Cloud" } });
    fireEvent.click(screen.getByTestId("pledge-review"));
    expect(screen.getByTestId("error-hours").textContent).toMatch(/0\.05 hours/);
    expect(screen.getByLabelText("GPU-hours").getAttribute("aria-invalid")).toBe("true");

    fireEvent.change(screen.getByLabelText("GPU-hours"), { target: { value: "1.5" } });
    expect(screen.getByText(/= 90 GPU-minutes/)).toBeTruthy();
    expect((screen.getByLabelText("Counts toward a goal (optional)") as HTMLSelectElement).value).toBe("5");
    fireEvent.click(screen.getByTestId("pledge-review"));

    await screen.findByTestId("pledge-review-step");
    expect(screen.getByTestId("review-compute").textContent).toContain("1.5 GPU-h of NVIDIA H100 80GB (H100-80GB)");
    expect(screen.getByTestId("review-compute").textContent).toContain("90 GPU-minutes");
    expect(screen.getByTestId("review-goal").textContent).toBe("Train the 7B model");
    fireEvent.click(screen.getByTestId("pledge-submit"));

    const receipt = await screen.findByTestId("pledge-receipt");
    expect(within(receipt).getByTestId("receipt-reference").textContent).toBe("pledge #77");
    expect(within(receipt).getByTestId("receipt-compute").textContent).toBe("1.5 GPU-h H100-80GB");
    const [post] = server.of(`POST ${P}/pledges`);
    expect(server.header(post!, "Idempotency-Key")).toMatch(/^[0-9a-f-]{36}$/);
    expect(server.body(post!)).toEqual({
      kind: "compute",
      compute: { accelerator: "H100-80GB", gpu_minutes: 90 },
      provider: "Acme Cloud",
      window_start: null,
      window_end: `${end}T23:59:59Z`,
      goal_id: 5,
      anonymous: false,
      message: null,
    });
  });

  it("shows the server's field errors next to the fields", async () => {
    const end = `${Number(utcDate().slice(0, 4)) + 1}-01-31`;
    stubServer({
      [`GET ${P}`]: () => jsonResponse(project()),
      "GET /api/v1/accelerators": () => jsonResponse(ACCELERATORS),
      [`GET ${P}/goals`]: () => page([]),
      [`POST ${P}/pledges`]: () =>
        problemResponse({
          ...problem(422, "validation_failed", "Unprocessable Entity"),
          errors: [
            { field: "accelerator", code: "unknown", message: "not a class of the accelerator catalogue" },
            { field: "window_end", code: "too_far", message: "must be at most 3653 days ahead" },
            { field: "provider", code: "format", message: "must not contain control characters" },
          ],
        }),
    });
    renderAt(`/projects/${SLUG}/pledge`);
    // Money first; compute is one click away.
    await screen.findByTestId("pledge-form");
    fireEvent.click(screen.getByTestId("pledge-kind-compute"));
    await screen.findByTestId("compute-pledge-form");
    // No open goals: no goal choice.
    expect(screen.queryByLabelText("Counts toward a goal (optional)")).toBeNull();
    fireEvent.change(screen.getByLabelText("Accelerator class"), { target: { value: "TPU-v5e" } });
    fireEvent.change(screen.getByLabelText("GPU-hours"), { target: { value: "2" } });
    fireEvent.change(screen.getByLabelText("Last day"), { target: { value: end } });
    fireEvent.click(screen.getByTestId("pledge-review"));
    fireEvent.click(await screen.findByTestId("pledge-submit"));
    expect((await screen.findByTestId("error-accelerator")).textContent).toBe(
      "That class is not in the catalogue any more. Choose another.",
    );
    expect(screen.getByTestId("error-end").textContent).toBe("The window may end at most ten years from now.");
    expect(screen.getByTestId("error-provider").textContent).toBe("This is not in the expected form.");
    expect(screen.getByTestId("form-error").textContent).toBe("Please correct the highlighted fields.");
    // What was typed is kept.
    expect((screen.getByLabelText("GPU-hours") as HTMLInputElement).value).toBe("2");
  });

  it("says when the catalogue is empty", async () => {
    stubServer({
      [`GET ${P}`]: () => jsonResponse(project()),
      "GET /api/v1/accelerators": () => jsonResponse({ items: [] }),
      [`GET ${P}/goals`]: () => page([]),
    });
    renderAt(`/projects/${SLUG}/pledge?kind=compute`);
    expect(await screen.findByTestId("no-accelerators")).toBeTruthy();
  });
});

describe("sponsor profile in settings", () => {
  it("loads, saves, and shows the server's 422 for a javascript: link under the field", async () => {
    let saves = 0;
    const server = stubServer({
      "GET /api/v1/me": () => jsonResponse(me()),
      "GET /api/v1/me/tokens": () => jsonResponse([]),
      "GET /api/v1/me/sponsor-profile": () =>
        jsonResponse({ display_name: "Ada Lovelace", url: null, logo_url: null, updated_at: null }),
      "PUT /api/v1/me/sponsor-profile": (_url, init) => {
        saves += 1;
        const body = JSON.parse(String(init?.body)) as { display_name: string; url: string | null; logo_url: string | null };
        if (body.url?.startsWith("javascript:")) {
          return problemResponse({
            ...problem(422, "validation_failed", "Unprocessable Entity"),
            errors: [{ field: "url", code: "format", message: "must be an http(s) URL" }],
          });
        }
        return jsonResponse({ ...body, updated_at: "2025-11-29T10:00:00Z" });
      },
    });
    renderAt("/settings");
    const form = await screen.findByTestId("sponsor-profile-form");
    const name = within(form).getByLabelText("Public name") as HTMLInputElement;
    expect(name.value).toBe("Ada Lovelace");
    fireEvent.change(name, { target: { value: "Analytical Engines Ltd" } });
    fireEvent.change(within(form).getByLabelText("Link (optional)"), { target: { value: "javascript:alert(1)" } });
    fireEvent.click(within(form).getByTestId("sponsor-profile-save"));
    const error = await within(form).findByTestId("error-url");
    expect(error.textContent).toMatch(/http\(s\) link/);
    expect(within(form).getByLabelText("Link (optional)").getAttribute("aria-invalid")).toBe("true");

    fireEvent.change(within(form).getByLabelText("Link (optional)"), { target: { value: "https://engines.example" } });
    fireEvent.click(within(form).getByTestId("sponsor-profile-save"));
    expect(await within(form).findByTestId("sponsor-profile-saved")).toBeTruthy();
    expect(saves).toBe(2);
    expect(server.body(server.of("PUT /api/v1/me/sponsor-profile")[1]!)).toEqual({
      display_name: "Analytical Engines Ltd",
      url: "https://engines.example",
      logo_url: null,
    });
  });
});

describe("compute pledges in My pledges", () => {
  function myCompute(overrides: Partial<MyPledge> = {}): MyPledge {
    return { ...pledge(), project_slug: SLUG, project_name: "Tiny Llama", ...overrides };
  }

  function delivery(overrides: Partial<Delivery> = {}): Delivery {
    return {
      id: 3,
      pledge_id: 9,
      gpu_minutes: 90,
      evidence: "https://cluster.example/usage/11",
      source: "report",
      state: "confirmed",
      reported_by_token: false,
      created_at: "2025-11-29T10:00:00Z",
      decided_at: "2025-11-29T12:00:00Z",
      ...overrides,
    };
  }

  it("shows delivered of pledged GPU-hours, the reports, and reports a delivery", async () => {
    const items: Delivery[] = [delivery()];
    const list = (): PledgeDeliveries => {
      const confirmed = items.filter((d) => d.state === "confirmed").reduce((a, d) => a + d.gpu_minutes, 0);
      const pending = items.filter((d) => d.state === "reported").reduce((a, d) => a + d.gpu_minutes, 0);
      return {
        pledge: pledge(),
        confirmed_gpu_minutes: confirmed,
        pending_gpu_minutes: pending,
        remaining_gpu_minutes: 600 - confirmed,
        items: [...items].reverse(),
      };
    };
    const server = stubServer({
      "GET /api/v1/me/pledges": () => page([myCompute()]),
      "GET /api/v1/pledges/9/deliveries": () => jsonResponse(list()),
      "POST /api/v1/pledges/9/deliveries": (_url, init) => {
        const body = JSON.parse(String(init?.body)) as { gpu_minutes: number; evidence: string };
        if (body.gpu_minutes > 510) {
          return problemResponse(problem(422, "exceeds_pledge", "Unprocessable Entity"));
        }
        const d = delivery({ id: 4, state: "reported", decided_at: null, ...body });
        items.push(d);
        return jsonResponse(d, 201);
      },
    });
    renderAt("/me/pledges");
    const row = await screen.findByTestId("my-pledge");
    expect(row.getAttribute("data-kind")).toBe("compute");
    expect(within(row).getByTestId("my-pledge-amount").textContent).toBe("10 GPU-h H100-80GB");
    expect((await within(row).findByTestId("my-pledge-delivered")).textContent).toBe("1.5 of 10 GPU-h");
    expect(within(row).getByTestId("my-pledge-state").textContent).toContain("Delivering until");

    const toggle = within(row).getByTestId("pledge-deliveries");
    expect(toggle.getAttribute("aria-expanded")).toBe("false");
    fireEvent.click(toggle);
    expect(toggle.getAttribute("aria-expanded")).toBe("true");
    const panel = await screen.findByTestId("delivery-panel");
    const reports = within(panel).getAllByTestId("delivery");
    expect(reports).toHaveLength(1);
    expect(within(reports[0]!).getByTestId("delivery-state").textContent).toBe("Confirmed");
    expect(within(reports[0]!).getByRole("link").getAttribute("rel")).toBe("nofollow noopener noreferrer");

    const form = within(panel).getByTestId("report-delivery-form");
    const amount = within(form).getByLabelText("GPU-hours delivered");
    fireEvent.change(amount, { target: { value: "0.01" } });
    fireEvent.click(within(form).getByTestId("report-delivery-submit"));
    expect(within(form).getByTestId("error-amount").textContent).toMatch(/0\.05 hours/);
    expect(within(form).getByTestId("error-evidence")).toBeTruthy();
    fireEvent.change(amount, { target: { value: "9" } });
    fireEvent.change(within(form).getByLabelText("Evidence"), { target: { value: "Jobs 11-14" } });
    fireEvent.click(within(form).getByTestId("report-delivery-submit"));
    // 9 h = 540 min is more than the 510 left: refused before sending.
    expect(within(form).getByTestId("error-amount").textContent).toContain("8.5 GPU-h (510 GPU-minutes) remain");
    expect(server.of("POST /api/v1/pledges/9/deliveries")).toHaveLength(0);

    fireEvent.change(within(form).getByLabelText("Unit"), { target: { value: "minutes" } });
    fireEvent.change(within(form).getByLabelText("GPU-minutes delivered"), { target: { value: "45" } });
    fireEvent.click(within(form).getByTestId("report-delivery-submit"));
    expect(await screen.findByTestId("delivery-reported")).toBeTruthy();
    expect(server.body(server.of("POST /api/v1/pledges/9/deliveries")[0]!)).toEqual({
      gpu_minutes: 45,
      evidence: "Jobs 11-14",
    });
    await waitFor(() => expect(within(screen.getByTestId("delivery-panel")).getAllByTestId("delivery")).toHaveLength(2));
    const newest = within(screen.getByTestId("delivery-panel")).getAllByTestId("delivery")[0]!;
    expect(within(newest).getByTestId("delivery-state").textContent).toBe("Waiting for the maintainers");
    expect(within(row).getByTestId("my-pledge-pending").textContent).toBe("+0.75 GPU-h waiting");
  });

  it("shows the server's exceeds_pledge on the amount field", async () => {
    stubServer({
      "GET /api/v1/me/pledges": () => page([myCompute()]),
      "GET /api/v1/pledges/9/deliveries": () =>
        jsonResponse({
          pledge: pledge(),
          confirmed_gpu_minutes: 0,
          pending_gpu_minutes: 0,
          remaining_gpu_minutes: 600,
          items: [],
        }),
      "POST /api/v1/pledges/9/deliveries": () =>
        problemResponse(problem(422, "exceeds_pledge", "Unprocessable Entity", "confirmed would exceed pledged")),
    });
    renderAt("/me/pledges");
    fireEvent.click(await screen.findByTestId("pledge-deliveries"));
    const panel = await screen.findByTestId("delivery-panel");
    expect(within(panel).getByTestId("no-deliveries")).toBeTruthy();
    const form = within(panel).getByTestId("report-delivery-form");
    fireEvent.change(within(form).getByLabelText("GPU-hours delivered"), { target: { value: "10" } });
    fireEvent.change(within(form).getByLabelText("Evidence"), { target: { value: "all of it" } });
    fireEvent.click(within(form).getByTestId("report-delivery-submit"));
    expect((await within(form).findByTestId("error-amount")).textContent).toContain("room for");
  });
});
