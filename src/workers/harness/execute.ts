import * as v from "valibot";
import { aiClient, AiClient, parseChain } from "../../ai";
import { AppError } from "../../lib/errors";
import type { JsonObject } from "../../lib/json";
import { describeError, log } from "../../lib/log";
import { parseInput } from "../../lib/validate";
import { payloadSizes, readInput, writeOutput } from "./by-reference";
import { HandshakeSchema, workerFailure, WorkerResultSchema, type Handshake, type StepProgress, type WorkerResult } from "../contract";
import type { AnyWorkerSpec } from "./define";
import { classify, fatal, WorkerError } from "./errors";
import { progressReporter } from "./progress";

/** How long a finished answer is kept for duplicate deliveries of the same idempotency key. */
export const RESULT_TTL_SECONDS = 86_400;

/** Where a finished answer for an idempotency key is kept. */
function resultKey(worker: string, key: string): string {
  return `worker-result:${worker}:${key}`;
}

/**
 * The AI chain a run uses: the input's `ai_providers` (from a template) or AI_PROVIDER. The price
 * table is read from D1 only if the run makes an AI call.
 */
function aiFor(env: Env, input: JsonObject): AiClient {
  const chain = typeof input.ai_providers === "string" ? parseChain(input.ai_providers) : undefined;
  return aiClient(env, chain);
}

/** A part of a delivery validated as the router validates a request (lib/validate.ts): the parsed value, or the message naming the field and rule. */
function check<S extends v.GenericSchema>(part: "handshake" | "input", schema: S, value: unknown): { ok: true; value: v.InferOutput<S> } | { ok: false; message: string } {
  try {
    return { ok: true, value: parseInput(part, schema, value) };
  } catch (error) {
    if (error instanceof AppError) return { ok: false, message: error.message };
    throw error;
  }
}

/** How a worker is being called. */
export interface ExecuteOptions {
  /**
   * Called by a PipelineActor (the worker's RPC entrypoint): references in the input are read
   * (from this pipeline's payloads only), large outputs are stored and answered by reference,
   * and progress goes to the actor. Off for HTTP calls, which send and get whole values.
   */
  viaActor?: boolean;
  clock?: () => number;
}

/** Sends a run's progress to its PipelineActor. */
function progressTo(env: Env, h: Handshake) {
  const actor = env.PipelineActor.getByName(h.pipeline_id);
  return (p: Omit<StepProgress, "step_id" | "attempt">) => actor.stepProgress({ ...p, step_id: h.step_id, attempt: h.attempt });
}

/**
 * Runs one delivery of a handshake through a worker, the same way for every worker:
 *
 * 1. a duplicate delivery (same idempotency key) gets the answer already given, not a second run;
 * 2. references in the input are read and checked (called by an actor), then the handshake and
 *    the input are validated (`invalid_input`, fatal, naming the field);
 * 3. `run` races the step's deadline (`timeout`, transient) with an abort signal it can pass on;
 * 4. failures are classified (transient, retry after N ms, fatal), bugs logged and never shown;
 * 5. the output is validated against the worker's schema (`invalid_output`, fatal: a bug), and
 *    (called by an actor) its large fields are stored and answered by reference;
 * 6. the answer carries usage, cost (base plus every AI call, failed ones included), duration,
 *    payload sizes and metadata naming the worker chain; final answers are kept for duplicates.
 */
