import * as v from "valibot";
import { isJsonObject, type JsonObject, type JsonValue } from "../lib/json";

/**
 * The wire contract between a PipelineActor (or an HTTP caller) and a worker: the handshake it
 * sends and the result it gets back. Each shape is a valibot schema and its type is inferred from
 * it; the field names are the seed's (documents 000 and 003) and must not change.
 */

/** A JSON object as it crosses RPC (structured clone keeps it a plain object): any object that is not an array. */
const JsonObjectSchema = v.custom<JsonObject>((value) => isJsonObject(value as JsonValue), "must be a JSON object");

/**
 * What the PipelineActor sends a worker: identity of the attempt (its idempotency key is the key
 * of every effect the worker makes), the mapped input, and the time by which to answer.
 * `base_cost_micros` is the worker's base cost per execution from the registry (D1), so an
 * admin's edit applies to the next run; without it the built-in default applies.
 */
export const HandshakeSchema = v.object({
  pipeline_id: v.pipe(v.string(), v.minLength(1), v.maxLength(200)),
  step_id: v.pipe(v.string(), v.minLength(1), v.maxLength(100)),
  attempt: v.pipe(v.number(), v.integer(), v.minValue(1)),
  idempotency_key: v.pipe(v.string(), v.minLength(1), v.maxLength(400)),
  worker: v.string(),
  client_id: v.pipe(v.string(), v.minLength(1), v.maxLength(200)),
  input: JsonObjectSchema,
  deadline_at: v.pipe(v.number(), v.integer()),
  base_cost_micros: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0))),
});
/** A handshake (see HandshakeSchema). */
export type Handshake = v.InferOutput<typeof HandshakeSchema>;

/** How a failure should be treated: retry with backoff, retry after a given time, or never. */
export const FailureKindSchema = v.picklist(["transient", "retry_after", "fatal"]);
/** How a failure should be treated (see FailureKindSchema). */
export type FailureKind = v.InferOutput<typeof FailureKindSchema>;

/** A worker's failure: what it means (kind), a stable code, a message saying what to do, and for `retry_after` when to retry. */
export const WorkerErrorSchema = v.object({
  kind: FailureKindSchema, code: v.string(), message: v.string(), retry_after_ms: v.optional(v.number()),
});

/** What a run cost, in whole micro-USD (never negative: a worker that says otherwise broke the contract). */
const CostMicros = v.pipe(v.number(), v.safeInteger(), v.minValue(0));

/**
 * `metadata` (from the shared harness) names the worker chain (current and next workers), the AI
 * engines and calls behind the answer, and whether it was replayed for a duplicate delivery; the
 * actor keeps it with the step's result.
 */
const ResultMetadata = v.optional(JsonObjectSchema);

/** A worker's successful answer: its output, cost, duration and AI token usage. */
const WorkerSuccessSchema = v.object({
  ok: v.literal(true),
  output: JsonObjectSchema,
  cost_micros: CostMicros,
  duration_ms: v.number(),
  usage: v.object({ input_tokens: v.number(), output_tokens: v.number() }),
  metadata: ResultMetadata,
});
/** A worker's failed answer: the failure, and what the attempt cost and took (AI tokens spent before a failure are owed). */
export const WorkerFailureSchema = v.object({
  ok: v.literal(false),
  error: WorkerErrorSchema,
  cost_micros: CostMicros,
  duration_ms: v.number(),
  metadata: ResultMetadata,
});
/** A worker's failed answer (see WorkerFailureSchema). */
export type WorkerFailure = v.InferOutput<typeof WorkerFailureSchema>;

/** A worker's answer, success or failure, told apart by `ok`. */
export const WorkerResultSchema = v.variant("ok", [WorkerSuccessSchema, WorkerFailureSchema]);
/** A worker's answer (see WorkerResultSchema). */
export type WorkerResult = v.InferOutput<typeof WorkerResultSchema>;

/** The narrow interface the PipelineActor calls workers through. */
export interface StepWorker {
  execute(handshake: Handshake): Promise<WorkerResult>;
}

/** A running step's progress, sent by the harness to the step's PipelineActor and streamed as `step_progress`. */
export interface StepProgress { step_id: string; attempt: number; done: number; total: number; message?: string }

/** What a failed answer carries besides its kind, code and message; everything defaults to nothing (0 cost, 0 ms, no retry time, no metadata). */
export interface FailureExtras {
  /** What the attempt cost before it failed (AI tokens spent are owed), whole micro-USD. */
  costMicros?: number;
  durationMs?: number;
  /** For `retry_after`: when to retry (null or undefined: not said). */
  retryAfterMs?: number | null;
  metadata?: JsonObject;
}

/**
 * A worker's failed answer, the one way to build one: `workerFailure("fatal", "invalid_input",
 * "input.topic: is required")`, `workerFailure("retry_after", "busy", "…", { retryAfterMs: 2_000 })`.
 */
export function workerFailure(kind: FailureKind, code: string, message: string, extras: FailureExtras = {}): WorkerFailure {
  const { costMicros = 0, durationMs = 0, retryAfterMs, metadata } = extras;
  return {
    ok: false,
    error: { kind, code, message, ...(retryAfterMs !== undefined && retryAfterMs !== null ? { retry_after_ms: retryAfterMs } : {}) },
    cost_micros: costMicros,
    duration_ms: durationMs,
    ...(metadata !== undefined ? { metadata } : {}),
  };
}
