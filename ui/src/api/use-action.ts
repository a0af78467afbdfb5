import { useCallback, useRef, useState, type FormEvent } from "react";
import { ApiError } from "./http";

/** An action a person starts (a form's submit, a button): whether it runs, and how it failed. */
export interface Action<A extends unknown[]> {
  run: (...args: A) => Promise<void>;
  busy: boolean;
  /** The last run's failure (an ApiError carries the API's message and field issues). */
  error: unknown;
  setError: (error: unknown) => void;
  /** The API's 422 issues by the field they name (`body.reason`), from the last failure. */
  fields: Record<string, string>;
  /** A form's onSubmit: no page load, then `run()`. */
  submit: (event: FormEvent) => void;
}

/** Wraps `fn` with busy and error state: one run at a time, its error kept for the view to show. */
export function useAction<A extends unknown[]>(fn: (...args: A) => Promise<unknown>): Action<A> {
  const latest = useRef(fn);
  latest.current = fn;
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const run = useCallback(async (...args: A) => {
    setBusy(true);
    setError(null);
    try {
      await latest.current(...args);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  }, []);
  const submit = useCallback((event: FormEvent) => {
    event.preventDefault();
    void (run as () => Promise<void>)();
  }, [run]);
  const fields = error instanceof ApiError ? error.fieldErrors() : {};
  return { run, busy, error, setError, fields, submit };
}
