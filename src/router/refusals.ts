import type { ActorRefusal, RefusalCode } from "../actors/refusals";
import { AppError, type ErrorCode } from "../lib/errors";

/** The one mapping of actor refusals to HTTP: the error code (and so the status) each refusal answers with. */
export const REFUSAL_HTTP = {
  not_found: "not_found",
  illegal_transition: "conflict",
  invalid_amount: "validation_failed",
  idempotency_conflict: "conflict",
  unknown_hold: "not_found",
  adjustment_out_of_range: "validation_failed",
  queue_full: "rate_limited",
  wait_exceeds_max: "rate_limited",
  already_released: "conflict",
} as const satisfies Record<RefusalCode, ErrorCode>;

/**
 * An actor's refusal as the HTTP error it answers with. `field` names the request field a
 * validation refusal is about (a 422 names the field and the rule).
 */
export function refusalError(refusal: ActorRefusal, options: { field?: string } = {}): AppError {
  const code = REFUSAL_HTTP[refusal.code];
  return new AppError(code, code === "validation_failed" && options.field ? `${options.field}: ${refusal.message}` : refusal.message);
}
