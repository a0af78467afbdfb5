/**
 * Every way an actor refuses a command, in one place. An actor answers a refusal as a value
 * (never by throwing across RPC), with one of these codes and a message that says why; the
 * router maps each code to HTTP once (`refusalError` in router/refusals.ts). Codes are part of
 * the API (they reach clients through the router's error envelope), so none is ever renamed.
 */
export const RefusalCodes = {
  /** Pipeline: no such pipeline, or no such step in it. */
  not_found: "not_found",
  /** Pipeline: the command does not apply to the run as it stands (pause a finished run, retry before it is admitted). */
  illegal_transition: "illegal_transition",
  /** Ledger: an amount that is not a whole, non-negative number of micro-USD. */
  invalid_amount: "invalid_amount",
  /** Ledger: a key used again for a different command. */
  idempotency_conflict: "idempotency_conflict",
  /** Ledger: a settle or release of a hold it never placed (or already gave back). */
  unknown_hold: "unknown_hold",
  /** Ledger: an adjustment outside the allowed range. */
  adjustment_out_of_range: "adjustment_out_of_range",
  /** Pool: the queue is at its limit. */
  queue_full: "queue_full",
  /** Pool: the estimated wait is longer than the caller's max wait. */
  wait_exceeds_max: "wait_exceeds_max",
  /** Pool: a reserve for a key whose lease was already released (a late duplicate). */
  already_released: "already_released",
} as const;

export type RefusalCode = keyof typeof RefusalCodes;

/** An actor's refusal: its code and why. */
export interface ActorRefusal<C extends RefusalCode = RefusalCode> { code: C; message: string }

/** A pipeline's refusal codes. */
export type PipelineRefusalCode = Extract<RefusalCode, "not_found" | "illegal_transition">;
/** A ledger's refusal codes. */
export type LedgerRefusalCode = Extract<RefusalCode, "invalid_amount" | "idempotency_conflict" | "unknown_hold" | "adjustment_out_of_range">;
/** A pool's refusal codes (a reservation refused). */
export type PoolRefusalCode = Extract<RefusalCode, "queue_full" | "wait_exceeds_max" | "already_released">;
