import type { PipelineState } from "./machine";

/** Where a run waiting for capacity stands: its place in the pools' queues and when it should start and finish. */
export interface QueueEta {
  /** The best place among its steps waiting in a pool's queue (1 = next). */
  position: number;
  waiting_steps: string[];
  /** When the first waiting step should get its slot (ms since the epoch), as the pool estimates. */
  estimated_start_at: number;
  /** When the run should end: the rest of the DAG after that, at the estimator's step durations; null without them. */
  estimated_finish_at: number | null;
}

const DONE = new Set(["succeeded", "failed", "skipped"]);

type Queued = NonNullable<PipelineState["steps"][number]["queued"]>;

/** When a queued step should get its slot: the pool's ETA from its last answer, never before `now`. */
export function slotAt(q: Queued, now: number): number {
  return Math.max(now, (q.at ?? q.since) + q.etaMs);
}

/** The queue ETA of a run with steps waiting in a pool's queue, or null when none waits there. Pure. */
export function queueEta(s: PipelineState, now: number): QueueEta | null {
  const waiting = s.steps.filter((st) => st.status === "waiting_capacity" && st.queued !== null);
  if (waiting.length === 0) return null;
  const start = Math.min(...waiting.map((st) => slotAt(st.queued!, now)));
  const durations = s.spec.stepDurationsMs;
  let finish: number | null = null;
  if (durations) {
    // Steps in template order (dependencies come first): each ends after its dependencies, its own slot, and its duration.
    const ends = new Map<string, number>();
    for (const spec of s.spec.steps) {
      const st = s.steps.find((x) => x.id === spec.id)!;
      const d = durations[spec.id] ?? 0;
      let end: number;
      if (DONE.has(st.status)) end = now;
      else if (st.status === "running") end = now + Math.max(0, d - (now - (st.startedAt ?? now)));
      else {
        const ready = Math.max(now, ...spec.dependsOn.map((dep) => ends.get(dep) ?? now), st.queued ? slotAt(st.queued, now) : now);
        end = ready + d;
      }
      ends.set(spec.id, end);
    }
    finish = Math.round(Math.max(now, ...ends.values()));
  }
  return { position: Math.min(...waiting.map((st) => st.queued!.position)), waiting_steps: waiting.map((st) => st.id), estimated_start_at: Math.round(start), estimated_finish_at: finish };
}
