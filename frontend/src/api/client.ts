/**
 * Typed fetch client for the OpenFund HTTP API.
 *
 * Every type here is derived from `schema.d.ts`, which `npm run gen:api`
 * generates from the server's OpenAPI document. If the server's contract
 * changes, regenerating the schema makes `npm run typecheck` fail wherever
 * the front end no longer matches.
 */
import type { components, paths } from "./schema";
import {
  broadcastSessionChannel,
  parseSessionEvent,
  type SessionChannel,
  type SessionEvent,
} from "../auth/crossTab";
import { sessionStore, type SessionStore } from "../auth/session";

export type Project = components["schemas"]["Project"];
export type ProjectKind = components["schemas"]["ProjectKind"];
export type ProjectList = components["schemas"]["ProjectList"];
export type KindCount = components["schemas"]["KindCount"];
export type ProjectMember = components["schemas"]["ProjectMember"];
export type MyProject = components["schemas"]["MyProject"];
export type CreateProject = components["schemas"]["CreateProject"];
export type UpdateProject = components["schemas"]["UpdateProject"];
export type AddMember = components["schemas"]["AddMember"];
export type Problem = components["schemas"]["Problem"];
export type Violation = components["schemas"]["Violation"];

type JsonBody<R> = R extends { content: { "application/json": infer B } } ? B : never;
type RequestJson<O> = O extends { requestBody?: { content: { "application/json": infer B } } }
  ? B
  : never;

export type Me = components["schemas"]["Me"];
export type Session = components["schemas"]["Session"];
export type ApiToken = components["schemas"]["ApiToken"];
export type CreatedApiToken = components["schemas"]["CreatedApiToken"];
export type TokenScope = components["schemas"]["TokenScope"];
export type GithubMode = components["schemas"]["OAuthMode"];
export type StatusResponse = components["schemas"]["StatusResponse"];
export type Instance = components["schemas"]["Instance"];

// Request and response bodies of the account endpoints, by path.
export type RegisterRequest = RequestJson<paths["/api/v1/auth/register"]["post"]>;
export type LoginRequest = RequestJson<paths["/api/v1/auth/login"]["post"]>;
export type UpdateMe = RequestJson<paths["/api/v1/me"]["patch"]>;
export type ChangePassword = RequestJson<paths["/api/v1/me/password"]["post"]>;
export type ChangeEmail = RequestJson<paths["/api/v1/me/email"]["post"]>;
export type DeleteAccount = RequestJson<paths["/api/v1/me"]["delete"]>;
export type CreateApiToken = RequestJson<paths["/api/v1/me/tokens"]["post"]>;
type VerifyEmailRequest = RequestJson<paths["/api/v1/auth/verify-email"]["post"]>;
type ResendRequest = RequestJson<paths["/api/v1/auth/verify-email/resend"]["post"]>;
type ResetRequest = RequestJson<paths["/api/v1/auth/password-reset"]["post"]>;
type ResetConfirmRequest = RequestJson<paths["/api/v1/auth/password-reset/confirm"]["post"]>;
type GithubStartRequest = RequestJson<paths["/api/v1/auth/github/start"]["post"]>;

type RegisterResponse = JsonBody<paths["/api/v1/auth/register"]["post"]["responses"][202]>;
type VerifyEmailResponse = JsonBody<paths["/api/v1/auth/verify-email"]["post"]["responses"][200]>;
type ResendResponse = JsonBody<paths["/api/v1/auth/verify-email/resend"]["post"]["responses"][202]>;
type LoginResponse = JsonBody<paths["/api/v1/auth/login"]["post"]["responses"][200]>;
type RefreshResponse = JsonBody<paths["/api/v1/auth/refresh"]["post"]["responses"][200]>;
type ResetResponse = JsonBody<paths["/api/v1/auth/password-reset"]["post"]["responses"][202]>;
type ResetConfirmResponse = JsonBody<
  paths["/api/v1/auth/password-reset/confirm"]["post"]["responses"][200]
>;
export type GithubStart = JsonBody<paths["/api/v1/auth/github/start"]["post"]["responses"][200]>;
type GetMeResponse = JsonBody<paths["/api/v1/me"]["get"]["responses"][200]>;
type UpdateMeResponse = JsonBody<paths["/api/v1/me"]["patch"]["responses"][200]>;
type ChangeEmailResponse = JsonBody<paths["/api/v1/me/email"]["post"]["responses"][202]>;
type ListTokensResponse = JsonBody<paths["/api/v1/me/tokens"]["get"]["responses"][200]>;
type CreateTokenResponse = JsonBody<paths["/api/v1/me/tokens"]["post"]["responses"][201]>;

type ListProjectsResponse = JsonBody<
  paths["/api/v1/projects"]["get"]["responses"][200]
>;
type GetInstanceResponse = JsonBody<paths["/api/v1/instance"]["get"]["responses"][200]>;
type GetProjectResponse = JsonBody<
  paths["/api/v1/projects/{slug}"]["get"]["responses"][200]
>;
// Site admins.
export type Job = components["schemas"]["Job"];
export type OutboxMessage = components["schemas"]["OutboxMessage"];
type JobPage = JsonBody<paths["/api/v1/admin/jobs"]["get"]["responses"][200]>;
type OutboxPage = JsonBody<paths["/api/v1/admin/outbox"]["get"]["responses"][200]>;
type RetryJobsRequest = RequestJson<paths["/api/v1/admin/jobs/retry"]["post"]>;
type RetriedJobs = JsonBody<paths["/api/v1/admin/jobs/retry"]["post"]["responses"][200]>;
export type ListJobsQuery = NonNullable<paths["/api/v1/admin/jobs"]["get"]["parameters"]["query"]>;
export type ListOutboxQuery = NonNullable<
  paths["/api/v1/admin/outbox"]["get"]["parameters"]["query"]
>;

