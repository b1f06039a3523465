/**
 * Keeping the open tabs of one browser in step about who is signed in.
 *
 * Tabs share the refresh cookie. Two tabs refreshing at the same moment present
 * the same refresh token; the server accepts a token presented again within a
 * short grace window of its first use (a lost answer, two tabs) and answers each
 * with a fresh one, so every tab simply refreshes on its own, with no lock.
 *
 * What is left is telling the other tabs about a sign-in or a sign-out, so that
 * no tab keeps showing an account that logged out elsewhere: a tab posts
 * `signed_in` (after logging in) or `signed_out` (after logging out or deleting
 * the account) on the BroadcastChannel `openfund-session`. On `signed_out` the
 * others forget their access token; on `signed_in` a signed-out tab refreshes
 * from the shared cookie to pick up the session. No token travels between tabs,
 * and nothing goes to web storage.
 */

export const SESSION_CHANNEL_NAME = "openfund-session";

export type SessionEvent = { type: "signed_in" } | { type: "signed_out" };

/** A same-origin message bus between tabs (a BroadcastChannel in the app). */
export interface SessionChannel {
  post(event: SessionEvent): void;
  listen(listener: (data: unknown) => void): void;
}

/** The event, if `data` is a well-formed one from another tab. */
export function parseSessionEvent(data: unknown): SessionEvent | null {
  if (typeof data !== "object" || data === null) return null;
  const type = (data as Record<string, unknown>).type;
  return type === "signed_in" || type === "signed_out" ? { type } : null;
}

/**
 * The BroadcastChannel `openfund-session`, opened on first use; null where
 * BroadcastChannel does not exist (then each tab only knows about itself).
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
    post(event) {
      try {
        open().postMessage(event);
      } catch {
        /* a closed channel only costs the other tabs a reload */
      }
    },
    listen(listener) {
      open().addEventListener("message", (e) => listener((e as MessageEvent).data));
    },
  };
}
