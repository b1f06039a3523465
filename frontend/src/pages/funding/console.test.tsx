import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import type {
  Delivery,
  Goal,
  ProjectPledge,
  ProjectSponsor,
  SlurmPreview,
} from "../../api/client";
import { hoursErrorMessage, parseGpuHours } from "../../lib/gpuHours";
import { jsonResponse, problem, problemResponse, project } from "../../test/fixtures";
import { renderAt, stubServer } from "../../test/server";

const SLUG = "tiny-llama";
const P = `/api/v1/projects/${SLUG}`;

const page = <T,>(items: T[], next: string | null = null) => jsonResponse({ items, next_cursor: next });

const CATALOGUE = {
  items: [
    { code: "H100-80GB", display_name: "NVIDIA H100 80GB", created_at: "2025-01-01T00:00:00Z" },
    { code: "A100-40GB", display_name: "NVIDIA A100 40GB", created_at: "2025-01-01T00:00:00Z" },
  ],
};

/** The console's frame: the project, the access check (GET pledges), the catalogue. */
function base(extra: Record<string, Parameters<typeof stubServer>[0][string]> = {}) {
  return {
    [`GET ${P}`]: () => jsonResponse(project()),
    "GET /api/v1/accelerators": () => jsonResponse(CATALOGUE),
    [`GET ${P}/pledges`]: () => page([]),
    ...extra,
  };
}

function goal(overrides: Partial<Goal> = {}): Goal {
  return {
    id: 5,
    project_id: 1,
    title: "Train the 7B model",
    description: "",
    deadline: null,
    status: "open",
    met_at: null,
    money_target: { currency: "USD", amount_minor: 500000 },
    compute_targets: [{ accelerator: "H100-80GB", gpu_minutes: 60000 }],
    progress: {
      money: {
        target: { currency: "USD", amount_minor: 500000 },
        pledged: { currency: "USD", amount_minor: 250000 },
        received: { currency: "USD", amount_minor: 125000 },
        pledged_basis_points: 5000,
        received_basis_points: 2500,
      },
      compute: [
        {
          accelerator: "H100-80GB",
          target_gpu_minutes: 60000,
          pledged_gpu_minutes: 30000,
          delivered_gpu_minutes: 90,
          pledged_basis_points: 5000,
          delivered_basis_points: 15,
        },
      ],
      combined: null,
      reached: false,
    },
    created_at: "2025-11-28T09:00:00Z",
    updated_at: "2025-11-28T09:00:00Z",
    ...overrides,
  };
}

function computePledge(overrides: Partial<ProjectPledge> = {}): ProjectPledge {
  return {
    id: 9,
    project_id: 1,
    kind: "compute",
    state: "pledged",
    amount: null,
    recurrence: null,
    anonymous: false,
    message: null,
    goal_id: 5,
    compute: { accelerator: "H100-80GB", gpu_minutes: 6000 },
    provider: "Northwind cluster",
    window_start: "2025-11-01T00:00:00Z",
    window_end: "2026-11-01T00:00:00Z",
    created_at: "2025-11-28T09:00:00Z",
    sponsor_name: "Grace Hopper",
    ...overrides,
  };
}

function delivery(overrides: Partial<Delivery> = {}): Delivery {
  return {
    id: 21,
    pledge_id: 9,
    gpu_minutes: 735,
    evidence: "https://example.org/usage.log",
    source: "report",
    state: "reported",
    reported_by_token: false,
    created_at: "2025-11-29T10:00:00Z",
    decided_at: null,
    ...overrides,
  };
}

describe("GPU-hours typed in a form", () => {
  it("become whole GPU-minutes exactly, or are refused with the server's reasons", () => {
    const minutes = (t: string) => {
      const r = parseGpuHours(t);
      return r.ok ? r.minutes : r.error;
    };
    expect(minutes("12.25")).toBe(735n);
    expect(minutes("0.05")).toBe(3n);
    expect(minutes("1.95")).toBe(117n);
    expect(minutes("16666666666.65")).toBe(999_999_999_999n);
    expect(minutes("0.01")).toBe("not_whole_minutes");
    expect(minutes("12.33")).toBe("not_whole_minutes");
    expect(minutes("1.234")).toBe("too_many_decimals");
    expect(minutes("0")).toBe("not_positive");
    expect(minutes("")).toBe("required");
    expect(minutes("1e3")).toBe("format");
    expect(minutes("16666666666.7")).toBe("too_large");
    expect(hoursErrorMessage("not_whole_minutes")).toContain("0.05 hours");
  });
});

