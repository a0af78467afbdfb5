import type { StepProgress } from "../contract";

/** A worker's progress reaches its PipelineActor at most this often (each report is an event in its bounded log). */
export const PROGRESS_INTERVAL_MS = 1_000;
/** The step's answer waits at most this long for progress reports still in flight. */
export const PROGRESS_SETTLE_MS = 1_000;

/** What `RunContext.progress` does for one run, and how the harness waits for what it sent. */
export interface ProgressReporter {
  report(done: number, total: number, message?: string): void;
  /** Waits for reports still in flight (they never fail the run). */
  settle(): Promise<void>;
  /** How many reports went out. */
  readonly sent: number;
}

/**
 * Throttled progress for one run: the first report goes at once, later ones when at least
 * PROGRESS_INTERVAL_MS passed since the last one sent (a report in between is dropped: the next
 * one, or the step's end, supersedes it). Sending is fire-and-forget; a failed send is ignored,
 * since progress is a courtesy to watchers and the step's result is what counts.
 */
export function progressReporter(send: ((p: Omit<StepProgress, "step_id" | "attempt">) => Promise<unknown>) | null, clock: () => number): ProgressReporter {
  const pending = new Set<Promise<unknown>>();
  let last = -Infinity;
  let sent = 0;
  return {
    report(done, total, message) {
      if (!send || !Number.isFinite(done) || !Number.isFinite(total) || total <= 0) return;
      const now = clock();
      if (now - last < PROGRESS_INTERVAL_MS) return;
      last = now;
      sent++;
      const p = send({ done: Math.max(0, Math.min(done, total)), total, ...(message ? { message: message.slice(0, 200) } : {}) }).catch(() => undefined);
      pending.add(p);
      void p.finally(() => pending.delete(p));
    },
    async settle() {
      if (pending.size === 0) return;
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([Promise.allSettled([...pending]), new Promise((resolve) => { timer = setTimeout(resolve, PROGRESS_SETTLE_MS); })]);
      if (timer !== undefined) clearTimeout(timer);
    },
    get sent() {
      return sent;
    },
  };
}
