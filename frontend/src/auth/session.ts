/**
 * The signed-in session, kept in memory only.
 *
 * The access token (a short-lived JWT) lives in this module's closure and
 * nowhere else: never in localStorage, sessionStorage or a readable cookie.
 * The long-lived refresh token is an HttpOnly cookie that JavaScript never
 * sees; after a reload the app asks `POST /api/v1/auth/refresh` for a new
 * access token (see `startSession` in ./useSession).
 */
import type { Me, Session } from "../api/client";

export type SessionState =
  /** The start-up refresh has not answered yet. */
  | { status: "loading" }
  | { status: "signed_out" }
  | { status: "signed_in"; accessToken: string; expiresAt: number; me: Me };

export interface SessionStore {
  get(): SessionState;
  subscribe(listener: () => void): () => void;
  /** Stores a fresh session from login or refresh. */
  setSession(session: Session, now?: number): void;
  /** Replaces the account after PATCH /me and the like. */
  setMe(me: Me): void;
  /** Forgets the access token: signed out. */
  clear(): void;
  /** Back to "loading" (tests, and a page that starts a new refresh). */
  reset(): void;
  accessToken(): string | null;
}

export function createSessionStore(): SessionStore {
  let state: SessionState = { status: "loading" };
  const listeners = new Set<() => void>();

  function set(next: SessionState) {
    state = next;
    for (const l of [...listeners]) l();
  }

  return {
    get: () => state,
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    setSession(session, now = Date.now()) {
      set({
        status: "signed_in",
        accessToken: session.access_token,
        expiresAt: now + session.expires_in * 1000,
        me: session.account,
      });
    },
    setMe(me) {
      if (state.status === "signed_in") set({ ...state, me });
    },
    clear() {
      if (state.status !== "signed_out") set({ status: "signed_out" });
    },
    reset() {
      set({ status: "loading" });
    },
    accessToken: () => (state.status === "signed_in" ? state.accessToken : null),
  };
}

/** The store the app uses. */
export const sessionStore: SessionStore = createSessionStore();