describe("console: goals", () => {
  it("posts a mixed goal with exact minor units and GPU-minutes", async () => {
    let created: Goal | null = null;
    const server = stubServer(
      base({
        [`GET ${P}/goals`]: () => page(created ? [created] : []),
        [`POST ${P}/goals`]: (_u, init) => {
          const body = JSON.parse(String(init?.body)) as Pick<Goal, "title">;
          created = goal({ id: 6, title: body.title });
          return jsonResponse(created, 201);
        },
      }),
    );
    renderAt(`/projects/${SLUG}/manage?section=goals`);
    const form = await screen.findByTestId("goal-form");
    expect(await screen.findByTestId("no-goals")).toBeTruthy();
    // No target at all: refused before sending.
    fireEvent.change(within(form).getByLabelText("Title"), { target: { value: "  Train the 7B model " } });
    fireEvent.click(screen.getByTestId("goal-form-submit"));
    expect(screen.getByTestId("error-targets").textContent).toContain("money target, compute targets, or both");

    fireEvent.change(within(form).getByLabelText("Money target (USD, optional)"), { target: { value: "5000.10" } });
    fireEvent.click(within(form).getByTestId("add-compute-target"));
    fireEvent.click(within(form).getByTestId("add-compute-target"));
    const rows = within(form).getAllByTestId("compute-target");
    expect(rows).toHaveLength(2);
    // The second row got the class the first did not take.
    expect((within(rows[1]!).getByTestId("target-accelerator") as HTMLSelectElement).value).toBe("A100-40GB");
    fireEvent.change(within(rows[0]!).getByLabelText("GPU-hours"), { target: { value: "1000.01" } });
    fireEvent.change(within(rows[1]!).getByLabelText("GPU-hours"), { target: { value: "12.25" } });
    fireEvent.change(within(form).getByLabelText("Deadline (optional)"), { target: { value: "2030-06-30" } });
    fireEvent.click(screen.getByTestId("goal-form-submit"));
    expect(within(rows[0]!).getByTestId("error-target-0").textContent).toContain("0.05 hours");
    expect(server.of(`POST ${P}/goals`)).toHaveLength(0);

    fireEvent.change(within(rows[0]!).getByLabelText("GPU-hours"), { target: { value: "1000" } });
    fireEvent.click(screen.getByTestId("goal-form-submit"));
    expect((await screen.findByTestId("goal-posted")).textContent).toContain("#6");
    expect(server.body(server.of(`POST ${P}/goals`)[0]!)).toEqual({
      title: "Train the 7B model",
      description: "",
      deadline: "2030-06-30T23:59:59Z",
      money_target: { currency: "USD", amount_minor: 500010 },
      compute_targets: [
        { accelerator: "H100-80GB", gpu_minutes: 60000 },
        { accelerator: "A100-40GB", gpu_minutes: 735 },
      ],
    });
    const card = await screen.findByTestId("console-goal");
    expect(card.getAttribute("data-id")).toBe("6");
  });

  it("lists goals with status and progress figures, edits only what changed, and closes one", async () => {
    const server = stubServer(
      base({
        [`GET ${P}/goals`]: () => page([goal(), goal({ id: 4, title: "Old", status: "met", met_at: "2025-10-01T00:00:00Z" })]),
        "PATCH /api/v1/goals/5": () => jsonResponse(goal({ title: "Train the 7B model, again" })),
        "POST /api/v1/goals/5/close": () => jsonResponse(goal({ title: "Train the 7B model, again", status: "closed" })),
        "POST /api/v1/goals/4/close": () => problemResponse(problem(409, "goal_not_open", "Conflict")),
      }),
    );
    renderAt(`/projects/${SLUG}/manage?section=goals`);
    const cards = await screen.findAllByTestId("console-goal");
    expect(cards.map((c) => c.getAttribute("data-status"))).toEqual(["open", "met"]);
    const first = cards[0]!;
    expect(within(first).getByTestId("goal-money").textContent).toContain("Received $1,250.00 of $5,000.00 (25%)");
    expect(within(first).getByTestId("goal-money").textContent).toContain("pledged $2,500.00 (50%)");
    const compute = within(first).getByTestId("goal-compute");
    expect(within(compute).getByTestId("goal-compute-delivered").textContent).toBe("1.5 GPU-h");
    expect(compute.textContent).toContain("of 1,000 GPU-h (0.15%)");
    expect(within(first).queryByTestId("goal-combined")).toBeNull();
    // A met goal cannot be closed again.
    expect(within(cards[1]!).queryByTestId("goal-close")).toBeNull();

    fireEvent.click(within(first).getByTestId("goal-edit"));
    const edit = within(first).getByTestId("goal-edit-form");
    expect((within(edit).getByLabelText("GPU-hours") as HTMLInputElement).value).toBe("1000");
    expect((within(edit).getByLabelText("Money target (USD, optional)") as HTMLInputElement).value).toBe("5000.00");
    fireEvent.change(within(edit).getByLabelText("Title"), { target: { value: "Train the 7B model, again" } });
    fireEvent.click(within(edit).getByTestId("goal-edit-form-submit"));
    await waitFor(() => expect(within(first).queryByTestId("goal-edit-form")).toBeNull());
    expect(server.body(server.of("PATCH /api/v1/goals/5")[0]!)).toEqual({ title: "Train the 7B model, again" });
    expect(within(first).getByRole("heading", { level: 4 }).textContent).toBe("Train the 7B model, again");

    fireEvent.click(within(first).getByTestId("goal-close"));
    fireEvent.click(within(first).getByTestId("goal-close-confirm"));
    await waitFor(() => expect(first.getAttribute("data-status")).toBe("closed"));
    expect(within(first).getByTestId("goal-status").textContent).toBe("Closed");
  });

  it("shows the server's refusal: field errors on their rows, a conflict as a sentence", async () => {
    stubServer(
      base({
        [`GET ${P}/goals`]: () => page([goal()]),
        [`POST ${P}/goals`]: () =>
          problemResponse({
            ...problem(422, "validation_failed", "Unprocessable Entity"),
            errors: [
              { field: "compute_targets[0].accelerator", code: "unknown_accelerator", message: "no such accelerator class" },
              { field: "deadline", code: "in_the_past", message: "must be in the future" },
            ],
          }),
        "PATCH /api/v1/goals/5": () => problemResponse(problem(409, "goal_not_open", "Conflict")),
      }),
    );
    renderAt(`/projects/${SLUG}/manage?section=goals`);
    const form = await screen.findByTestId("goal-form");
    fireEvent.change(within(form).getByLabelText("Title"), { target: { value: "GPU time" } });
    fireEvent.click(within(form).getByTestId("add-compute-target"));
    fireEvent.change(within(form).getByLabelText("GPU-hours"), { target: { value: "10" } });
    fireEvent.change(within(form).getByLabelText("Deadline (optional)"), { target: { value: "2020-01-01" } });
    fireEvent.click(screen.getByTestId("goal-form-submit"));
    expect((await within(form).findByTestId("error-target-0")).textContent).toBe("No such accelerator class.");
    expect(within(form).getByTestId("error-deadline").textContent).toBe("Must be in the future.");
    expect(within(form).getByTestId("form-error").textContent).toContain("correct the highlighted fields");

    const card = await screen.findByTestId("console-goal");
    fireEvent.click(within(card).getByTestId("goal-edit"));
    const edit = within(card).getByTestId("goal-edit-form");
    fireEvent.change(within(edit).getByLabelText("GPU-hours"), { target: { value: "2000" } });
    fireEvent.click(within(edit).getByTestId("goal-edit-form-submit"));
    expect((await within(edit).findByTestId("form-error")).textContent).toContain("no longer open");
  });
});

