import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import type { ActivityItem, ContributorEntry, ContributorSummary, IdentityMerge } from "../../api/client";
import { jsonResponse, problem, problemResponse, project } from "../../test/fixtures";
import { renderAt, stubServer } from "../../test/server";
import { checkDraft, parseLogin, recordFieldErrors, todayUtc } from "./ConsoleContributors";
import { ApiError } from "../../api/client";
import { identityWords, mergeFieldErrors } from "./IdentityMerges";

const SLUG = "tiny-llama";
const P = `/api/v1/projects/${SLUG}`;

function person(overrides: Partial<ContributorSummary> = {}): ContributorSummary {
  return {
    id: 1,
    anonymous: false,
    login: "ada",
    name: "Ada Lovelace",
    avatar_url: "https://avatars.githubusercontent.com/u/1?v=4",
    html_url: "https://github.com/ada",
    is_bot: false,
    ...overrides,
  };
}

function entry(c: ContributorSummary, counts: Record<string, number>): ContributorEntry {
  return {
    contributor: c,
    total: Object.values(counts).reduce((a, b) => a + b, 0),
    counts,
    first_contribution_at: "2026-01-05T10:00:00Z",
    last_contribution_at: "2026-11-05T10:00:00Z",
  };
}

function item(overrides: Partial<ActivityItem> = {}): ActivityItem {
  return {
    id: 10,
    kind: "commit",
    occurred_at: "2026-11-05T10:00:00Z",
    title: "Fix the tokenizer",
    url: "https://github.com/octo/widgets/commit/abc",
    repository: "octo/widgets",
    recorded: false,
    description: null,
    contributor: person(),
    ...overrides,
  };
}

const page = <T,>(items: T[], next: string | null = null) => jsonResponse({ items, next_cursor: next });

function publicRoutes(extra: Parameters<typeof stubServer>[0] = {}) {
  return {
    [`GET ${P}`]: () => jsonResponse(project()),
    [`GET ${P}/goals`]: () => page([]),
    [`GET ${P}/balances`]: () => jsonResponse({ balances: [] }),
    [`GET ${P}/ledger`]: () => page([]),
    [`GET ${P}/sponsors`]: () => jsonResponse({ currency: "USD", sponsors: [] }),
    ...extra,
  };
}

describe("project page: contributors", () => {
  it("lists people with avatar, a GitHub link, counts per kind in words, and pages on", async () => {
    const anonymous = person({ id: 3, anonymous: true, login: null, name: null, avatar_url: null, html_url: null });
    const server = stubServer(
      publicRoutes({
        [`GET ${P}/contributors`]: (url) =>
          url.searchParams.get("cursor") === "c2"
            ? page([entry(anonymous, { commit: 1 })])
            : page(
                [
                  entry(person(), { pull_request_merged: 3, commit: 12, data: 1 }),
                  entry(person({ id: 2, login: "bob", name: null, html_url: "javascript:alert(1)" }), { pull_request_review: 1 }),
                ],
                "c2",
              ),
        [`GET ${P}/activity`]: () => page([]),
      }),
      null,
    );
    renderAt(`/projects/${SLUG}`);
    const list = await screen.findByTestId("contributors");
    const [ada, bob] = within(list).getAllByTestId("contributor");
    expect(ada!.dataset.login).toBe("ada");
    const link = within(ada!).getByRole("link", { name: /Ada Lovelace/ });
    expect(link.getAttribute("href")).toBe("https://github.com/ada");
    expect(link.getAttribute("rel")).toContain("noopener");
    expect(within(ada!).getByText("@ada")).toBeTruthy();
    expect(within(ada!).getByTestId("contributor-total").textContent).toBe("16 contributions");
    const counts = within(ada!).getAllByRole("listitem").map((li) => li.textContent);
    expect(counts).toEqual(["12 commits", "3 pull requests merged", "1 data contribution"]);
    // A login only, and a link that is not http(s) is not a link.
    expect(within(bob!).queryByRole("link")).toBeNull();
    expect(within(bob!).getByText("@bob")).toBeTruthy();
    expect(within(bob!).getByText("1 review")).toBeTruthy();
    // Decorative avatars: the name is next to them.
    expect(ada!.querySelector("img")?.getAttribute("alt")).toBe("");

    fireEvent.click(within(screen.getByTestId("contributors-section")).getByRole("button", { name: "Show more contributors" }));
    await waitFor(() => expect(within(list).getAllByTestId("contributor")).toHaveLength(3));
    expect(server.of(`GET ${P}/contributors`)[1]!.url.searchParams.get("cursor")).toBe("c2");
    const third = within(list).getAllByTestId("contributor")[2]!;
    expect(third.textContent).toContain("Contributor without a GitHub account");
    expect(third.querySelector("img")).toBeNull();
  });

  it("says so when there is nobody yet", async () => {
    stubServer(
      publicRoutes({ [`GET ${P}/contributors`]: () => page([]), [`GET ${P}/activity`]: () => page([]) }),
      null,
    );
    renderAt(`/projects/${SLUG}`);
    await screen.findByTestId("no-contributors");
    await screen.findByTestId("no-activity");
  });
});

