import type { KindCount, Problem, Project, ProjectKind, ProjectList } from "../api/client";

export function project(overrides: Partial<Project> = {}): Project {
  return {
    id: 1,
    slug: "tiny-llama",
    name: "Tiny Llama",
    summary: "A 1.1B parameter open language model trained in public.",
    kind: "model",
    homepage: "https://example.org/tiny-llama",
    created_at: "2025-11-28T09:30:00Z",
    updated_at: "2025-11-28T09:30:00Z",
    description: "",
    license: null,
    repository_url: null,
    model_card_url: null,
    currency: "USD",
    auto_approve_sponsors: false,
    contact_name: null,
    contact_email: null,
    archived_at: null,
    count_bots: false,
    ...overrides,
  };
}

export const PROJECTS: Project[] = [
  project(),
  project({
    id: 2,
    slug: "open-speech-corpus",
    name: "Open Speech Corpus",
    summary: "10,000 hours of openly licensed speech.",
    kind: "dataset",
    homepage: null,
    created_at: "2025-11-27T12:00:00Z",
  }),
  project({
    id: 3,
    slug: "fastattn",
    name: "FastAttn",
    summary: "Fused attention kernels.",
    kind: "library",
    homepage: "https://github.com/example/fastattn",
    created_at: "2025-11-26T08:00:00Z",
  }),
];

const KINDS: ProjectKind[] = ["model", "dataset", "library", "tool", "other"];

/** Counts per kind of `items`, every kind listed, as the server gives them. */
export function kindCounts(items: Project[]): KindCount[] {
  return KINDS.map((kind) => ({ kind, count: items.filter((p) => p.kind === kind).length }));
}

export function page(items: Project[], extra: Partial<ProjectList> = {}): ProjectList {
  return { items, next_cursor: null, total: items.length, kinds: kindCounts(items), ...extra };
}

export function problem(status: number, code: string, title: string, detail?: string): Problem {
  return { type: `urn:openfund:problem:${code}`, title, status, code, detail: detail ?? null };
}

export function jsonResponse(body: unknown, status = 200, type = "application/json"): Response {
  return new Response(JSON.stringify(body), { status, headers: { "content-type": type } });
}

export function problemResponse(p: Problem): Response {
  return jsonResponse(p, p.status, "application/problem+json");
}