describe("console: deliveries", () => {
  it("lists reported deliveries with class, GPU-hours and safe evidence links; confirms and rejects", async () => {
    const server = stubServer(
      base({
        [`GET ${P}/pledges`]: () =>
          page([computePledge(), { ...computePledge({ id: 3, kind: "money", compute: null }) }]),
        [`GET ${P}/deliveries`]: () =>
          page([
            delivery(),
            delivery({ id: 22, evidence: "javascript:alert(1)", gpu_minutes: 60 }),
            delivery({ id: 23, evidence: "Ran on our own nodes,\nsee the mail.", gpu_minutes: 20, reported_by_token: true }),
          ]),
        "POST /api/v1/deliveries/21/confirm": () =>
          jsonResponse({ delivery: delivery({ state: "confirmed" }), pledge: computePledge() }),
        "POST /api/v1/deliveries/22/reject": () => jsonResponse(delivery({ id: 22, state: "rejected" })),
        "POST /api/v1/deliveries/23/confirm": () =>
          problemResponse(problem(422, "exceeds_pledge", "Unprocessable Entity", "would exceed the pledge")),
      }),
    );
    renderAt(`/projects/${SLUG}/manage?section=deliveries`);
    const rows = await screen.findAllByTestId("delivery");
    expect(rows).toHaveLength(3);
    expect(server.of(`GET ${P}/deliveries`)[0]!.url.searchParams.get("state")).toBe("reported");
    await waitFor(() => expect(within(rows[0]!).getByTestId("delivery-class").textContent).toBe("H100-80GB"));
    expect(within(rows[0]!).getByTestId("delivery-pledge").textContent).toContain("Grace Hopper");
    expect(within(rows[0]!).getByTestId("delivery-hours").textContent).toBe("12.25 GPU-h");
    expect(within(rows[2]!).getByTestId("delivery-hours").textContent).toBe("0.33 GPU-h");
    const link = within(rows[0]!).getByTestId("evidence-link");
    expect(link.getAttribute("href")).toBe("https://example.org/usage.log");
    expect(link.getAttribute("rel")).toContain("nofollow");
    expect(link.getAttribute("rel")).toContain("noopener");
    // Not http(s): shown as text, never a link.
    expect(within(rows[1]!).queryByRole("link")).toBeNull();
    expect(within(rows[1]!).getByTestId("evidence-note").textContent).toBe("javascript:alert(1)");
    expect(within(rows[2]!).getByTestId("evidence-note").textContent).toContain("see the mail");

    fireEvent.click(within(rows[2]!).getByTestId("confirm-delivery"));
    expect((await within(rows[2]!).findByTestId("confirm-delivery-error")).textContent).toContain(
      "past what was pledged",
    );
    fireEvent.click(within(rows[0]!).getByTestId("confirm-delivery"));
    expect((await screen.findByTestId("delivery-decided")).textContent).toContain(
      "Delivery #21 confirmed: 12.25 GPU-h",
    );
    fireEvent.click(within(screen.getAllByTestId("delivery")[0]!).getByTestId("reject-delivery"));
    await waitFor(() => expect(screen.getByTestId("delivery-decided").textContent).toContain("#22 rejected"));
    expect(screen.getAllByTestId("delivery").map((r) => r.getAttribute("data-id"))).toEqual(["23"]);
  });

  it("filters by state", async () => {
    const server = stubServer(
      base({ [`GET ${P}/deliveries`]: () => page([]) }),
    );
    renderAt(`/projects/${SLUG}/manage?section=deliveries`);
    expect(await screen.findByTestId("no-deliveries")).toBeTruthy();
    fireEvent.change(screen.getByTestId("delivery-filter"), { target: { value: "" } });
    await waitFor(() => expect(server.of(`GET ${P}/deliveries`)).toHaveLength(2));
    expect(server.of(`GET ${P}/deliveries`)[1]!.url.searchParams.has("state")).toBe(false);
  });
});