export async function executeWorker(spec: AnyWorkerSpec, env: Env, raw: Handshake, options: ExecuteOptions = {}): Promise<WorkerResult> {
  const clock = options.clock ?? Date.now;
  const viaActor = options.viaActor === true;
  const started = clock();
  const name = spec.def.worker_name;
  const chain = { current: name, next: [...spec.next] };
  const base = (extra: JsonObject = {}): JsonObject => ({ worker: name, version: spec.version, worker_chain: chain, ...extra });
  const hs = check("handshake", HandshakeSchema, raw);
  if (!hs.ok) return workerFailure("fatal", "invalid_handshake", hs.message, { metadata: base() });
  const handshake = hs.value;
  const cacheKey = resultKey(name, handshake.idempotency_key);
  // A kept answer is read back through the schema: one that no longer parses is not replayed (the step runs again).
  const cached = v.safeParse(WorkerResultSchema, await env.PAYLOADS.get(cacheKey, "json"));
  if (cached.success) return { ...cached.output, metadata: { ...(cached.output.metadata ?? {}), replayed: true } };

  const notes: JsonObject = {};
  const progress = progressReporter(viaActor ? progressTo(env, handshake) : null, clock);
  let ai: AiClient | null = null;
  const controller = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  let result: WorkerResult;
  const payload = payloadSizes();
  // The input's size in the worker's own unit (feeds, articles, elements), for the learned estimator.
  let units: number | null = null;
  try {
    const input = check("input", spec.input, await readInput(env, handshake, payload, viaActor));
    if (!input.ok) throw new WorkerError("fatal", "invalid_input", input.message);
    units = inputUnits(spec, input.value);
    ai = aiFor(env, handshake.input);
    const remaining = handshake.deadline_at - clock();
    if (remaining <= 0) throw new WorkerError("transient", "timeout", `the step's deadline passed before ${name} started`);
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        controller.abort();
        reject(new WorkerError("transient", "timeout", `${name} did not finish within ${remaining} ms (the step's deadline)`));
      }, remaining);
    });
    const context = {
      env, handshake, signal: controller.signal, ai, now: clock,
      note: (facts: JsonObject) => Object.assign(notes, facts),
      progress: (done: number, total: number, message?: string) => progress.report(done, total, message),
    };
    const output = await Promise.race([spec.run(context, input.value), deadline]);
    let checked: JsonObject;
    try {
      checked = parseInput("output", spec.output, output);
    } catch (error) {
      log("error", "worker output does not match its schema", { worker: name, key: handshake.idempotency_key, ...describeError(error) });
      throw fatal("invalid_output", `${name} produced output that does not match its schema (a bug; logged)`);
    }
    const { output: answer } = await writeOutput(env, handshake, { ...checked, ready_for_next: spec.readyForNext(checked) }, payload, viaActor);
    result = {
      ok: true,
      output: answer,
      cost_micros: (handshake.base_cost_micros ?? spec.def.cost_per_execution_micros) + ai.costMicros,
      duration_ms: clock() - started,
      usage: ai.usage,
      metadata: base({ engines: ai.engines, ai_calls: ai.calls.map((c) => ({ ...c, usage: { ...c.usage } })), ...notes, payload, units }),
    };
  } catch (error) {
    const failure = classify(error);
    if (failure.bug) log("error", "worker failed unexpectedly", { worker: name, key: handshake.idempotency_key, ...describeError(error) });
    result = workerFailure(failure.kind, failure.code, failure.message, {
      // AI tokens spent before the failure are still owed.
      costMicros: ai?.costMicros ?? 0,
      durationMs: clock() - started,
      retryAfterMs: failure.retryAfterMs,
      metadata: base({ engines: ai?.engines ?? [], ...notes, payload, units }),
    });
  } finally {
    if (timer !== undefined) clearTimeout(timer);
    controller.abort();
    await progress.settle();
  }
  // Final answers (success, or a failure retrying cannot change) answer duplicates of this key.
  if (result.ok || result.error.kind === "fatal") {
    await env.PAYLOADS.put(cacheKey, JSON.stringify(result), { expirationTtl: RESULT_TTL_SECONDS });
  }
  return result;
}

/** The input's size per the worker's estimator; null if the estimator cannot say (never fails a run). */
function inputUnits(spec: AnyWorkerSpec, input: unknown): number | null {
  try {
    const units = spec.estimate(input).units;
    return Number.isFinite(units) && units >= 0 ? Math.round(units) : null;
  } catch {
    return null;
  }
}