// Funding: pledges, the public ledger, balances, expenses, instalments.
export type Pledge = components["schemas"]["Pledge"];
export type ProjectPledge = components["schemas"]["ProjectPledge"];
export type PledgeState = Pledge["state"];
export type CreatePledge = RequestJson<paths["/api/v1/projects/{slug}/pledges"]["post"]>;
/** The money variant of a pledge request (`kind: "money"`). */
export type CreateMoneyPledge = Extract<CreatePledge, { kind: "money" }>;
export type LedgerTransaction = components["schemas"]["LedgerTransaction"];
export type LedgerEntry = components["schemas"]["LedgerEntry"];
export type LedgerKind = LedgerTransaction["kind"];
export type Balance = components["schemas"]["Balance"];
export type Expense = components["schemas"]["Expense"];
export type CreateExpense = RequestJson<paths["/api/v1/projects/{slug}/expenses"]["post"]>;
export type RecordedExpense = components["schemas"]["RecordedExpense"];
export type Instalment = components["schemas"]["Instalment"];
export type InstalmentState = Instalment["state"];
export type Accelerator = components["schemas"]["Accelerator"];
export type LedgerQuery = NonNullable<paths["/api/v1/projects/{slug}/ledger"]["get"]["parameters"]["query"]>;
type ProjectBalances = components["schemas"]["ProjectBalances"];
type LedgerPage = components["schemas"]["LedgerPage"];
type ExpensePage = components["schemas"]["ExpensePage"];
type PledgePage = components["schemas"]["PledgePage"];
export type MyPledge = components["schemas"]["MyPledge"];
type ProjectPledgePage = components["schemas"]["ProjectPledgePage"];
type InstalmentPage = components["schemas"]["InstalmentPage"];
type AcceleratorList = components["schemas"]["AcceleratorList"];

// Goal progress, compute pledges and their deliveries, the sponsor wall and profile
// (Goal, GoalStatus and Delivery are with the maintainer console's types below).
export type GoalProgress = components["schemas"]["GoalProgress"];
export type MoneyProgress = components["schemas"]["MoneyProgress"];
export type ComputeProgress = components["schemas"]["ComputeProgress"];
export type CombinedProgress = components["schemas"]["CombinedProgress"];
/** The compute variant of a pledge request (`kind: "compute"`). */
export type CreateComputePledge = Extract<CreatePledge, { kind: "compute" }>;
export type SponsorWall = components["schemas"]["SponsorWall"];
export type WallSponsor = components["schemas"]["WallSponsor"];
export type SponsorProfile = components["schemas"]["SponsorProfileView"];
export type UpdateSponsorProfile = RequestJson<paths["/api/v1/me/sponsor-profile"]["put"]>;
export type PledgeDeliveries = components["schemas"]["PledgeDeliveryList"];
export type ReportDelivery = RequestJson<paths["/api/v1/pledges/{id}/deliveries"]["post"]>;

/** One page of a list read with keyset cursors; `next_cursor` is null on the last page. */
export interface CursorPage<T> {
  items: T[];
  next_cursor: string | null;
}

export type ListProjectsQuery = NonNullable<
  paths["/api/v1/projects"]["get"]["parameters"]["query"]
>;

// The maintainer console: goals, compute deliveries, Slurm uploads, fair-market
// values, sponsor approval.
export type Goal = components["schemas"]["Goal"];
export type GoalStatus = Goal["status"];
export type CreateGoal = components["schemas"]["CreateGoal"];
export type UpdateGoal = components["schemas"]["UpdateGoal"];
export type Delivery = components["schemas"]["Delivery"];
export type DeliveryState = Delivery["state"];
export type ConfirmedDelivery = components["schemas"]["ConfirmedDelivery"];
export type SlurmUpload = components["schemas"]["SlurmUpload"];
export type SlurmPreview = components["schemas"]["SlurmPreviewView"];
export type SlurmRecorded = components["schemas"]["SlurmRecorded"];
export type SlurmGpuType = components["schemas"]["SlurmGpuType"];
export type AcceleratorValue = components["schemas"]["AcceleratorValue"];
export type ProjectSponsor = components["schemas"]["ProjectSponsor"];
type GoalPage = components["schemas"]["GoalPage"];
type DeliveryPage = components["schemas"]["DeliveryPage"];
type AcceleratorValues = components["schemas"]["AcceleratorValues"];
type PendingSponsors = components["schemas"]["PendingSponsors"];

// GitHub activity: linked repositories and their sync.
export type Repository = components["schemas"]["Repository"];
export type RepositoryList = components["schemas"]["RepositoryList"];
export type RepositoryWebhook = components["schemas"]["RepositoryWebhook"];
export type SyncStatus = components["schemas"]["SyncStatus"];
export type ResourceStatus = components["schemas"]["ResourceStatus"];
export type RateLimitStatus = components["schemas"]["RateLimitStatus"];
export type SyncResource = components["schemas"]["SyncResource"];
export type SyncQueued = components["schemas"]["SyncQueued"];
type LinkRepositoryRequest = RequestJson<paths["/api/v1/projects/{slug}/repositories"]["post"]>;

