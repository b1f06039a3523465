/**
 * Public facts about this OpenFund instance (`GET /api/v1/instance`): its
 * name and whether "Sign in with GitHub" is configured.
 *
 * Fetched once at start-up (`useInstanceStart` in `App`) and kept in memory.
 * Until it answers, and if it fails, the defaults apply: the name "OpenFund"
 * and GitHub sign-in offered. While loading, `githubSignIn` is still unknown,
 * so the GitHub buttons wait for the answer instead of flashing in and out.
 */
import { useEffect, useSyncExternalStore } from "react";
import { api, type Instance } from "../api/client";

export const DEFAULT_INSTANCE: Instance = {
  name: "OpenFund",
  github_sign_in: true,
  mail_delivery: true,
};

export type InstanceState =
  | { status: "loading"; instance: Instance }
  /** The server answered; fields it got wrong keep their defaults. */
  | { status: "loaded"; instance: Instance }
  /** The call failed: defaults. */
  | { status: "failed"; instance: Instance };

/** `data` as an Instance, every missing or malformed field replaced by its default. */
export function toInstance(data: unknown): Instance {
  const d = typeof data === "object" && data !== null ? (data as Record<string, unknown>) : {};
  const name = typeof d.name === "string" ? d.name.trim() : "";
  return {
    name: name || DEFAULT_INSTANCE.name,
    github_sign_in:
      typeof d.github_sign_in === "boolean" ? d.github_sign_in : DEFAULT_INSTANCE.github_sign_in,
    mail_delivery:
      typeof d.mail_delivery === "boolean" ? d.mail_delivery : DEFAULT_INSTANCE.mail_delivery,
  };
}

export interface InstanceStore {
  get(): InstanceState;
  subscribe(listener: () => void): () => void;
  /** Calls `fetchInstance` the first time only; later calls share that result. */
  load(fetchInstance: () => Promise<unknown>): Promise<InstanceState>;
  /** Sets the state directly (tests). */
  set(state: InstanceState): void;
  /** Back to "loading", not fetched yet (tests). */
  reset(): void;
}

export function createInstanceStore(): InstanceStore {
  let state: InstanceState = { status: "loading", instance: DEFAULT_INSTANCE };
  let loading: Promise<InstanceState> | null = null;
  // Bumped by reset(), so an answer to an earlier load() is dropped.
  let generation = 0;
  const listeners = new Set<() => void>();

  function set(next: InstanceState) {
    state = next;
    for (const l of [...listeners]) l();
  }

  return {
    get: () => state,
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    load(fetchInstance) {
      if (loading) return loading;
      const mine = generation;
      loading = Promise.resolve()
        .then(fetchInstance)
        .then(
          (data): InstanceState => ({ status: "loaded", instance: toInstance(data) }),
          (): InstanceState => ({ status: "failed", instance: DEFAULT_INSTANCE }),
        )
        .then((next) => {
          if (generation === mine) set(next);
          return next;
        });
      return loading;
    },
    set,
    reset() {
      generation += 1;
      loading = null;
      set({ status: "loading", instance: DEFAULT_INSTANCE });
    },
  };
}

/** The store the app uses. */
export const instanceStore: InstanceStore = createInstanceStore();

/** The instance as known so far (defaults while loading or after a failure). */
export function useInstanceState(): InstanceState {
  return useSyncExternalStore(instanceStore.subscribe, instanceStore.get, instanceStore.get);
}

/** The instance (defaults while loading or after a failure). */
export function useInstance(): Instance {
  return useInstanceState().instance;
}

/**
 * Whether to offer "Sign in with GitHub": not yet while loading, then as the
 * server says, and yes if the server could not be asked.
 */
export function useGithubSignIn(): boolean {
  const state = useInstanceState();
  return state.status !== "loading" && state.instance.github_sign_in;
}

/** On app start, fetch `GET /api/v1/instance` once. Never throws. */
export function useInstanceStart() {
  useEffect(() => {
    void instanceStore.load(() => api.getInstance());
  }, []);
}
