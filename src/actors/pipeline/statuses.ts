/** The pipeline state machine's status names (no behaviour: the dashboard and the CLI import them). */

/** A pipeline's statuses. */
export const PipelineStatuses = ["pending", "queued", "running", "paused", "completed", "partial", "failed", "cancelled"] as const;
/** A pipeline's status. */
export type PipelineStatus = (typeof PipelineStatuses)[number];
/** The statuses a pipeline ends in: nothing runs after them unless it is retried from a step. */
export const EndedStatuses: readonly PipelineStatus[] = ["completed", "partial", "failed", "cancelled"];
/** True when a pipeline in this status has ended. */
export function isEnded(status: string): boolean {
  return (EndedStatuses as readonly string[]).includes(status);
}
/** The statuses a pipeline may be retried from a step in (a completed run is not run again). */
export const RetryableStatuses: readonly PipelineStatus[] = ["paused", "failed", "partial", "cancelled"];
/** A step's statuses. */
export const StepStatuses = ["pending", "waiting_budget", "waiting_capacity", "running", "retry_wait", "succeeded", "failed", "skipped"] as const;
/** A step's status. */
export type StepStatus = (typeof StepStatuses)[number];

/**
 * Where the run's admission hold stands: none asked for, asked and not answered yet (the run has
 * not started), held (the steps are charged from it), or given back at the end.
 */
export const AdmissionStatuses = ["none", "pending", "held", "released"] as const;
/** An admission's status. */
export type AdmissionStatus = (typeof AdmissionStatuses)[number];
