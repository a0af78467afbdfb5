import { useCallback, useEffect, useRef } from "react";

/**
 * `fn` called once per burst of calls, `ms` after the burst ends, and at least every `maxWaitMs`
 * while a burst goes on (a steady stream of events still refreshes the view).
 */
export function useDebounced(fn: () => void, ms: number, maxWaitMs = ms * 5): () => void {
  const latest = useRef(fn);
  latest.current = fn;
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const firstCall = useRef<number | null>(null);
  useEffect(() => () => { if (timer.current) clearTimeout(timer.current); }, []);
  return useCallback(() => {
    const now = Date.now();
    firstCall.current ??= now;
    if (timer.current) clearTimeout(timer.current);
    const wait = Math.max(0, Math.min(ms, firstCall.current + maxWaitMs - now));
    timer.current = setTimeout(() => {
      timer.current = null;
      firstCall.current = null;
      latest.current();
    }, wait);
  }, [ms, maxWaitMs]);
}
