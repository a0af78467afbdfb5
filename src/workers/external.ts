import { WorkerEntrypoint } from "cloudflare:workers";
import * as v from "valibot";
import { retryAfterMs } from "../lib/retry-after";
import { allowsPrivateFetch, FetchError, safeFetch } from "../net/safe-fetch";
import type { JsonObject } from "../lib/json";
import { FailureKindSchema, workerFailure, type FailureKind, type Handshake, type StepWorker, type WorkerResult } from "./contract";
import { payloadSizes, readInput, writeOutput } from "./harness/by-reference";
import { classify } from "./harness/errors";

/** The seed's ExecuteResponse, as an external worker answers `POST /api/execute`. */
const ExecuteResponse = v.object({
  success: v.boolean(),
  output: v.optional(v.record(v.string(), v.unknown())),
  usage: v.optional(v.object({ tokens: v.optional(v.object({ input: v.optional(v.number(), 0), output: v.optional(v.number(), 0) })) })),
  duration: v.optional(v.number()),
  /** USD, as the seed has it. */
  cost: v.optional(v.number()),
  metadata: v.optional(v.record(v.string(), v.unknown())),
  error: v.optional(v.union([v.string(), v.object({ code: v.optional(v.string()), message: v.optional(v.string()), kind: v.optional(FailureKindSchema), retry_after_ms: v.optional(v.number()) })])),
});

/** The X-Worker-ID this runtime presents to external workers. */
export const RUNTIME_WORKER_ID = "ai-factory";
const MAX_RESPONSE_BYTES = 5_242_880;
/** A 429 without a readable Retry-After is retried after this long. */
const DEFAULT_RETRY_AFTER_MS = 5_000;

/**
 * An external worker from the registry: any HTTPS endpoint implementing the seed's
 * `POST /api/execute`, called with worker-to-worker auth (`Authorization: Bearer` shared secret
 * and `X-Worker-ID`) and the attempt's `Idempotency-Key`, so a team can add a worker in any
 * language without redeploying. HTTP status decides the failure kind (429 and Retry-After,
 * 5xx transient, other 4xx fatal); private addresses are refused outside development.
 */
export class ExternalWorker implements StepWorker {
  constructor(private readonly env: Env, readonly endpoint: string) {}

  async execute(h: Handshake): Promise<WorkerResult> {
    const started = Date.now();
    const took = () => Date.now() - started;
    const fail = (kind: FailureKind, code: string, message: string, retryAfterMs?: number, costMicros = 0): WorkerResult =>
      workerFailure(kind, code, message, { durationMs: took(), retryAfterMs, costMicros });
    if (!this.env.WORKER_SHARED_SECRET) return fail("fatal", "not_configured", "WORKER_SHARED_SECRET is not set: external workers cannot be called");
    const timeoutMs = Math.max(100, h.deadline_at - Date.now());
    let res;
    try {
      res = await safeFetch(`${this.endpoint.replace(/\/+$/, "")}/api/execute`, {
        method: "POST", allowPrivate: allowsPrivateFetch(this.env), timeoutMs, maxBytes: MAX_RESPONSE_BYTES, maxRedirects: 0,
        headers: {
          "Content-Type": "application/json", Authorization: `Bearer ${this.env.WORKER_SHARED_SECRET}`, "X-Worker-ID": RUNTIME_WORKER_ID,
          "Idempotency-Key": h.idempotency_key,
        },
        body: JSON.stringify({
          action: "execute", input: h.input, params: {}, timeout: timeoutMs,
          context: { pipeline_id: h.pipeline_id, step_id: h.step_id, attempt: h.attempt, idempotency_key: h.idempotency_key, client_id: h.client_id, worker: h.worker, deadline_at: h.deadline_at },
        }),
      });
    } catch (error) {
      if (error instanceof FetchError && (error.code === "private_address" || error.code === "scheme" || error.code === "bad_url")) return fail("fatal", `endpoint_${error.code}`, error.message);
      return fail("transient", error instanceof FetchError ? `endpoint_${error.code}` : "endpoint_error", error instanceof Error ? error.message : String(error));
    }
    if (res.status === 429) return fail("retry_after", "endpoint_busy", "the external worker answered 429", retryAfterMs(res.headers) ?? DEFAULT_RETRY_AFTER_MS);
    if (res.status >= 500) return fail("transient", "endpoint_error", `the external worker answered ${res.status}`);
    let body: v.InferOutput<typeof ExecuteResponse>;
    try {
      body = v.parse(ExecuteResponse, JSON.parse(res.text));
    } catch {
      return fail(res.status >= 400 ? "fatal" : "transient", "endpoint_bad_response", `the external worker's answer (HTTP ${res.status}) is not an ExecuteResponse`);
    }
    const cost = Math.max(0, Math.round((body.cost ?? 0) * 1_000_000));
    if (!body.success || res.status >= 400) {
      const e = typeof body.error === "string" ? { message: body.error } : body.error ?? {};
      const kind = e.kind ?? (res.status >= 400 ? "fatal" : "transient");
      return fail(kind, e.code ?? "endpoint_failed", e.message ?? `the external worker reported failure (HTTP ${res.status})`, e.retry_after_ms, cost);
    }
    return {
      ok: true, output: (body.output ?? {}) as JsonObject, cost_micros: cost, duration_ms: body.duration ?? took(),
      usage: { input_tokens: body.usage?.tokens?.input ?? 0, output_tokens: body.usage?.tokens?.output ?? 0 },
      metadata: { external: this.endpoint, ...((body.metadata ?? {}) as JsonObject) },
    };
  }
}

/**
 * The entrypoint through which a PipelineActor calls external workers, so that what by-reference
 * passing saves is saved for them too: the step's input references are read here (not in the
 * actor), the endpoint gets whole values over HTTP, and a large answer is stored and returned
 * by reference like a built-in worker's.
 */
export class ExternalWorkers extends WorkerEntrypoint<Env> {
  async call(endpoint: string, h: Handshake): Promise<WorkerResult> {
    const sizes = payloadSizes();
    let input;
    try {
      input = await readInput(this.env, h, sizes, true);
    } catch (error) {
      const failure = classify(error);
      return workerFailure(failure.kind, failure.code, failure.message, { metadata: { external: endpoint, payload: { ...sizes } } });
    }
    const result = await new ExternalWorker(this.env, endpoint).execute({ ...h, input });
    if (!result.ok) return { ...result, metadata: { ...(result.metadata ?? {}), payload: { ...sizes } } };
    let stored;
    try {
      stored = await writeOutput(this.env, h, result.output, sizes, true);
    } catch (error) {
      // The endpoint did the work and billed it: the cost stays on the attempt, which is retried.
      const failure = classify(error);
      return workerFailure("transient", "payload_store_failed", `the external worker's output could not be stored (${failure.code})`, {
        costMicros: result.cost_micros, durationMs: result.duration_ms, metadata: { external: endpoint, payload: { ...sizes } },
      });
    }
    return { ...result, output: stored.output, metadata: { ...(result.metadata ?? {}), payload: { ...sizes } } };
  }
}