describe("console: Slurm upload", () => {
  const SACCT = [
    "100|2025-11-01T10:00:00|2025-11-01T12:00:00|7200|billing=8,cpu=8,gres/gpu:h100=4,gres/gpu=4,mem=64G,node=1|COMPLETED",
    "100.batch|2025-11-01T10:00:00|2025-11-01T12:00:00|7200|cpu=8,gres/gpu:h100=4,gres/gpu=4,mem=64G,node=1|COMPLETED",
  ].join("\n");

  function preview(overrides: Partial<SlurmPreview> = {}): SlurmPreview {
    return {
      pledge_id: 9,
      accelerator: "H100-80GB",
      types: [{ slurm_type: "h100", gpu_minutes: 480, accelerator: "H100-80GB", pledge_id: 9 }],
      unmapped: [],
      untyped_gpu_minutes: 0,
      allocations_counted: 1,
      allocations_skipped: 0,
      steps_ignored: 1,
      gpu_minutes: 480,
      confirmed_gpu_minutes: 0,
      pledged_gpu_minutes: 6000,
      fits: true,
      digest: "ab".repeat(32),
      ...overrides,
    };
  }

  it("previews the per-class result, then records exactly what was previewed", async () => {
    const server = stubServer(
      base({
        [`GET ${P}/pledges`]: () =>
          page([computePledge(), computePledge({ id: 8, state: "delivered" }), computePledge({ id: 7, kind: "money", compute: null })]),
        [`GET ${P}/slurm-gpu-types`]: () => jsonResponse([{ slurm_type: "h100", accelerator: "H100-80GB" }]),
        [`POST ${P}/deliveries/slurm`]: () => jsonResponse(preview()),
        [`POST ${P}/deliveries/slurm/confirm`]: () =>
          jsonResponse(
            { delivery: delivery({ id: 30, gpu_minutes: 480, source: "slurm", state: "confirmed" }), preview: preview() },
            201,
          ),
      }),
    );
    renderAt(`/projects/${SLUG}/manage?section=slurm`);
    const form = await screen.findByTestId("slurm-form");
    // Only open compute pledges can be chosen.
    const options = within(screen.getByTestId("slurm-pledge")).getAllByRole("option");
    expect(options.map((o) => o.getAttribute("value"))).toEqual(["9"]);
    expect(options[0]!.textContent).toBe("#9 · Grace Hopper · 100 GPU-h H100-80GB");
    fireEvent.change(within(form).getByLabelText("sacct output"), { target: { value: SACCT } });
    fireEvent.click(screen.getByTestId("slurm-preview-button"));
    const box = await screen.findByTestId("slurm-preview");
    expect(within(box).getByTestId("slurm-preview-total").textContent).toBe("8 GPU-h H100-80GB");
    expect(within(box).getByTestId("slurm-type-minutes").textContent).toBe("480");
    expect(within(box).getByTestId("slurm-preview-counts").textContent).toContain("1 job steps ignored");
    expect(server.body(server.of(`POST ${P}/deliveries/slurm`)[0]!)).toEqual({ pledge_id: 9, sacct: SACCT });
    // Nothing is recorded by a preview.
    expect(server.of(`POST ${P}/deliveries/slurm/confirm`)).toHaveLength(0);

    fireEvent.click(within(box).getByTestId("slurm-confirm"));
    expect((await screen.findByTestId("slurm-recorded")).textContent).toContain("Recorded delivery #30: 8 GPU-h");
    expect(server.body(server.of(`POST ${P}/deliveries/slurm/confirm`)[0]!)).toEqual({
      pledge_id: 9,
      sacct: SACCT,
      digest: "ab".repeat(32),
    });
    expect(screen.queryByTestId("slurm-preview")).toBeNull();
  });

  it("lists bad lines by number, and refuses to record an upload with unmapped types", async () => {
    let bad = true;
    stubServer(
      base({
        [`GET ${P}/pledges`]: () => page([computePledge()]),
        [`GET ${P}/slurm-gpu-types`]: () => jsonResponse([]),
        [`POST ${P}/deliveries/slurm`]: () =>
          bad
            ? problemResponse({
                ...problem(422, "invalid_sacct", "Unprocessable Entity"),
                errors: [
                  { field: "sacct:2", code: "bad_elapsed", message: 'line 2: ElapsedRaw "x" is not a whole number of seconds' },
                  { field: "sacct:5", code: "field_count", message: "line 5: expected 6 fields separated by '|', found 3" },
                ],
              })
            : jsonResponse(
                preview({
                  types: [{ slurm_type: "a100", gpu_minutes: 60, accelerator: null, pledge_id: null }],
                  unmapped: ["a100"],
                  gpu_minutes: 0,
                  fits: false,
                  untyped_gpu_minutes: 30,
                }),
              ),
        [`PUT ${P}/slurm-gpu-types/a100`]: () => jsonResponse({ slurm_type: "a100", accelerator: "A100-40GB" }),
      }),
    );
    renderAt(`/projects/${SLUG}/manage?section=slurm`);
    const form = await screen.findByTestId("slurm-form");
    fireEvent.click(screen.getByTestId("slurm-preview-button"));
    expect(within(form).getByTestId("error-sacct").textContent).toContain("Paste the sacct output");
    fireEvent.change(within(form).getByLabelText("sacct output"), { target: { value: "anything" } });
    fireEvent.click(screen.getByTestId("slurm-preview-button"));
    const lines = await screen.findAllByTestId("sacct-error");
    expect(lines.map((l) => l.textContent)).toEqual([
      'Line 2: ElapsedRaw "x" is not a whole number of seconds',
      "Line 5: Expected 6 fields separated by '|', found 3",
    ]);
    expect(screen.getByTestId("slurm-error").textContent).toContain("nothing was recorded");

    bad = false;
    fireEvent.click(screen.getByTestId("slurm-preview-button"));
    const box = await screen.findByTestId("slurm-preview");
    expect(screen.queryByTestId("sacct-errors")).toBeNull();
    expect(within(box).getByTestId("slurm-unmapped").textContent).toContain("a100");
    expect(within(box).getByTestId("slurm-untyped").textContent).toContain("0.5 GPU-h");
    expect((within(box).getByTestId("slurm-confirm") as HTMLButtonElement).disabled).toBe(true);

    // Map the type in the table below.
    const types = screen.getByTestId("slurm-types");
    expect(within(types).getByTestId("no-slurm-types")).toBeTruthy();
    fireEvent.change(within(types).getByLabelText("Slurm type"), { target: { value: "a100" } });
    fireEvent.change(within(types).getByTestId("slurm-type-class"), { target: { value: "A100-40GB" } });
    fireEvent.click(within(types).getByTestId("slurm-type-save"));
    const row = await within(types).findByTestId("slurm-type");
    expect(row.getAttribute("data-type")).toBe("a100");
    expect(row.textContent).toContain("NVIDIA A100 40GB (A100-40GB)");
  });

  it("says so when the project has no open compute pledge", async () => {
    stubServer(
      base({
        [`GET ${P}/pledges`]: () => page([computePledge({ state: "expired" })]),
        [`GET ${P}/slurm-gpu-types`]: () => jsonResponse([]),
      }),
    );
    renderAt(`/projects/${SLUG}/manage?section=slurm`);
    expect(await screen.findByTestId("no-compute-pledges")).toBeTruthy();
    expect(screen.getByTestId("slurm-types")).toBeTruthy();
  });
});

