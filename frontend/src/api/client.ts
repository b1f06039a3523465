/**
 * Typed fetch client for the OpenFund HTTP API.
 *
 * Every type here is derived from `schema.d.ts`, which `npm run gen:api`
 * generates from the server's OpenAPI document. If the server's contract
 * changes, regenerating the schema makes `npm run typecheck` fail wherever
 * the front end no longer matches.
 */
import type { components, paths } from "./schema";

export type Project = components["schemas"]["Project"];
export type ProjectKind = components["schemas"]["ProjectKind"];
export type ProjectPage = components["schemas"]["ProjectPage"];
export type Problem = components["schemas"]["Problem"];

type JsonBody<R> = R extends { content: { "application/json": infer B } } ? B : never;

type ListProjectsResponse = JsonBody<
  paths["/api/v1/projects"]["get"]["responses"][200]
>;
type GetProjectResponse = JsonBody<
  paths["/api/v1/projects/{slug}"]["get"]["responses"][200]
>;
export type ListProjectsQuery = NonNullable<
  paths["/api/v1/projects"]["get"]["parameters"]["query"]
>;

/** Codes the client itself produces when the server gave no problem document. */
export const CLIENT_ERROR_CODES = {
  network: "network_error",
  badResponse: "bad_response",
} as const;

/** A failed API call. `status` is 0 when no HTTP response arrived. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly title: string;
  readonly detail: string | null;
  readonly problem: Problem | null;

  constructor(init: {
    status: number;
    code: string;
    title: string;
    detail?: string | null;
    problem?: Problem | null;
  }) {
    super(init.detail ? `${init.title}: ${init.detail}` : init.title);
    this.name = "ApiError";
    this.status = init.status;
    this.code = init.code;
    this.title = init.title;
    this.detail = init.detail ?? null;
    this.problem = init.problem ?? null;
  }

  get isNotFound(): boolean {
    return this.status === 404 && this.code === "not_found";
  }
}

export function isApiError(value: unknown): value is ApiError {
  return value instanceof ApiError;
}

function isProblem(value: unknown): value is Problem {
  if (typeof value !== "object" || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    typeof v.title === "string" &&
    typeof v.status === "number" &&
    typeof v.code === "string"
  );
}

function isJson(res: Response): boolean {
  const type = res.headers.get("content-type") ?? "";
  return /\bjson\b/i.test(type) || /\+json\b/i.test(type);
}

async function errorFromResponse(res: Response): Promise<ApiError> {
  let body: unknown = null;
  if (isJson(res)) {
    try {
      body = await res.json();
    } catch {
      body = null;
    }
  }
  if (isProblem(body)) {
    return new ApiError({
      status: res.status,
      code: body.code,
      title: body.title,
      detail: body.detail ?? null,
      problem: body,
    });
  }
  return new ApiError({
    status: res.status,
    code: `http_${res.status}`,
    title: res.statusText || `HTTP ${res.status}`,
    detail: "The server answered without a problem document.",
  });
}

export type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;

export interface ApiClientOptions {
  /** Prefix for every path, e.g. "http://127.0.0.1:8080". Empty = same origin. */
  baseUrl?: string;
  fetch?: FetchLike;
}

export interface RequestOptions {
  signal?: AbortSignal;
}

export function createApiClient(options: ApiClientOptions = {}) {
  const baseUrl = (options.baseUrl ?? "").replace(/\/+$/, "");
  const doFetch: FetchLike =
    options.fetch ?? ((input, init) => globalThis.fetch(input, init));

  async function getJson<T>(path: string, opts: RequestOptions = {}): Promise<T> {
    let res: Response;
    try {
      res = await doFetch(baseUrl + path, {
        method: "GET",
        headers: { Accept: "application/json, application/problem+json" },
        signal: opts.signal,
      });
    } catch (err) {
      if (err instanceof DOMException && err.name === "AbortError") throw err;
      throw new ApiError({
        status: 0,
        code: CLIENT_ERROR_CODES.network,
        title: "Could not reach the server",
        detail: err instanceof Error ? err.message : String(err),
      });
    }
    if (!res.ok) throw await errorFromResponse(res);
    try {
      return (await res.json()) as T;
    } catch {
      throw new ApiError({
        status: res.status,
        code: CLIENT_ERROR_CODES.badResponse,
        title: "Unexpected response from the server",
        detail: "The response body was not valid JSON.",
      });
    }
  }

  return {
    /** `GET /api/v1/projects` — one page of projects, newest first. */
    listProjects(query: ListProjectsQuery = {}, opts?: RequestOptions) {
      const params = new URLSearchParams();
      if (query.page !== undefined) params.set("page", String(query.page));
      if (query.per_page !== undefined) params.set("per_page", String(query.per_page));
      const qs = params.toString();
      return getJson<ListProjectsResponse>(`/api/v1/projects${qs ? `?${qs}` : ""}`, opts);
    },

    /** `GET /api/v1/projects/{slug}` — rejects with ApiError code `not_found` if absent. */
    getProject(slug: string, opts?: RequestOptions) {
      return getJson<GetProjectResponse>(
        `/api/v1/projects/${encodeURIComponent(slug)}`,
        opts,
      );
    },
  };
}

export type ApiClient = ReturnType<typeof createApiClient>;

/** The client the app uses: same origin as the page. */
export const api: ApiClient = createApiClient();
