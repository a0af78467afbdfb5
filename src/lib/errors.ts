/**
 * The one error type of the project: a stable `code`, an HTTP status, a message that says how to
 * fix the problem, and optional public details. Anything thrown that is not an AppError is a bug:
 * the router answers 500 `internal_error` and logs it, never showing its message or stack.
 */
export const ErrorCode = {
  invalid_json: 400,
  bad_request: 400,
  unauthorized: 401,
  insufficient_budget: 402,
  forbidden: 403,
  not_found: 404,
  method_not_allowed: 405,
  conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  upgrade_required: 426,
  validation_failed: 422,
  rate_limited: 429,
  internal_error: 500,
  service_unavailable: 503,
} as const;

/** A stable error code; clients branch on it, so codes are never renamed. */
export type ErrorCode = keyof typeof ErrorCode;

/** Extra machine-readable facts about an error, safe to show to the caller. */
export type ErrorDetails = Record<string, unknown> | readonly unknown[];

/** A failure the caller can act on, carried as a value with a code and an HTTP status. */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly details: ErrorDetails | undefined;
  /** Response headers that belong with the error (Retry-After, Allow). */
  readonly headers: Record<string, string>;

  constructor(code: ErrorCode, message: string, details?: ErrorDetails, headers: Record<string, string> = {}) {
    super(message);
    this.name = "AppError";
    this.code = code;
    this.status = ErrorCode[code];
    this.details = details;
    this.headers = headers;
  }
}

/** 404 with the same text whether the object does not exist or belongs to another client. */
export function notFound(kind: string, id: string): AppError {
  return new AppError("not_found", `${kind} '${id}' was not found`);
}
