import { useEffect, useSyncExternalStore } from "react";
import { api } from "../api/client";
import { sessionStore, type SessionState } from "./session";

/** The current session; re-renders on sign-in, sign-out and profile changes. */
export function useSession(): SessionState {
  return useSyncExternalStore(sessionStore.subscribe, sessionStore.get, sessionStore.get);
}

/**
 * On app start, trade the HttpOnly refresh cookie for an access token.
 * 200 → signed in; 401 → signed out, silently. Concurrent calls share one
 * request (the client deduplicates refreshes).
 */
export function useSessionStart() {
  useEffect(() => {
    if (sessionStore.get().status === "loading") {
      api.refresh().catch(() => {
        /* signed out; nothing to show */
      });
    }
  }, []);
}