describe("console: compute values and sponsors", () => {
  it("sets a value per GPU-hour in exact minor units, shows refusals, and removes one", async () => {
    const server = stubServer(
      base({
        [`GET ${P}`]: () => jsonResponse(project({ currency: "KWD" })),
        [`GET ${P}/accelerator-values`]: () =>
          jsonResponse({
            items: [
              {
                accelerator: "A100-40GB",
                display_name: "NVIDIA A100 40GB",
                value_per_gpu_hour: { currency: "KWD", amount_minor: 500 },
              },
            ],
          }),
        [`PUT ${P}/accelerator-values/H100-80GB`]: (_u, init) => {
          const body = JSON.parse(String(init?.body)) as { value_per_gpu_hour: { amount_minor: number } };
          return jsonResponse({
            accelerator: "H100-80GB",
            display_name: "NVIDIA H100 80GB",
            value_per_gpu_hour: { currency: "KWD", amount_minor: body.value_per_gpu_hour.amount_minor },
          });
        },
        [`DELETE ${P}/accelerator-values/A100-40GB`]: () => new Response(null, { status: 204 }),
      }),
    );
    renderAt(`/projects/${SLUG}/manage?section=values`);
    const form = await screen.findByTestId("value-form");
    const amount = within(form).getByLabelText("Value per GPU-hour (KWD)");
    fireEvent.change(amount, { target: { value: "2.2505" } });
    fireEvent.click(screen.getByTestId("value-save"));
    expect(within(form).getByTestId("error-amount").textContent).toBe("KWD has 3 decimal places at most.");
    fireEvent.change(amount, { target: { value: "2.25" } });
    fireEvent.click(screen.getByTestId("value-save"));
    await waitFor(() => expect(screen.getAllByTestId("value")).toHaveLength(2));
    expect(server.body(server.of(`PUT ${P}/accelerator-values/H100-80GB`)[0]!)).toEqual({
      value_per_gpu_hour: { currency: "KWD", amount_minor: 2250 },
    });
    const h100 = screen.getAllByTestId("value").find((r) => r.getAttribute("data-accelerator") === "H100-80GB")!;
    expect(within(h100).getByTestId("value-amount").textContent).toBe("KWD\u00a02.250");

    const a100 = screen.getAllByTestId("value").find((r) => r.getAttribute("data-accelerator") === "A100-40GB")!;
    fireEvent.click(within(a100).getByTestId("remove-value"));
    await waitFor(() => expect(screen.getAllByTestId("value")).toHaveLength(1));
  });

  it("approves and rejects pending sponsors, and turns auto-approval on", async () => {
    const sponsor = (overrides: Partial<ProjectSponsor>): ProjectSponsor => ({
      user_id: 3,
      display_name: "Northwind Labs",
      url: "https://northwind.example",
      logo_url: null,
      state: "pending",
      totals: { money: [{ currency: "USD", amount_minor: 30000 }], compute: [{ accelerator: "H100-80GB", gpu_minutes: 90 }] },
      ...overrides,
    });
    const server = stubServer(
      base({
        [`GET ${P}/sponsors/pending`]: () =>
          jsonResponse({
            items: [
              sponsor({}),
              sponsor({ user_id: 4, display_name: "Eve", url: "javascript:alert(1)", totals: { money: [], compute: [] } }),
            ],
          }),
        [`POST ${P}/sponsors/3/approve`]: () => jsonResponse(sponsor({ state: "approved" })),
        [`POST ${P}/sponsors/4/reject`]: () => problemResponse(problem(403, "forbidden", "Forbidden")),
        [`PATCH ${P}`]: () => jsonResponse(project({ auto_approve_sponsors: true })),
      }),
    );
    renderAt(`/projects/${SLUG}/manage?section=sponsors`);
    const rows = await screen.findAllByTestId("pending-sponsor-row");
    expect(rows[0]!.textContent).toContain("$300.00, 1.5 GPU-h H100-80GB");
    const link = within(rows[0]!).getByRole("link");
    expect(link.getAttribute("href")).toBe("https://northwind.example/");
    expect(link.getAttribute("rel")).toBe("sponsored nofollow noopener noreferrer");
    expect(within(rows[1]!).queryByRole("link")).toBeNull();

    fireEvent.click(within(rows[1]!).getByTestId("reject-sponsor"));
    expect((await within(rows[1]!).findByTestId("reject-sponsor-error")).textContent).toContain("permission");
    fireEvent.click(within(rows[0]!).getByTestId("approve-sponsor"));
    expect((await screen.findByTestId("sponsor-decided")).textContent).toContain("Northwind Labs: shown on the sponsor wall");
    expect(screen.getAllByTestId("pending-sponsor-row").map((r) => r.getAttribute("data-user-id"))).toEqual(["4"]);

    const toggle = screen.getByTestId("auto-approve-toggle") as HTMLInputElement;
    expect(toggle.checked).toBe(false);
    fireEvent.click(toggle);
    expect((await screen.findByTestId("auto-approve-saved")).textContent).toContain("appear at once");
    expect(toggle.checked).toBe(true);
    expect(server.body(server.of(`PATCH ${P}`)[0]!)).toEqual({ auto_approve_sponsors: true });
  });

  it("shows an empty list", async () => {
    stubServer(base({ [`GET ${P}/sponsors/pending`]: () => jsonResponse({ items: [] }) }));
    renderAt(`/projects/${SLUG}/manage?section=sponsors`);
    expect(await screen.findByTestId("no-pending-sponsors")).toBeTruthy();
  });
});