describe("project page: activity", () => {
  it("shows GitHub activity and recorded work, filters by kind, and loads more", async () => {
    const server = stubServer(
      publicRoutes({
        [`GET ${P}/contributors`]: () => page([]),
        [`GET ${P}/activity`]: (url) => {
          if (url.searchParams.get("kind") === "data") {
            return page([
              item({ id: 12, kind: "data", title: null, repository: null, recorded: true, description: "Cleaned the crawl", url: null }),
            ]);
          }
          return url.searchParams.get("cursor")
            ? page([item({ id: 13, kind: "release", title: "v1.0" })])
            : page([item(), item({ id: 11, kind: "pull_request_merged", title: "<b>Add</b> flash attention" })], "n1");
        },
      }),
      null,
    );
    renderAt(`/projects/${SLUG}`);
    const feed = await screen.findByTestId("activity");
    const rows = within(feed).getAllByTestId("activity-item");
    expect(rows[0]!.textContent).toContain("Commit");
    expect(within(rows[0]!).getByTestId("activity-link").getAttribute("href")).toBe(
      "https://github.com/octo/widgets/commit/abc",
    );
    expect(rows[0]!.textContent).toContain("in octo/widgets");
    // Titles are text, never markup.
    expect(rows[1]!.textContent).toContain("<b>Add</b> flash attention");
    expect(rows[1]!.querySelector("b")).toBeNull();

    fireEvent.click(within(screen.getByTestId("activity-section")).getByRole("button", { name: "Show more items" }));
    await waitFor(() => expect(within(screen.getByTestId("activity")).getAllByTestId("activity-item")).toHaveLength(3));

    fireEvent.change(screen.getByLabelText("Show"), { target: { value: "data" } });
    await waitFor(() => expect(within(screen.getByTestId("activity")).getAllByTestId("activity-item")).toHaveLength(1));
    const recorded = within(screen.getByTestId("activity")).getByTestId("activity-item");
    expect(recorded.textContent).toContain("Cleaned the crawl");
    expect(recorded.textContent).toContain("recorded by a maintainer");
    expect(server.of(`GET ${P}/activity`).at(-1)!.url.searchParams.get("kind")).toBe("data");
  });
});