// Recognition: contributors, the activity feed, recorded work.
export type ContributionKind = components["schemas"]["ContributionKind"];
export type RecordableKind = components["schemas"]["RecordableKind"];
export type ContributorSummary = components["schemas"]["ContributorSummary"];
export type ContributorEntry = components["schemas"]["ContributorEntry"];
export type ActivityItem = components["schemas"]["ActivityItem"];
export type RecordContribution = RequestJson<paths["/api/v1/projects/{slug}/contributions"]["post"]>;
type ContributorPage = components["schemas"]["ContributorPage"];
type ActivityPage = components["schemas"]["ActivityPage"];
// Identity merges.
export type MergedIdentity = components["schemas"]["MergedIdentity"];
export type IdentityMerge = components["schemas"]["IdentityMerge"];
type IdentityMergeList = components["schemas"]["IdentityMergeList"];
type MergeIdentitiesRequest = RequestJson<paths["/api/v1/projects/{slug}/identities/merge"]["post"]>;

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
  /** Seconds from a `Retry-After` header (429, 503), or null. */
  readonly retryAfter: number | null;

  constructor(init: {
    status: number;
    code: string;
    title: string;
    detail?: string | null;
    problem?: Problem | null;
    retryAfter?: number | null;
  }) {
    super(init.detail ? `${init.title}: ${init.detail}` : init.title);
    this.name = "ApiError";
    this.status = init.status;
    this.code = init.code;
    this.title = init.title;
    this.detail = init.detail ?? null;
    this.problem = init.problem ?? null;
    this.retryAfter = init.retryAfter ?? null;
  }

  /** Field-level violations of a `validation_failed` problem (else empty). */
  get violations(): Violation[] {
    return this.problem?.errors ?? [];
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

/** `Retry-After` as whole seconds: delta-seconds or an HTTP date. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | null {
  if (value === null) return null;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  const at = Date.parse(trimmed);
  if (Number.isNaN(at)) return null;
  return Math.max(0, Math.ceil((at - now) / 1000));
}

async function errorFromResponse(res: Response): Promise<ApiError> {
  const retryAfter = parseRetryAfter(res.headers.get("retry-after"));
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
      retryAfter,
    });
  }
  return new ApiError({
    status: res.status,
    code: `http_${res.status}`,
    title: res.statusText || `HTTP ${res.status}`,
    detail: "The server answered without a problem document.",
    retryAfter,
  });
}


export type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;

export interface ApiClientOptions {
  /** Prefix for every path, e.g. "http://127.0.0.1:8080". Empty = same origin. */
  baseUrl?: string;
  fetch?: FetchLike;
  /**
   * Where the access token lives (in memory). Without one, calls that need a
   * session are sent without `Authorization` and nothing is refreshed.
   */
  session?: SessionStore;
  /**
   * Where tabs tell each other about sign-ins and sign-outs (see ../auth/crossTab).
   * Default: none (the app's `api` uses a BroadcastChannel).
   */
  channel?: SessionChannel | null;
}

export interface RequestOptions {
  signal?: AbortSignal;
}

type Auth =
  /** No bearer token, no refresh. */
  | "none"
  /** Bearer token required: wait for the start-up refresh; refresh once on 401 `invalid_token`. */
  | "required"
  /** Bearer token sent if there is one; never refreshed. */
  | "optional";

interface Call {
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  path: string;
  body?: unknown;
  auth?: Auth;
  signal?: AbortSignal;
  /** Extra request headers (e.g. `Idempotency-Key`). */
  headers?: Record<string, string>;
}

const ACCEPT = "application/json, application/problem+json";

