import { AiError } from "../../ai";
import { PayloadError } from "../../storage/payloads";
import type { FailureKind } from "../contract";

/**
 * A worker's failure with what it means for the actor: `transient` (retry with backoff),
 * `retry_after` (retry after `retryAfterMs`) or `fatal` (retrying cannot help). Workers throw
 * these; a payload that cannot be read is classified by why; anything else they throw is a bug, reported as transient `internal` without its text.
 */
export class WorkerError extends Error {
  constructor(readonly kind: FailureKind, readonly code: string, message: string, readonly retryAfterMs: number | null = null) {
    super(message);
    this.name = "WorkerError";
  }
}

/** Shorthands for the two kinds workers throw (a worker that must be retried later throws a WorkerError of kind retry_after). */
export const fatal = (code: string, message: string) => new WorkerError("fatal", code, message);
export const transient = (code: string, message: string) => new WorkerError("transient", code, message);

/** Any thrown value as a classified failure (an AI failure by its code; a bug as `internal`). */
export function classify(error: unknown): { kind: FailureKind; code: string; message: string; retryAfterMs: number | null; bug: boolean } {
  if (error instanceof WorkerError) return { kind: error.kind, code: error.code, message: error.message, retryAfterMs: error.retryAfterMs, bug: false };
  if (error instanceof AiError) {
    const code = `ai_${error.code}`;
    if (error.code === "rate_limited") return { kind: "retry_after", code, message: error.message, retryAfterMs: error.retryAfterMs ?? 5_000, bug: false };
    if (error.code === "rejected" || error.code === "not_configured") return { kind: "fatal", code, message: error.message, retryAfterMs: null, bug: false };
    return { kind: "transient", code, message: error.message, retryAfterMs: null, bug: false };
  }
  if (error instanceof PayloadError) {
    // A payload not there yet may be KV catching up (eventual consistency): retry. An altered or
    // foreign one never becomes right.
    if (error.code === "missing") return { kind: "transient", code: "payload_unavailable", message: error.message, retryAfterMs: null, bug: false };
    return { kind: "fatal", code: error.code === "checksum_mismatch" ? "payload_corrupt" : "payload_out_of_scope", message: error.message, retryAfterMs: null, bug: false };
  }
  return { kind: "transient", code: "internal", message: "the worker failed unexpectedly (logged with the step's key)", retryAfterMs: null, bug: true };
}