describe("console: recording work", () => {
  const consoleRoutes = (extra: Parameters<typeof stubServer>[0] = {}) => ({
    [`GET ${P}`]: () => jsonResponse(project()),
    [`GET ${P}/pledges`]: () => page([]),
    [`GET ${P}/contributors`]: () => page([entry(person(), { commit: 1 })]),
    ...extra,
  });

  it("records a kind of work for a login, with an idempotency key, and can delete it after asking", async () => {
    const server = stubServer(
      consoleRoutes({
        [`POST ${P}/contributions`]: () =>
          jsonResponse(
            item({ id: 40, kind: "evaluation", title: null, repository: null, recorded: true, description: "Ran the evals", url: null }),
            201,
          ),
        [`DELETE ${P}/contributions/40`]: () => new Response(null, { status: 204 }),
      }),
    );
    renderAt(`/projects/${SLUG}/manage?section=contributors`);
    const form = await screen.findByTestId("record-work-form");
    fireEvent.click(within(form).getByRole("button", { name: "Record work" }));
    expect(within(form).getByTestId("error-kind")).toBeTruthy();
    expect(within(form).getByTestId("error-github_login")).toBeTruthy();
    expect(server.of(`POST ${P}/contributions`)).toHaveLength(0);

    fireEvent.change(within(form).getByLabelText("Kind of work"), { target: { value: "evaluation" } });
    expect(form.textContent).toContain("Benchmarks, evaluation harnesses and runs.");
    fireEvent.change(within(form).getByLabelText("Who (GitHub login)"), { target: { value: "@ada" } });
    fireEvent.change(within(form).getByLabelText("Day of the work"), { target: { value: "2026-11-30" } });
    fireEvent.change(within(form).getByLabelText("What the work was"), { target: { value: " Ran the evals " } });
    fireEvent.click(within(form).getByRole("button", { name: "Record work" }));
    await screen.findByTestId("work-recorded");
    const call = server.of(`POST ${P}/contributions`)[0]!;
    expect(server.body(call)).toEqual({
      kind: "evaluation",
      contributor: { github_login: "ada" },
      occurred_on: "2026-11-30",
      description: "Ran the evals",
      url: null,
    });
    expect(server.header(call, "Idempotency-Key")).toMatch(/.{8,}/);

    const row = within(screen.getByTestId("recorded-list")).getByTestId("recorded-work");
    fireEvent.click(within(row).getByRole("button", { name: "Delete the recorded work #40" }));
    expect(server.of(`DELETE ${P}/contributions/40`)).toHaveLength(0);
    fireEvent.click(within(row).getByRole("button", { name: "Yes, delete" }));
    await waitFor(() => expect(screen.queryByTestId("recorded-list")).toBeNull());
    expect(server.of(`DELETE ${P}/contributions/40`)).toHaveLength(1);
  });

  it("shows the server's field errors on their fields", async () => {
    stubServer(
      consoleRoutes({
        [`POST ${P}/contributions`]: () =>
          problemResponse({
            ...problem(422, "validation_failed", "Unprocessable Entity"),
            errors: [{ field: "contributor.github_login", code: "unknown", message: "No such contributor." }],
          }),
      }),
    );
    renderAt(`/projects/${SLUG}/manage?section=contributors`);
    const form = await screen.findByTestId("record-work-form");
    fireEvent.change(within(form).getByLabelText("Kind of work"), { target: { value: "data" } });
    fireEvent.change(within(form).getByLabelText("Who (GitHub login)"), { target: { value: "nobody" } });
    fireEvent.change(within(form).getByLabelText("What the work was"), { target: { value: "x" } });
    fireEvent.click(within(form).getByRole("button", { name: "Record work" }));
    expect((await within(form).findByTestId("error-github_login")).textContent).toBe("No such contributor.");
  });
});

describe("recording: checks", () => {
  it("parses logins as GitHub allows them", () => {
    expect(parseLogin(" @Octo-Cat ")).toBe("Octo-Cat");
    for (const bad of ["", "-a", "a-", "a--b", "a b", "x".repeat(40), "a_b"]) expect(parseLogin(bad), bad).toBeNull();
  });

  it("checks a draft, the day in UTC and not in the future", () => {
    const today = todayUtc(new Date("2026-12-07T23:30:00-05:00"));
    expect(today).toBe("2026-12-08");
    const ok = { kind: "doc", login: "ada", day: "2026-12-08", description: "Wrote the guide", url: "" };
    expect(checkDraft(ok, today)).toEqual({});
    expect(Object.keys(checkDraft({ ...ok, day: "2026-12-09" }, today))).toEqual(["occurred_on"]);
    expect(Object.keys(checkDraft({ ...ok, kind: "commit" }, today))).toEqual(["kind"]);
    expect(Object.keys(checkDraft({ ...ok, url: "javascript:alert(1)" }, today))).toEqual(["url"]);
    expect(Object.keys(checkDraft({ ...ok, description: "x".repeat(1001) }, today))).toEqual(["description"]);
  });

  it("puts the contributor's errors on the login field", () => {
    const err = new ApiError({
      status: 422,
      code: "validation_failed",
      title: "x",
      problem: {
        ...problem(422, "validation_failed", "x"),
        errors: [
          { field: "contributor", code: "one_of", message: "Give a contributor." },
          { field: "occurred_on", code: "future", message: "Not in the future." },
        ],
      },
    });
    expect(recordFieldErrors(err)).toEqual({ github_login: "Give a contributor.", occurred_on: "Not in the future." });
  });
});

