import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import {
  CONTRIBUTION_KINDS,
  contributionKindHint,
  contributionKindLabel,
  contributorName,
  countLines,
  countWords,
  RECORDABLE_KINDS,
} from "./contributions";

describe("contribution kinds in words", () => {
  it("labels every kind, and a kind from a newer server readably", () => {
    for (const k of CONTRIBUTION_KINDS) expect(contributionKindLabel(k)).not.toMatch(/_/);
    expect(contributionKindLabel("pull_request_merged")).toBe("Pull request merged");
    expect(contributionKindLabel("infra")).toBe("Infrastructure");
    expect(contributionKindLabel("model_weights")).toBe("Model weights");
    expect(contributionKindLabel("")).toBe("Other");
  });

  it("every recordable kind has a hint", () => {
    for (const k of RECORDABLE_KINDS) expect(contributionKindHint(k)).not.toBe("");
    expect(contributionKindHint("commit")).toBe("");
  });

  it("counts in words, singular and plural, grouped", () => {
    expect(countWords("commit", 1)).toBe("1 commit");
    expect(countWords("commit", 12)).toBe("12 commits");
    expect(countWords("pull_request_merged", 1200)).toBe("1,200 pull requests merged");
    expect(countWords("data", 1)).toBe("1 data contribution");
    expect(countWords("compute_operations", 2)).toBe("2 compute operations");
    expect(countWords("model_weights", 3)).toBe("3 × Model weights");
  });

  it("orders a contributor's counts, leaving out zeros", () => {
    const lines = countLines({ data: 1, release: 0, commit: 12, zeta_kind: 2, pull_request_review: 4, alpha_kind: 1 });
    expect(lines.map((l) => l.kind)).toEqual(["commit", "pull_request_review", "data", "alpha_kind", "zeta_kind"]);
    expect(lines[0]).toEqual({ kind: "commit", count: 12, words: "12 commits", label: "Commit" });
  });
});

describe("contributorName", () => {
  it("prefers the profile name, then the login; never names an anonymous one", () => {
    expect(contributorName({ anonymous: false, login: "ada", name: "Ada Lovelace" })).toBe("Ada Lovelace");
    expect(contributorName({ anonymous: false, login: "ada", name: "  " })).toBe("@ada");
    expect(contributorName({ anonymous: true, login: null, name: null })).toBe("Contributor without a GitHub account");
    expect(contributorName({ anonymous: false, login: null, name: null })).toBe("Unknown contributor");
  });
});

describe("kinds and the server's schema", () => {
  const doc = JSON.parse(readFileSync(resolve(process.cwd(), "../openapi/openapi.json"), "utf8")) as {
    components: { schemas: Record<string, { enum?: string[] }> };
  };

  it("lists exactly the server's kinds, and the recordable ones", () => {
    expect([...CONTRIBUTION_KINDS].sort()).toEqual([...(doc.components.schemas.ContributionKind?.enum ?? [])].sort());
    expect([...RECORDABLE_KINDS].sort()).toEqual([...(doc.components.schemas.RecordableKind?.enum ?? [])].sort());
  });
});
