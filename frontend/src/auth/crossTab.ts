/**
 * Refreshing the session when several tabs are open.
 *
 * The server rotates the refresh cookie on every `POST /api/v1/auth/refresh`
 * and revokes the whole session when an already-spent refresh token comes
 * back (theft detection). Tabs share the cookie jar, so two tabs refreshing at
 * the same moment would both present the same cookie and sign the user out.
 *
 * - **Lock.** The client runs each refresh inside the Web Lock
 *   `openfund-refresh` (`navigator.locks`), so one tab at a time talks to the
 *   refresh endpoint; the next one sends the cookie the previous answer set.
 *   Without Web Locks (old browsers, jsdom) only the in-tab single-flight is left.
 * - **Channel.** After a refresh (or a login) a tab announces the new session
 *   on the BroadcastChannel `openfund-session`; a logout or a refused refresh
 *   announces `signed_out`. A tab that then needs a refresh within a few seconds
 *   adopts the announced access token instead of calling the server. Only the
 *   access token and the account travel (same origin, in memory); the refresh
 *   token stays in its HttpOnly cookie and nothing goes to web storage.
 */
import type { Session } from "../api/client";

export const REFRESH_LOCK_NAME = "openfund-refresh";
export const SESSION_CHANNEL_NAME = "openfund-session";
/** How recent another tab's refresh must be for this tab to reuse its token. */
export const PEER_SESSION_MAX_AGE_MS = 5_000;

/** The part of the Web Locks API the client uses (`navigator.locks`). */
export type RefreshLocks = Pick<LockManager, "request">;

export type SessionMessage =
  /** A tab has a new session (refresh or login); `at` is when it got it (ms since epoch). */
  | { type: "session"; at: number; session: Session }
  /** A tab logged out or its refresh was refused: earlier announcements are stale. */
  | { type: "signed_out"; at: number };

/** A same-origin message bus between tabs (a BroadcastChannel in the app). */
export interface SessionChannel {
  post(message: SessionMessage): void;
  listen(listener: (data: unknown) => void): void;
}

/** `navigator.locks` if this browser has Web Locks, else null. Looked up on each call. */
export function browserLocks(): RefreshLocks | null {
  const nav = (globalThis as { navigator?: { locks?: RefreshLocks } }).navigator;
  return nav?.locks && typeof nav.locks.request === "function" ? nav.locks : null;
}

/**
 * Runs `task` while holding the exclusive Web Lock `openfund-refresh`, or
 * directly when there are no Web Locks. If the lock cannot be requested at
 * all (e.g. `SecurityError` in an opaque origin), `task` runs unlocked.
 */
export async function withRefreshLock<T>(
  locks: RefreshLocks | null,
  task: () => Promise<T>,
): Promise<T> {
  if (!locks) return task();
  let started = false;
  try {
    return await locks.request(REFRESH_LOCK_NAME, () => {
      started = true;
      return task();
    });
  } catch (err) {
    if (started) throw err;
    return task();
  }
}

/** The message, if `data` is a well-formed one from another tab. */
export function parseSessionMessage(data: unknown): SessionMessage | null {
  if (typeof data !== "object" || data === null) return null;
  const m = data as Record<string, unknown>;
  if (typeof m.at !== "number" || !Number.isFinite(m.at)) return null;
  if (m.type === "signed_out") return { type: "signed_out", at: m.at };
  if (m.type !== "session" || typeof m.session !== "object" || m.session === null) return null;
  const s = m.session as Record<string, unknown>;
  if (
    typeof s.access_token !== "string" ||
    !s.access_token ||
    typeof s.expires_in !== "number" ||
    !Number.isFinite(s.expires_in) ||
    typeof s.account !== "object" ||
    s.account === null
  ) {
    return null;
  }
  return { type: "session", at: m.at, session: m.session as Session };
}

/**
 * The BroadcastChannel `openfund-session`, opened on first use; null where
 * BroadcastChannel does not exist.
 */
export function broadcastSessionChannel(name = SESSION_CHANNEL_NAME): SessionChannel | null {
  if (typeof BroadcastChannel !== "function") return null;
  let channel: BroadcastChannel | null = null;
  function open(): BroadcastChannel {
    if (!channel) {
      channel = new BroadcastChannel(name);
      // Node's BroadcastChannel (unit tests) would otherwise keep the process alive.
      (channel as unknown as { unref?: () => void }).unref?.();
    }
    return channel;
  }
  return {
    post(message) {
      try {
        open().postMessage(message);
      } catch {
        /* a closed or unavailable channel only costs the optimisation */
      }
    },
    listen(listener) {
      open().addEventListener("message", (e) => listener((e as MessageEvent).data));
    },
  };
}