describe("console: identity merges", () => {
  const old = person({ id: 7, login: "ada-old", name: "Ada L." });
  const addr = person({ id: 8, anonymous: true, login: null, name: null, avatar_url: null, html_url: null });
  const merged = (id: number): IdentityMerge => ({
    id,
    from: { ...old, github_user_id: 70 },
    into: { ...person(), github_user_id: 1 },
    created_at: "2026-12-01T10:00:00Z",
    undone_at: null,
  });

  it("merges two contributors picked from the list, then undoes it after asking", async () => {
    let active: IdentityMerge[] = [];
    const server = stubServer({
      [`GET ${P}`]: () => jsonResponse(project()),
      [`GET ${P}/pledges`]: () => page([]),
      [`GET ${P}/contributors`]: () =>
        page([entry(person(), { commit: 12 }), entry(old, { commit: 3 }), entry(addr, { commit: 1 })]),
      [`GET ${P}/identities/merges`]: () => jsonResponse({ items: active }),
      [`POST ${P}/identities/merge`]: () => {
        active = [merged(5)];
        return jsonResponse(merged(5), 201);
      },
      [`POST ${P}/identities/merges/5/undo`]: () => {
        active = [];
        return jsonResponse({ ...merged(5), undone_at: "2026-12-02T10:00:00Z" });
      },
    });
    renderAt(`/projects/${SLUG}/manage?section=contributors`);
    const form = await screen.findByTestId("merge-form");
    await screen.findByTestId("no-merges");
    const from = within(form).getByLabelText("Merge this identity");
    const options = within(from).getAllByRole("option").map((o) => o.textContent);
    expect(options).toEqual([
      "Choose…",
      "Ada Lovelace (@ada) · 12 contributions",
      "Ada L. (@ada-old) · 3 contributions",
      "Contributor without a GitHub account (#8) · 1 contribution",
    ]);
    // The same one twice is refused before sending.
    fireEvent.change(from, { target: { value: "7" } });
    fireEvent.change(within(form).getByLabelText("Into this person"), { target: { value: "7" } });
    fireEvent.click(within(form).getByRole("button", { name: "Merge" }));
    expect(within(form).getByTestId("error-into").textContent).toBe("Choose two different identities.");
    expect(server.of(`POST ${P}/identities/merge`)).toHaveLength(0);

    fireEvent.change(within(form).getByLabelText("Into this person"), { target: { value: "1" } });
    fireEvent.click(within(form).getByRole("button", { name: "Merge" }));
    expect((await screen.findByTestId("identities-merged")).textContent).toBe(
      "Ada L. (@ada-old) is now credited as Ada Lovelace (@ada).",
    );
    expect(server.body(server.of(`POST ${P}/identities/merge`)[0]!)).toEqual({ from: 7, into: 1 });
    const row = await screen.findByTestId("identity-merge");
    fireEvent.click(within(row).getByRole("button", { name: /^Undo the merge of Ada L\./ }));
    expect(server.of(`POST ${P}/identities/merges/5/undo`)).toHaveLength(0);
    fireEvent.click(within(row).getByRole("button", { name: "Yes, undo" }));
    await screen.findByTestId("no-merges");
    expect(server.of(`POST ${P}/identities/merges/5/undo`)).toHaveLength(1);
  });

  it("says why a merge was refused", async () => {
    stubServer({
      [`GET ${P}`]: () => jsonResponse(project()),
      [`GET ${P}/pledges`]: () => page([]),
      [`GET ${P}/contributors`]: () => page([entry(person(), { commit: 12 }), entry(old, { commit: 3 })]),
      [`GET ${P}/identities/merges`]: () => jsonResponse({ items: [] }),
      [`POST ${P}/identities/merge`]: () => problemResponse(problem(409, "identity_merge_chain", "Conflict")),
    });
    renderAt(`/projects/${SLUG}/manage?section=contributors`);
    const form = await screen.findByTestId("merge-form");
    fireEvent.change(within(form).getByLabelText("Merge this identity"), { target: { value: "1" } });
    fireEvent.change(within(form).getByLabelText("Into this person"), { target: { value: "7" } });
    fireEvent.click(within(form).getByRole("button", { name: "Merge" }));
    expect((await within(form).findByRole("alert")).textContent).toMatch(/chain of merges/);
  });

  it("maps the server's violations to the two fields", () => {
    const err = new ApiError({
      status: 422,
      code: "validation_failed",
      title: "x",
      problem: {
        ...problem(422, "validation_failed", "x"),
        errors: [{ field: "from", code: "unknown_contributor", message: "unknown" }],
      },
    });
    expect(mergeFieldErrors(err)).toEqual({ from: "This person has no contribution in this project." });
    expect(identityWords({ ...addr, github_user_id: null, name: "Outside Author 3" })).toBe(
      "Outside Author 3 (no GitHub account)",
    );
  });
});
