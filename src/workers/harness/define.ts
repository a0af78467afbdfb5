import type * as v from "valibot";
import type { AiClient } from "../../ai";
import type { JsonObject } from "../../lib/json";
import type { WorkerDef } from "../../catalog/workers";
import type { Handshake } from "../contract";

/** What a worker's `run` gets besides its validated input. */
export interface RunContext {
  env: Env;
  /** Who is asking: pipeline, step, attempt, idempotency key, client. */
  handshake: Handshake;
  /** Aborted when the step's deadline passes: pass it to fetches and AI calls. */
  signal: AbortSignal;
  /** The AI fallback chain for this run (its calls are tallied into the result's usage and cost). */
  ai: AiClient;
  /** The current time (ms); workers never read the clock themselves. */
  now(): number;
  /** Adds facts to the result's metadata (sources used, cache hits, engine notes). */
  note(facts: JsonObject): void;
  /**
   * Reports how far the run is (`done` of `total` units, e.g. feeds fetched): streamed live to
   * the pipeline's watchers as `step_progress`, throttled by the harness. Cheap; call freely.
   */
  progress(done: number, total: number, message?: string): void;
}

/** A worker-specific template shown at `/workers/:name/api/templates` (a preset of its parameters). */
export interface WorkerTemplate { name: string; description: string; parameters: JsonObject }

/** A worker's pre-run estimate: the size of its input and the AI tokens it expects to use. */
export interface WorkerEstimate { units: number; ai_input_tokens: number; ai_output_tokens: number; duration_ms: number }

/**
 * A worker, defined once: its registry entry (name, binding, base cost, limits), the valibot
 * schemas of its input and output, the workers that usually follow it, templates, an estimator,
 * and `run`. The shared harness gives every worker the same RPC entrypoint, HTTP surface,
 * validation, idempotency, deadline, failure classification, usage and cost accounting.
 */
export interface WorkerSpec<I, O extends JsonObject> {
  def: WorkerDef;
  version: string;
  input: v.GenericSchema<unknown, I>;
  output: v.GenericSchema<unknown, O>;
  /** The workers that usually consume this one's output (the seed's worker chain). */
  next: readonly string[];
  templates: readonly WorkerTemplate[];
  /** Capabilities and limits, for `/help` and `/health`. */
  capabilities: JsonObject;
  /** What the size of its input is counted in (feeds, articles, elements…): `estimate().units`. */
  unit: string;
  estimate(input: I): WorkerEstimate;
  run(ctx: RunContext, input: I): Promise<O>;
  /** Whether the output is enough for the next worker (the seed's `readyForNext`). */
  readyForNext(output: O): boolean;
}

/** Any worker spec, for registries and the conformance suite. */
export type AnyWorkerSpec = WorkerSpec<unknown, JsonObject>;

/** Declares a worker (typed identity: the harness does the rest). */
export function defineWorker<I, O extends JsonObject>(spec: WorkerSpec<I, O>): WorkerSpec<I, O> {
  return spec;
}