export function createApiClient(options: ApiClientOptions = {}) {
  const baseUrl = (options.baseUrl ?? "").replace(/\/+$/, "");
  const doFetch: FetchLike =
    options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  const session = options.session ?? null;

  /** One fetch; a network failure becomes ApiError `network_error`. */
  async function send(call: Call): Promise<Response> {
    const headers: Record<string, string> = { ...call.headers, Accept: ACCEPT };
    if (call.body !== undefined) headers["Content-Type"] = "application/json";
    const token = call.auth && call.auth !== "none" ? session?.accessToken() : null;
    if (token) headers.Authorization = `Bearer ${token}`;
    const init: RequestInit = { method: call.method, headers, signal: call.signal };
    if (call.body !== undefined) init.body = JSON.stringify(call.body);
    // The refresh cookie (path /api/v1/auth) must travel with auth calls.
    if (call.path.startsWith("/api/v1/auth/")) init.credentials = "same-origin";
    try {
      return await doFetch(baseUrl + call.path, init);
    } catch (err) {
      if (err instanceof DOMException && err.name === "AbortError") throw err;
      throw new ApiError({
        status: 0,
        code: CLIENT_ERROR_CODES.network,
        title: "Could not reach the server",
        detail: err instanceof Error ? err.message : String(err),
      });
    }
  }

  async function readJson<T>(res: Response): Promise<T> {
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

  const channel = options.channel ?? null;
  let listening = false;

  /** Follows the other tabs: their sign-out signs this tab out; their sign-in signs it in. */
  function listenToOtherTabs() {
    if (listening || !channel || !session) return;
    listening = true;
    channel.listen((data) => {
      const event = parseSessionEvent(data);
      if (event?.type === "signed_out") {
        session.clear();
      } else if (event?.type === "signed_in" && session.get().status === "signed_out") {
        refresh().catch(() => undefined);
      }
    });
  }

  /** Tells the other tabs about a sign-in or sign-out in this one. */
  function announce(event: SessionEvent) {
    listenToOtherTabs();
    channel?.post(event);
  }

  // One refresh at a time in this tab: concurrent callers share the request, so
  // the cookie is not spent twice for nothing. (Other tabs refresh on their own:
  // the server accepts a refresh token presented twice within a short grace window.)
  let refreshing: Promise<Session | null> | null = null;

  /**
   * `POST /api/v1/auth/refresh` with the HttpOnly cookie. 200 stores the new
   * session; 401 (no or stale cookie) signs out and resolves null; any other
   * failure rejects (and signs out if nobody was signed in yet).
   */
  function refresh(): Promise<Session | null> {
    if (refreshing) return refreshing;
    listenToOtherTabs();
    refreshing = (async () => {
      try {
        const res = await send({ method: "POST", path: "/api/v1/auth/refresh" });
        if (res.status === 401) {
          session?.clear();
          return null;
        }
        if (!res.ok) throw await errorFromResponse(res);
        const body = await readJson<RefreshResponse>(res);
        session?.setSession(body);
        return body;
      } catch (err) {
        if (session?.get().status === "loading") session.clear();
        throw err;
      } finally {
        refreshing = null;
      }
    })();
    return refreshing;
  }

  /** Sends a call; with auth "required", refreshes once and retries once on 401 `invalid_token`. */
  async function request(call: Call): Promise<Response> {
    if (call.auth === "required" && session?.get().status === "loading") {
      await refresh().catch(() => null);
    }
    let res = await send(call);
    if (res.status === 401 && call.auth === "required" && session) {
      const err = await errorFromResponse(res);
      if (err.code !== "invalid_token") throw err;
      const renewed = await refresh().catch(() => null);
      if (!renewed) {
        session.clear();
        throw err;
      }
      res = await send(call);
    }
    if (!res.ok) throw await errorFromResponse(res);
    return res;
  }

  async function json<T>(call: Call): Promise<T> {
    return readJson<T>(await request(call));
  }

  async function empty(call: Call): Promise<void> {
    await request(call);
  }

  function getJson<T>(path: string, opts: RequestOptions = {}): Promise<T> {
    return json<T>({ method: "GET", path, signal: opts.signal });
  }

  return {
    /** `GET /api/v1/instance` — the instance's name and which features are configured. */
    getInstance(opts?: RequestOptions) {
      return getJson<GetInstanceResponse>("/api/v1/instance", opts);
    },

    /** `GET /api/v1/openapi.json` — the API's own description (read by the docs page). */
    getOpenApi(opts?: RequestOptions) {
      return getJson<unknown>("/api/v1/openapi.json", opts);
    },

    /**
     * `GET /api/v1/projects` — one page of projects: search by name (`q`), `kind`, `sort`,
     * keyset `cursor`; `total` and `kinds` count the whole filtered list.
     */
    listProjects(q: ListProjectsQuery = {}, opts?: RequestOptions) {
      return getJson<ListProjectsResponse>(
        `/api/v1/projects${query({
          q: q.q,
          kind: q.kind,
          sort: q.sort,
          limit: q.limit,
          cursor: q.cursor,
          include_archived: q.include_archived ? true : undefined,
        })}`,
        opts,
      );
    },

    /** `POST /api/v1/projects` — the caller becomes the owner; 409 `slug_taken`. */
    createProject(body: CreateProject) {
      return json<Project>({ method: "POST", path: "/api/v1/projects", body, auth: "required" });
    },

    /** `PATCH /api/v1/projects/{slug}` — merge patch; 409 `currency_locked`. */
    updateProject(slug: string, body: UpdateProject) {
      return json<Project>({
        method: "PATCH",
        path: `/api/v1/projects/${encodeURIComponent(slug)}`,
        body,
        auth: "required",
      });
    },

    /** `POST /api/v1/projects/{slug}/archive` or `/unarchive` (owners and admins). */
    setArchived(slug: string, archived: boolean) {
      return json<Project>({
        method: "POST",
        path: `/api/v1/projects/${encodeURIComponent(slug)}/${archived ? "archive" : "unarchive"}`,
        auth: "required",
      });
    },

    /** `GET /api/v1/projects/{slug}/members` — public. */
    listMembers(slug: string, opts?: RequestOptions) {
      return getJson<{ items: ProjectMember[] }>(
        `/api/v1/projects/${encodeURIComponent(slug)}/members`,
        opts,
      );
    },

    /** `POST /api/v1/projects/{slug}/members` — 422 `no_such_user`, 409 `already_member`. */
    addMember(slug: string, body: AddMember) {
      return json<ProjectMember>({
        method: "POST",
        path: `/api/v1/projects/${encodeURIComponent(slug)}/members`,
        body,
        auth: "required",
      });
    },

    /** `DELETE /api/v1/projects/{slug}/members/{user_id}` — 409 `last_owner`. */
    removeMember(slug: string, userId: number) {
      return empty({
        method: "DELETE",
        path: `/api/v1/projects/${encodeURIComponent(slug)}/members/${encodeURIComponent(String(userId))}`,
        auth: "required",
      });
    },

    /** `GET /api/v1/me/projects` — the caller's projects and roles. */
    myProjects(opts: RequestOptions = {}) {
      return json<{ items: MyProject[] }>({
        method: "GET",
        path: "/api/v1/me/projects",
        auth: "required",
        signal: opts.signal,
      });
    },

    /** `GET /api/v1/projects/{slug}` — rejects with ApiError code `not_found` if absent. */
    getProject(slug: string, opts?: RequestOptions) {
      return getJson<GetProjectResponse>(
        `/api/v1/projects/${encodeURIComponent(slug)}`,
        opts,
      );
    },

    // ---- accounts: sign-up, sign-in, session ----

    /** `POST /auth/register` — 202 whether or not the address already has an account. */
    register(body: RegisterRequest) {
      return json<RegisterResponse>({ method: "POST", path: "/api/v1/auth/register", body });
    },

    /** `POST /auth/verify-email` — 404 `invalid_or_expired_link` for a bad token. */
    verifyEmail(token: string, opts: RequestOptions = {}) {
      const body: VerifyEmailRequest = { token };
      return json<VerifyEmailResponse>({
        method: "POST",
        path: "/api/v1/auth/verify-email",
        body,
        signal: opts.signal,
      });
    },

    /** `POST /auth/verify-email/resend` */
    resendVerification(email: string) {
      const body: ResendRequest = { email };
      return json<ResendResponse>({
        method: "POST",
        path: "/api/v1/auth/verify-email/resend",
        body,
      });
    },

    /** `POST /auth/login` — stores the session; the server sets the refresh cookie. */
    async login(body: LoginRequest) {
      const s = await json<LoginResponse>({ method: "POST", path: "/api/v1/auth/login", body });
      session?.setSession(s);
      announce({ type: "signed_in" });
      return s;
    },

    refresh,

    /** `POST /auth/logout` — forgets the session even if the server call fails. */
    async logout() {
      try {
        await empty({ method: "POST", path: "/api/v1/auth/logout", auth: "optional" });
      } finally {
        session?.clear();
        announce({ type: "signed_out" });
      }
    },

    /** `POST /auth/password-reset` — 202 whether or not an account exists. */
    requestPasswordReset(email: string) {
      const body: ResetRequest = { email };
      return json<ResetResponse>({
        method: "POST",
        path: "/api/v1/auth/password-reset",
        body,
      });
    },

    /** `POST /auth/password-reset/confirm` */
    confirmPasswordReset(token: string, password: string) {
      const body: ResetConfirmRequest = { token, password };
      return json<ResetConfirmResponse>({
        method: "POST",
        path: "/api/v1/auth/password-reset/confirm",
        body,
      });
    },

    /** `POST /auth/github/start` — the browser then goes to `authorize_url`. */
    githubStart(mode: GithubMode) {
      const body: GithubStartRequest = { mode };
      return json<GithubStart>({
        method: "POST",
        path: "/api/v1/auth/github/start",
        body,
        auth: mode === "link" ? "required" : "none",
      });
    },

    // ---- the signed-in account ----

    /** `GET /me` — also updates the in-memory session's account. */
    async getMe(opts: RequestOptions = {}) {
      const me = await json<GetMeResponse>({
        method: "GET",
        path: "/api/v1/me",
        auth: "required",
        signal: opts.signal,
      });
      session?.setMe(me);
      return me;
    },

    /** `PATCH /me` — also updates the in-memory session's account. */
    async updateMe(body: UpdateMe) {
      const me = await json<UpdateMeResponse>({ method: "PATCH", path: "/api/v1/me", body, auth: "required" });
      session?.setMe(me);
      return me;
    },

    /** `POST /me/password` — 401 `invalid_credentials` for a wrong current password. */
    changePassword(body: ChangePassword) {
      return empty({ method: "POST", path: "/api/v1/me/password", body, auth: "required" });
    },

    /** `POST /me/email` — sends a verification mail to the new address. */
    changeEmail(body: ChangeEmail) {
      return json<ChangeEmailResponse>({
        method: "POST",
        path: "/api/v1/me/email",
        body,
        auth: "required",
      });
    },

    /** `DELETE /me/github` — 409 `last_sign_in_method` without a password. */
    unlinkGithub() {
      return empty({ method: "DELETE", path: "/api/v1/me/github", auth: "required" });
    },

    /** `DELETE /me` — then the session is gone. */
    async deleteAccount(body: DeleteAccount) {
      await empty({ method: "DELETE", path: "/api/v1/me", body, auth: "required" });
      session?.clear();
      announce({ type: "signed_out" });
    },

    /** `GET /me/tokens` */
    listTokens(opts: RequestOptions = {}) {
      return json<ListTokensResponse>({
        method: "GET",
        path: "/api/v1/me/tokens",
        auth: "required",
        signal: opts.signal,
      });
    },

    /** `POST /me/tokens` — the answer carries the secret, shown once. */
    createToken(body: CreateApiToken) {
      return json<CreateTokenResponse>({
        method: "POST",
        path: "/api/v1/me/tokens",
        body,
        auth: "required",
      });
    },

    /** `DELETE /me/tokens/{id}` */
    revokeToken(id: number) {
      return empty({
        method: "DELETE",
        path: `/api/v1/me/tokens/${encodeURIComponent(String(id))}`,
        auth: "required",
      });
    },

    // ---- funding: ledger, balances, pledges, expenses, instalments ----

    /** `GET /projects/{slug}/balances` — public; derived from the ledger. */
    getBalances(slug: string, opts: RequestOptions = {}) {
      return json<ProjectBalances>({
        method: "GET",
        path: `/api/v1/projects/${encodeURIComponent(slug)}/balances`,
        signal: opts.signal,
      });
    },

    /**
     * `GET /projects/{slug}/ledger` — public, newest first. Filters the server does not
     * know (yet) are sent as they are; it answers 400 `invalid_query` for bad values.
     */
    listLedger(
      slug: string,
      q: Record<string, string | number | null | undefined> & { cursor?: string | null } = {},
      opts: RequestOptions = {},
    ): Promise<CursorPage<LedgerTransaction>> {
      return json<LedgerPage>({
        method: "GET",
        path: `/api/v1/projects/${encodeURIComponent(slug)}/ledger${query(q)}`,
        signal: opts.signal,
      });
    },

    /** `POST /projects/{slug}/ledger/{id}/reverse` — maintainers; posts the negated entries. */
    reverseTransaction(slug: string, id: number) {
      return json<LedgerTransaction>({
        method: "POST",
        path: `/api/v1/projects/${encodeURIComponent(slug)}/ledger/${encodeURIComponent(String(id))}/reverse`,
        auth: "required",
      });
    },

    /** `GET /projects/{slug}/expenses` — public, newest first. */
    listExpenses(
      slug: string,
      q: { cursor?: string | null; limit?: number } = {},
      opts: RequestOptions = {},
    ): Promise<CursorPage<Expense>> {
      return json<ExpensePage>({
        method: "GET",
        path: `/api/v1/projects/${encodeURIComponent(slug)}/expenses${query(q)}`,
        signal: opts.signal,
      });
    },

    /** `POST /projects/{slug}/expenses` — maintainers; recorded in the ledger. */
    createExpense(slug: string, body: CreateExpense) {
      return json<RecordedExpense>({
        method: "POST",
        path: `/api/v1/projects/${encodeURIComponent(slug)}/expenses`,
        body,
        auth: "required",
      });
    },

    /**
     * `POST /projects/{slug}/pledges` with an `Idempotency-Key`: the same key and body
     * sent again (a retry after a lost answer) gets the first pledge back, never a second.
     */
    createPledge(slug: string, body: CreatePledge, idempotencyKey: string) {
      return json<Pledge>({
        method: "POST",
        path: `/api/v1/projects/${encodeURIComponent(slug)}/pledges`,
        body,
        auth: "required",
        headers: { "Idempotency-Key": idempotencyKey },
      });
    },

    /** `GET /projects/{slug}/pledges` — maintainers; `state: "pledged"` for those to confirm. */
    listProjectPledges(
      slug: string,
      q: { state?: PledgeState; cursor?: string | null; limit?: number } = {},
      opts: RequestOptions = {},
    ): Promise<CursorPage<ProjectPledge>> {
      return json<ProjectPledgePage>({
        method: "GET",
        path: `/api/v1/projects/${encodeURIComponent(slug)}/pledges${query(q)}`,
        auth: "required",
        signal: opts.signal,
      });
    },

    /** `POST /pledges/{id}/confirm` — maintainers: the money arrived. */
    confirmPledge(id: number) {
      return json<Pledge>({
        method: "POST",
        path: `/api/v1/pledges/${encodeURIComponent(String(id))}/confirm`,
        auth: "required",
      });
    },

    /** `POST /pledges/{id}/cancel` — the sponsor, while it is still pledged. */
    cancelPledge(id: number) {
      return json<Pledge>({
        method: "POST",
        path: `/api/v1/pledges/${encodeURIComponent(String(id))}/cancel`,
        auth: "required",
      });
    },

    /** `GET /me/pledges` — the caller's pledges, newest first. */
    myPledges(
      q: { cursor?: string | null; limit?: number } = {},
      opts: RequestOptions = {},
    ): Promise<CursorPage<MyPledge>> {
      return json<PledgePage>({
        method: "GET",
        path: `/api/v1/me/pledges${query(q)}`,
        auth: "required",
        signal: opts.signal,
      });
    },

    /** `GET /projects/{slug}/instalments` — maintainers; `state: "due"` for those to confirm. */
    listInstalments(
      slug: string,
      q: { state?: InstalmentState; cursor?: string | null; limit?: number } = {},
      opts: RequestOptions = {},
    ): Promise<CursorPage<Instalment>> {
      return json<InstalmentPage>({
        method: "GET",
        path: `/api/v1/projects/${encodeURIComponent(slug)}/instalments${query(q)}`,
        auth: "required",
        signal: opts.signal,
      });
    },

    /** `POST /instalments/{id}/confirm` — maintainers: this month's money arrived. */
    confirmInstalment(id: number) {
      return json<Instalment>({
        method: "POST",
        path: `/api/v1/instalments/${encodeURIComponent(String(id))}/confirm`,
        auth: "required",
      });
    },

    /** `GET /accelerators` — the catalogue of compute classes. */
    listAccelerators(opts: RequestOptions = {}) {
      return getJson<AcceleratorList>("/api/v1/accelerators", opts);
    },

    /** `GET /goals/{id}` — public; with its targets and progress. */
    getGoal(id: number, opts: RequestOptions = {}) {
      return getJson<Goal>(`/api/v1/goals/${encodeURIComponent(String(id))}`, opts);
    },

    /** `GET /projects/{slug}/sponsors` — public: approved sponsors of public pledges. */
    sponsorWall(slug: string, opts: RequestOptions = {}) {
      return getJson<SponsorWall>(`/api/v1/projects/${encodeURIComponent(slug)}/sponsors`, opts);
    },

    /** `GET /me/sponsor-profile` — the caller's public name, link and logo. */
    mySponsorProfile(opts: RequestOptions = {}) {
      return json<SponsorProfile>({
        method: "GET",
        path: "/api/v1/me/sponsor-profile",
        auth: "required",
        signal: opts.signal,
      });
    },

    /** `PUT /me/sponsor-profile` — 422 for a link that is not http(s). */
    updateSponsorProfile(body: UpdateSponsorProfile) {
      return json<SponsorProfile>({
        method: "PUT",
        path: "/api/v1/me/sponsor-profile",
        body,
        auth: "required",
      });
    },

    /** `GET /pledges/{id}/deliveries` — a compute pledge's delivery reports and totals. */
    pledgeDeliveries(id: number, opts: RequestOptions = {}) {
      return json<PledgeDeliveries>({
        method: "GET",
        path: `/api/v1/pledges/${encodeURIComponent(String(id))}/deliveries`,
        auth: "required",
        signal: opts.signal,
      });
    },

    /** `POST /pledges/{id}/deliveries` — 422 `exceeds_pledge`, 409 `invalid_state`. */
    reportDelivery(id: number, body: ReportDelivery) {
      return json<Delivery>({
        method: "POST",
        path: `/api/v1/pledges/${encodeURIComponent(String(id))}/deliveries`,
        body,
        auth: "required",
      });
    },

    // ---- GitHub activity: linked repositories ----

    /** `GET /projects/{slug}/repositories` — public; `status` only for those who may edit the project. */
    listRepositories(slug: string, opts: RequestOptions = {}) {
      return json<RepositoryList>({
        method: "GET",
        path: `/api/v1/projects/${encodeURIComponent(slug)}/repositories`,
        auth: "optional",
        signal: opts.signal,
      });
    },

    /** `POST /projects/{slug}/repositories` — 409 `repository_linked`; the secret is in this answer only. */
    linkRepository(slug: string, fullName: string) {
      const body: LinkRepositoryRequest = { full_name: fullName };
      return json<RepositoryWebhook>({
        method: "POST",
        path: `/api/v1/projects/${encodeURIComponent(slug)}/repositories`,
        body,
        auth: "required",
      });
    },

    /** `POST /projects/{slug}/repositories/{owner}/{name}/rotate-secret` — the new secret, shown once. */
    rotateRepositorySecret(slug: string, owner: string, name: string) {
      return json<RepositoryWebhook>({
        method: "POST",
        path: `${repositoryPath(slug, owner, name)}/rotate-secret`,
        auth: "required",
      });
    },

    /** `DELETE /projects/{slug}/repositories/{owner}/{name}` — its contributions stop counting. */
    unlinkRepository(slug: string, owner: string, name: string) {
      return empty({ method: "DELETE", path: repositoryPath(slug, owner, name), auth: "required" });
    },

    /** `POST /projects/{slug}/repositories/{owner}/{name}/sync` — queues a sync (one at a time per repository). */
    syncRepository(slug: string, owner: string, name: string) {
      return json<SyncQueued>({
        method: "POST",
        path: `${repositoryPath(slug, owner, name)}/sync`,
        auth: "required",
      });
    },

    // ---- recognition: contributors, activity, recorded work ----

    /** `GET /projects/{slug}/contributors` — public; most contributions first; cursor pages. */
    listContributors(
      slug: string,
      q: { cursor?: string | null; limit?: number } = {},
      opts: RequestOptions = {},
    ): Promise<CursorPage<ContributorEntry>> {
      return getJson<ContributorPage>(
        `/api/v1/projects/${encodeURIComponent(slug)}/contributors${query(q)}`,
        opts,
      );
    },

    /** `GET /projects/{slug}/activity` — public; newest first; `kind` filters. */
    listActivity(
      slug: string,
      q: { kind?: ContributionKind | null; cursor?: string | null; limit?: number } = {},
      opts: RequestOptions = {},
    ): Promise<CursorPage<ActivityItem>> {
      return getJson<ActivityPage>(
        `/api/v1/projects/${encodeURIComponent(slug)}/activity${query(q)}`,
        opts,
      );
    },

    /** `POST /projects/{slug}/contributions` — maintainers record work GitHub does not see. */
    recordContribution(slug: string, body: RecordContribution, idempotencyKey?: string) {
      return json<ActivityItem>({
        method: "POST",
        path: `/api/v1/projects/${encodeURIComponent(slug)}/contributions`,
        body,
        auth: "required",
        headers: idempotencyKey ? { "Idempotency-Key": idempotencyKey } : undefined,
      });
    },

    /** `DELETE /projects/{slug}/contributions/{id}` — recorded work only (409 `not_recorded` for GitHub's). */
    deleteContribution(slug: string, id: number) {
      return empty({
        method: "DELETE",
        path: `/api/v1/projects/${encodeURIComponent(slug)}/contributions/${encodeURIComponent(String(id))}`,
        auth: "required",
      });
    },

    /** `POST /projects/{slug}/identities/merge` — `from`'s contributions are credited to `into`. */
    mergeIdentities(slug: string, from: number, into: number) {
      const body: MergeIdentitiesRequest = { from, into };
      return json<IdentityMerge>({
        method: "POST",
        path: `/api/v1/projects/${encodeURIComponent(slug)}/identities/merge`,
        body,
        auth: "required",
      });
    },

    /** `GET /projects/{slug}/identities/merges` — maintainers: the active merges, newest first. */
    listIdentityMerges(slug: string, opts: RequestOptions = {}) {
      return json<IdentityMergeList>({
        method: "GET",
        path: `/api/v1/projects/${encodeURIComponent(slug)}/identities/merges`,
        auth: "required",
        signal: opts.signal,
      });
    },

    /** `POST /projects/{slug}/identities/merges/{id}/undo` — 409 `merge_undone` when undone already. */
    undoIdentityMerge(slug: string, id: number) {
      return json<IdentityMerge>({
        method: "POST",
        path: `/api/v1/projects/${encodeURIComponent(slug)}/identities/merges/${encodeURIComponent(String(id))}/undo`,
        auth: "required",
      });
    },

    // ---- site admins ----

    /** `GET /admin/jobs` — newest first; 400 `invalid_cursor` for a stale cursor. */
    listJobs(
      q: Omit<ListJobsQuery, "cursor"> & { cursor?: string | null } = {},
      opts: RequestOptions = {},
    ): Promise<CursorPage<Job>> {
      return json<JobPage>({
        method: "GET",
        path: `/api/v1/admin/jobs${query({ state: q.state, kind: q.kind, limit: q.limit, cursor: q.cursor })}`,
        auth: "required",
        signal: opts.signal,
      });
    },

    /** `POST /admin/jobs/{id}/retry` — back in the queue with fresh attempts; 404 if not failed. */
    retryJob(id: number) {
      return empty({
        method: "POST",
        path: `/api/v1/admin/jobs/${encodeURIComponent(String(id))}/retry`,
        auth: "required",
      });
    },

    /** `POST /admin/jobs/retry` — every failed job of one kind back in the queue. */
    retryJobs(kind: string) {
      const body: RetryJobsRequest = { kind };
      return json<RetriedJobs>({ method: "POST", path: "/api/v1/admin/jobs/retry", body, auth: "required" });
    },

    /** `GET /admin/outbox` — unsent mail, or all of it with `all`; newest first. */
    listOutbox(
      q: Omit<ListOutboxQuery, "cursor"> & { cursor?: string | null } = {},
      opts: RequestOptions = {},
    ): Promise<CursorPage<OutboxMessage>> {
      return json<OutboxPage>({
        method: "GET",
        path: `/api/v1/admin/outbox${query({ all: q.all ? true : undefined, limit: q.limit, cursor: q.cursor })}`,
        auth: "required",
        signal: opts.signal,
      });
    },

    // ---- the maintainer console: goals, deliveries, Slurm, values, sponsors ----

    /** `GET /projects/{slug}/goals` — public, newest first; `status` filters. */
    listGoals(
      slug: string,
      q: { status?: GoalStatus; cursor?: string | null; limit?: number } = {},
      opts: RequestOptions = {},
    ): Promise<CursorPage<Goal>> {
      return json<GoalPage>({
        method: "GET",
        path: `/api/v1/projects/${encodeURIComponent(slug)}/goals${query(q)}`,
        auth: "optional",
        signal: opts.signal,
      });
    },

    /** `POST /projects/{slug}/goals` — maintainers; 422 `validation_failed`, `currency_mismatch`. */
    createGoal(slug: string, body: CreateGoal) {
      return json<Goal>({
        method: "POST",
        path: `/api/v1/projects/${encodeURIComponent(slug)}/goals`,
        body,
        auth: "required",
      });
    },

    /** `PATCH /goals/{id}` — members left out stay; 409 `goal_not_open` for new targets of a goal not open. */
    updateGoal(id: number, body: UpdateGoal) {
      return json<Goal>({
        method: "PATCH",
        path: `/api/v1/goals/${encodeURIComponent(String(id))}`,
        body,
        auth: "required",
      });
    },

    /** `POST /goals/{id}/close` — 409 `goal_not_open` when met, closed or expired already. */
    closeGoal(id: number) {
      return json<Goal>({
        method: "POST",
        path: `/api/v1/goals/${encodeURIComponent(String(id))}/close`,
        auth: "required",
      });
    },

    /** `GET /projects/{slug}/deliveries` — maintainers; `state: "reported"` for those to confirm. */
    listProjectDeliveries(
      slug: string,
      q: { state?: DeliveryState; cursor?: string | null; limit?: number } = {},
      opts: RequestOptions = {},
    ): Promise<CursorPage<Delivery>> {
      return json<DeliveryPage>({
        method: "GET",
        path: `/api/v1/projects/${encodeURIComponent(slug)}/deliveries${query(q)}`,
        auth: "required",
        signal: opts.signal,
      });
    },

    /** `POST /deliveries/{id}/confirm` — ledger entries written; 422 `exceeds_pledge`, 409 `invalid_state`. */
    confirmDelivery(id: number) {
      return json<ConfirmedDelivery>({
        method: "POST",
        path: `/api/v1/deliveries/${encodeURIComponent(String(id))}/confirm`,
        auth: "required",
      });
    },

    /** `POST /deliveries/{id}/reject` — 409 `invalid_state` when decided already. */
    rejectDelivery(id: number) {
      return json<Delivery>({
        method: "POST",
        path: `/api/v1/deliveries/${encodeURIComponent(String(id))}/reject`,
        auth: "required",
      });
    },

    /** `POST /projects/{slug}/deliveries/slurm` — adds up sacct output; stores nothing; 422 `invalid_sacct`. */
    previewSlurm(slug: string, body: SlurmUpload) {
      return json<SlurmPreview>({
        method: "POST",
        path: `/api/v1/projects/${encodeURIComponent(slug)}/deliveries/slurm`,
        body,
        auth: "required",
      });
    },

    /** `POST /projects/{slug}/deliveries/slurm/confirm` — records what the preview (its `digest`) showed. */
    confirmSlurm(slug: string, body: SlurmUpload) {
      return json<SlurmRecorded>({
        method: "POST",
        path: `/api/v1/projects/${encodeURIComponent(slug)}/deliveries/slurm/confirm`,
        body,
        auth: "required",
      });
    },

    /** `GET /projects/{slug}/slurm-gpu-types` — the project's Slurm GPU type → class map. */
    listSlurmGpuTypes(slug: string, opts: RequestOptions = {}) {
      return json<SlurmGpuType[]>({
        method: "GET",
        path: `/api/v1/projects/${encodeURIComponent(slug)}/slurm-gpu-types`,
        auth: "required",
        signal: opts.signal,
      });
    },

    /** `PUT /projects/{slug}/slurm-gpu-types/{slurm_type}` — 422 for a bad name or an unknown class. */
    putSlurmGpuType(slug: string, slurmType: string, accelerator: string) {
      return json<SlurmGpuType>({
        method: "PUT",
        path: `/api/v1/projects/${encodeURIComponent(slug)}/slurm-gpu-types/${encodeURIComponent(slurmType)}`,
        body: { accelerator },
        auth: "required",
      });
    },

    /** `DELETE /projects/{slug}/slurm-gpu-types/{slurm_type}` */
    deleteSlurmGpuType(slug: string, slurmType: string) {
      return empty({
        method: "DELETE",
        path: `/api/v1/projects/${encodeURIComponent(slug)}/slurm-gpu-types/${encodeURIComponent(slurmType)}`,
        auth: "required",
      });
    },

    /** `GET /projects/{slug}/accelerator-values` — public: each class's value per GPU-hour. */
    listAcceleratorValues(slug: string, opts: RequestOptions = {}) {
      return getJson<AcceleratorValues>(
        `/api/v1/projects/${encodeURIComponent(slug)}/accelerator-values`,
        opts,
      );
    },

    /** `PUT /projects/{slug}/accelerator-values/{code}` — in the project's currency. */
    setAcceleratorValue(slug: string, code: string, valuePerGpuHour: { currency: string; amount_minor: number }) {
      return json<AcceleratorValue>({
        method: "PUT",
        path: `/api/v1/projects/${encodeURIComponent(slug)}/accelerator-values/${encodeURIComponent(code)}`,
        body: { value_per_gpu_hour: valuePerGpuHour },
        auth: "required",
      });
    },

    /** `DELETE /projects/{slug}/accelerator-values/{code}` */
    deleteAcceleratorValue(slug: string, code: string) {
      return empty({
        method: "DELETE",
        path: `/api/v1/projects/${encodeURIComponent(slug)}/accelerator-values/${encodeURIComponent(code)}`,
        auth: "required",
      });
    },

    /** `GET /projects/{slug}/sponsors/pending` — maintainers: sponsors waiting for a decision. */
    listPendingSponsors(slug: string, opts: RequestOptions = {}) {
      return json<PendingSponsors>({
        method: "GET",
        path: `/api/v1/projects/${encodeURIComponent(slug)}/sponsors/pending`,
        auth: "required",
        signal: opts.signal,
      });
    },

    /** `POST /projects/{slug}/sponsors/{user_id}/approve` or `/reject`. */
    decideSponsor(slug: string, userId: number, decision: "approve" | "reject") {
      return json<ProjectSponsor>({
        method: "POST",
        path: `/api/v1/projects/${encodeURIComponent(slug)}/sponsors/${encodeURIComponent(String(userId))}/${decision}`,
        auth: "required",
      });
    },
  };
}

function repositoryPath(slug: string, owner: string, name: string): string {
  return `/api/v1/projects/${encodeURIComponent(slug)}/repositories/${encodeURIComponent(owner)}/${encodeURIComponent(name)}`;
}

function query(params: Record<string, string | number | boolean | null | undefined>): string {
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v !== undefined && v !== null && v !== "") qs.set(k, String(v));
  }
  const s = qs.toString();
  return s ? `?${s}` : "";
}

export type ApiClient = ReturnType<typeof createApiClient>;

/** The client the app uses: same origin as the page, session in memory, sign-ins and sign-outs shared with the other tabs. */
export const api: ApiClient = createApiClient({
  session: sessionStore,
  channel: broadcastSessionChannel(),
});
