import { isJsonObject } from "../../lib/json";
import { utf8Bytes } from "../../storage/payloads";
import { workerFailure, type Handshake, type WorkerResult } from "../../workers/contract";
import { countTransfer, currentKey, specOf, stepInput, type PipelineState, type StepState, type WorkerOutcome } from "./machine";

/** What the actor sends a step's worker for its current attempt (its key is every effect's idempotency key). */
export function handshakeFor(s: PipelineState, step: StepState, now: number): Handshake {
  const spec = specOf(s, step.id);
  const worker = spec.workers[step.workerIndex]!;
  return {
    pipeline_id: s.spec.pipelineId, step_id: step.id, attempt: step.attempt, idempotency_key: currentKey(s, step), worker: worker.name,
    client_id: s.spec.clientId, input: stepInput(s, step.id), deadline_at: step.timeoutAt ?? now + spec.timeoutMs,
    ...(worker.baseCostMicros !== undefined ? { base_cost_micros: worker.baseCostMicros } : {}),
  };
}

/**
 * A worker's answer as the state machine takes it. A worker that reports no whole, non-negative
 * cost broke the contract: its answer becomes a fatal `invalid_cost`, and nothing it said is charged.
 */
export function outcomeOf(answer: WorkerResult): WorkerOutcome {
  const result = Number.isSafeInteger(answer.cost_micros) && answer.cost_micros >= 0
    ? answer
    : workerFailure("fatal", "invalid_cost", `worker reported cost_micros ${String(answer.cost_micros)}`, { durationMs: answer.duration_ms });
  const units = answer.metadata?.units;
  const inputUnits = typeof units === "number" && Number.isSafeInteger(units) && units >= 0 ? units : null;
  return result.ok
    ? { ok: true, output: result.output, costMicros: result.cost_micros, durationMs: result.duration_ms, tokensIn: result.usage.input_tokens, tokensOut: result.usage.output_tokens, inputUnits }
    : {
      ok: false, costMicros: result.cost_micros, durationMs: result.duration_ms, inputUnits,
      error: { kind: result.error.kind, code: result.error.code, message: result.error.message, ...(result.error.retry_after_ms !== undefined ? { retryAfterMs: result.error.retry_after_ms } : {}) },
    };
}

/**
 * Counts a worker call's payload traffic: what went through the actor (the input as sent, the
 * output as received) against the same payloads whole, from the harness's `metadata.payload`
 * (a worker without it, such as the scripted one, moved everything through the actor).
 */
export function withTransfer(s: PipelineState, result: WorkerResult, sentBytes: number): PipelineState {
  const received = result.ok ? utf8Bytes(JSON.stringify(result.output)) : 0;
  const sizes = result.metadata?.payload;
  const whole = isJsonObject(sizes) && typeof sizes.input_bytes === "number" && typeof sizes.output_bytes === "number" && sizes.input_bytes > 0
    ? sizes.input_bytes + sizes.output_bytes : sentBytes + received;
  return countTransfer(s, sentBytes + received, whole);
}

/** Running steps whose worker call is not in flight in this incarnation (`running(key)`). */
export function toDispatch(s: PipelineState, running: (key: string) => boolean): StepState[] {
  return s.steps.filter((step) => step.status === "running" && !running(currentKey(s, step)));
}
