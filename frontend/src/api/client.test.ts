import { describe, expect, it, vi } from "vitest";
import { ApiError, createApiClient, isApiError } from "./client";
import { jsonResponse, page, problem, problemResponse, PROJECTS } from "../test/fixtures";

function clientWith(response: Response | (() => Promise<Response>)) {
  const fetch = vi.fn(async (_input: string, _init?: RequestInit) =>
    typeof response === "function" ? response() : response,
  );
  return { fetch, client: createApiClient({ fetch }) };
}

describe("api client", () => {
  it("lists projects with search, filter, sort and cursor and returns the typed page", async () => {
    const body = page(PROJECTS, { total: 42 });
    const { fetch, client } = clientWith(jsonResponse(body));

    const result = await client.listProjects({
      q: "llama 100%",
      kind: "model",
      sort: "name",
      cursor: "abc_-",
      limit: 20,
    });

    expect(fetch).toHaveBeenCalledTimes(1);
    expect(fetch.mock.calls[0]?.[0]).toBe(
      "/api/v1/projects?q=llama+100%25&kind=model&sort=name&limit=20&cursor=abc_-",
    );
    const headers = fetch.mock.calls[0]?.[1]?.headers as Record<string, string>;
    expect(headers.Accept).toContain("application/problem+json");
    expect(result.total).toBe(42);
    expect(result.items.map((p) => p.slug)).toEqual(["tiny-llama", "open-speech-corpus", "fastattn"]);
  });

  it("omits the query string when no paging is given and honours baseUrl", async () => {
    const fetch = vi.fn(async () => jsonResponse(page([])));
    const client = createApiClient({ fetch, baseUrl: "http://127.0.0.1:8080/" });
    await client.listProjects();
    expect(fetch.mock.calls[0]).toBeDefined();
    expect((fetch.mock.calls[0] as unknown[])[0]).toBe("http://127.0.0.1:8080/api/v1/projects");
  });

  it("encodes the slug into the path", async () => {
    const { fetch, client } = clientWith(jsonResponse(PROJECTS[0]));
    await client.getProject("a b/c");
    expect(fetch.mock.calls[0]?.[0]).toBe("/api/v1/projects/a%20b%2Fc");
  });

  it("maps a problem+json 404 to an ApiError with status and code", async () => {
    const { client } = clientWith(
      problemResponse(problem(404, "not_found", "Not Found", "no project with slug 'nope'")),
    );

    const err = await client.getProject("nope").catch((e: unknown) => e);

    expect(isApiError(err)).toBe(true);
    const apiErr = err as ApiError;
    expect(apiErr).toBeInstanceOf(Error);
    expect(apiErr.status).toBe(404);
    expect(apiErr.code).toBe("not_found");
    expect(apiErr.title).toBe("Not Found");
    expect(apiErr.detail).toBe("no project with slug 'nope'");
    expect(apiErr.isNotFound).toBe(true);
    expect(apiErr.problem?.type).toBe("urn:openfund:problem:not_found");
    expect(apiErr.message).toBe("Not Found: no project with slug 'nope'");
  });

  it("maps a problem+json 400 to ApiError code bad_request", async () => {
    const { client } = clientWith(problemResponse(problem(400, "bad_request", "Bad Request")));
    const err = (await client.listProjects({ limit: 0 }).catch((e: unknown) => e)) as ApiError;
    expect(err.status).toBe(400);
    expect(err.code).toBe("bad_request");
    expect(err.detail).toBeNull();
    expect(err.isNotFound).toBe(false);
  });

  it("maps a non-problem error body to an http_<status> code", async () => {
    const { client } = clientWith(
      new Response("<html>bad gateway</html>", {
        status: 502,
        statusText: "Bad Gateway",
        headers: { "content-type": "text/html" },
      }),
    );
    const err = (await client.listProjects().catch((e: unknown) => e)) as ApiError;
    expect(err).toBeInstanceOf(ApiError);
    expect(err.status).toBe(502);
    expect(err.code).toBe("http_502");
    expect(err.title).toBe("Bad Gateway");
    expect(err.problem).toBeNull();
  });

  it("maps a network failure to status 0 and code network_error", async () => {
    const { client } = clientWith(() => Promise.reject(new TypeError("Failed to fetch")));
    const err = (await client.listProjects().catch((e: unknown) => e)) as ApiError;
    expect(err.status).toBe(0);
    expect(err.code).toBe("network_error");
    expect(err.detail).toBe("Failed to fetch");
  });

  it("rejects a 200 whose body is not JSON with code bad_response", async () => {
    const { client } = clientWith(new Response("not json", { status: 200 }));
    const err = (await client.getProject("x").catch((e: unknown) => e)) as ApiError;
    expect(err.code).toBe("bad_response");
  });

  it("lets an abort propagate as an AbortError, not an ApiError", async () => {
    const { client } = clientWith(() =>
      Promise.reject(new DOMException("The operation was aborted.", "AbortError")),
    );
    const err = await client.listProjects().catch((e: unknown) => e);
    expect(isApiError(err)).toBe(false);
    expect((err as DOMException).name).toBe("AbortError");
  });
});
