import type { ApiToken, CreatedApiToken, Me, Session } from "../api/client";

export function me(overrides: Partial<Me> = {}): Me {
  return {
    id: 7,
    email: "ada@example.org",
    display_name: "Ada Lovelace",
    email_verified: true,
    is_admin: false,
    github_login: null,
    has_password: true,
    created_at: "2025-11-20T10:00:00Z",
    ...overrides,
  };
}

export function sessionBody(overrides: Partial<Session> = {}): Session {
  return {
    access_token: "jwt-access",
    token_type: "Bearer",
    expires_in: 900,
    account: me(),
    ...overrides,
  };
}

export function apiToken(overrides: Partial<ApiToken> = {}): ApiToken {
  return {
    id: 1,
    name: "CI sync script",
    scopes: ["read"],
    prefix: "of_3kd9",
    created_at: "2025-11-21T10:00:00Z",
    last_used_at: null,
    expires_at: null,
    pledge_id: null,
    ...overrides,
  };
}

export function createdToken(overrides: Partial<CreatedApiToken> = {}): CreatedApiToken {
  return {
    token: apiToken({ id: 9, name: "Release bot", scopes: ["read", "write"], prefix: "of_77aa" }),
    secret: "of_77aa_9Jx2kQ0bZr8VtY1mN4pW6sLcE3hA5dGf",
    ...overrides,
  };
}
