import { useCallback, useEffect, useRef, useState } from "react";
import { api, ApiError } from "./http";

export interface ApiState<T> {
  data: T | null;
  error: ApiError | null;
  loading: boolean;
  /** Fetches again (after an action, or when an actor's event says the data changed). */
  reload: () => void;
}

/** GETs `path` (null: nothing yet) and keeps the answer; a newer path or reload replaces it. */
export function useApi<T>(path: string | null): ApiState<T> {
  const [state, setState] = useState<{ data: T | null; error: ApiError | null; loading: boolean }>({ data: null, error: null, loading: path !== null });
  const [version, setVersion] = useState(0);
  const current = useRef(path);
  current.current = path;

  useEffect(() => {
    if (path === null) return;
    const controller = new AbortController();
    setState((s) => ({ ...s, loading: true }));
    api.get<T>(path, controller.signal).then(
      (data) => { if (current.current === path) setState({ data, error: null, loading: false }); },
      (error: unknown) => {
        if (controller.signal.aborted) return;
        const e = error instanceof ApiError ? error : new ApiError(0, "client_error", "the answer could not be read");
        setState((s) => ({ data: s.data, error: e, loading: false }));
      },
    );
    return () => controller.abort();
  }, [path, version]);

  const reload = useCallback(() => setVersion((n) => n + 1), []);
  return { ...state, reload };
}

/** Re-renders every `ms` (relative times, countdowns). */
export function useNow(ms = 1000): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(timer);
  }, [ms]);
  return now;
}
