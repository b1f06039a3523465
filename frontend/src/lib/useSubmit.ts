import { useCallback, useEffect, useRef, useState } from "react";

export type SubmitResult<T> = { ok: true; value: T } | { ok: false; error: unknown };

/**
 * State for one form submit: `pending` while the promise runs, `error` when it
 * failed (cleared on the next run). `run` never throws.
 */
export function useSubmit<A extends unknown[], T>(fn: (...args: A) => Promise<T>) {
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const mounted = useRef(true);
  const fnRef = useRef(fn);
  fnRef.current = fn;

  useEffect(() => {
    mounted.current = true;
    return () => {
      mounted.current = false;
    };
  }, []);

  const run = useCallback(async (...args: A): Promise<SubmitResult<T>> => {
    setPending(true);
    setError(null);
    try {
      const value = await fnRef.current(...args);
      return { ok: true, value };
    } catch (err) {
      if (mounted.current) setError(err);
      return { ok: false, error: err };
    } finally {
      if (mounted.current) setPending(false);
    }
  }, []);

  const reset = useCallback(() => setError(null), []);
  return { run, pending, error, reset };
}
