import type { JsonObject } from "../lib/json";

/**
 * What the PipelineActor sends a worker: identity of the attempt (its idempotency key is the key
 * of every effect the worker makes), the mapped input, and the time by which to answer.
 */
export interface Handshake {
  pipeline_id: string;
  step_id: string;
  attempt: number;
  idempotency_key: string;
  worker: string;
  client_id: string;
  input: JsonObject;
  deadline_at: number;
  /** The worker's base cost per execution from the registry (D1), so an admin's edit applies to the next run; else the built-in default. */
  base_cost_micros?: number;
}

/** How a failure should be treated: retry with backoff, retry after a given time, or never. */
export type FailureKind = "transient" | "retry_after" | "fatal";

/**
 * A worker's answer. `metadata` (from the shared harness) names the worker chain (current and
 * next workers), the AI engines and calls behind the answer, and whether it was replayed for a
 * duplicate delivery; the actor keeps it with the step's result.
 */
export type WorkerResult =
  | { ok: true; output: JsonObject; cost_micros: number; duration_ms: number; usage: { input_tokens: number; output_tokens: number }; metadata?: JsonObject }
  | { ok: false; error: { kind: FailureKind; code: string; message: string; retry_after_ms?: number }; cost_micros: number; duration_ms: number; metadata?: JsonObject };

/** The narrow interface the PipelineActor calls workers through. */
export interface StepWorker {
  execute(handshake: Handshake): Promise<WorkerResult>;
}

/** A running step's progress, sent by the harness to the step's PipelineActor and streamed as `step_progress`. */
export interface StepProgress { step_id: string; attempt: number; done: number; total: number; message?: string }
