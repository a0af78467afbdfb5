import type { ErrorEnvelope } from "../contracts/errors";
import { AppError } from "../lib/errors";
import { describeError, log } from "../lib/log";

/** A JSON response. */
export function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "Content-Type": "application/json; charset=utf-8", ...headers },
  });
}

export type { ErrorEnvelope } from "../contracts/errors";

/**
 * Turns anything thrown into the envelope. AppErrors keep their code, message and details; any
 * other error is a bug: it is logged with its stack and answered as a bare 500.
 */
export function errorResponse(error: unknown, requestId: string): Response {
  if (error instanceof AppError) {
    const body: ErrorEnvelope = {
      error: { code: error.code, message: error.message, ...(error.details !== undefined ? { details: error.details } : {}) },
      request_id: requestId,
    };
    return json(body, error.status, error.headers);
  }
  log("error", "unhandled error", { request_id: requestId, ...describeError(error) });
  const body: ErrorEnvelope = {
    error: { code: "internal_error", message: "internal error; quote the request_id when reporting it" },
    request_id: requestId,
  };
  return json(body, 500);
}
