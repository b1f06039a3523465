import { useCallback, useEffect, useRef, useState } from "react";
import { isApiError, type CursorPage } from "../api/client";

export type CursorListState<T> =
  | { status: "loading" }
  | { status: "error"; error: unknown }
  | {
      status: "ready";
      items: T[];
      /** The cursor of the next page; null when everything is shown. */
      next: string | null;
      loadingMore: boolean;
      moreError: unknown;
    };

/**
 * A list read page by page with keyset cursors: the first page on mount (and
 * whenever `deps` change, or on `reload`), further pages appended by `loadMore`.
 * A cursor the server no longer accepts (`invalid_cursor`) restarts the list.
 */
export function useCursorList<T>(
  load: (cursor: string | null, signal: AbortSignal) => Promise<CursorPage<T>>,
  deps: readonly unknown[],
) {
  const [state, setState] = useState<CursorListState<T>>({ status: "loading" });
  const [generation, setGeneration] = useState(0);
  const loadRef = useRef(load);
  loadRef.current = load;
  const moreController = useRef<AbortController | null>(null);

  useEffect(() => {
    const controller = new AbortController();
    moreController.current?.abort();
    setState({ status: "loading" });
    loadRef.current(null, controller.signal).then(
      (page) => {
        if (!controller.signal.aborted) {
          setState({
            status: "ready",
            items: page.items,
            next: page.next_cursor,
            loadingMore: false,
            moreError: null,
          });
        }
      },
      (error: unknown) => {
        if (!controller.signal.aborted) setState({ status: "error", error });
      },
    );
    return () => controller.abort();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [...deps, generation]);

  const reload = useCallback(() => setGeneration((n) => n + 1), []);

  // The latest state, for loadMore to read outside a state updater (which must
  // stay free of side effects).
  const current = useRef(state);
  current.current = state;

  const loadMore = useCallback(() => {
    const s = current.current;
    if (s.status !== "ready" || !s.next || s.loadingMore) return;
    const cursor = s.next;
    const controller = new AbortController();
    moreController.current = controller;
    setState({ ...s, loadingMore: true, moreError: null });
    loadRef.current(cursor, controller.signal).then(
      (page) => {
        if (controller.signal.aborted) return;
        setState((cur) =>
          cur.status === "ready"
            ? {
                status: "ready",
                items: [...cur.items, ...page.items],
                next: page.next_cursor,
                loadingMore: false,
                moreError: null,
              }
            : cur,
        );
      },
      (error: unknown) => {
        if (controller.signal.aborted) return;
        // The list changed under the cursor: show it again from the start.
        if (isApiError(error) && error.code === "invalid_cursor") {
          setGeneration((n) => n + 1);
          return;
        }
        setState((cur) => (cur.status === "ready" ? { ...cur, loadingMore: false, moreError: error } : cur));
      },
    );
  }, []);

  /** Drops items from what is shown (e.g. a job that was retried). */
  const remove = useCallback((gone: (item: T) => boolean) => {
    setState((s) => (s.status === "ready" ? { ...s, items: s.items.filter((i) => !gone(i)) } : s));
  }, []);

  return { state, reload, loadMore, remove };
}
