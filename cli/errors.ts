/**
 * The CLI's failures: each carries the message its user reads (never a stack) and the exit
 * status the command ends with.
 */
import * as v from "valibot";
import { FieldIssueSchema, type FieldIssue } from "../src/contracts/errors";

/** Exit statuses: a run's outcome, or how the command failed. */
export const Exit = {
  /** Done; a run completed. */
  ok: 0,
  /** A refusal, an API error, a failed or cancelled run, a connection that could not be made. */
  failed: 1,
  /** A run that ended partial (an optional step failed). */
  partial: 2,
  /** Interrupted (Ctrl-C); a run being watched goes on. */
  interrupted: 130,
} as const;

/** A failure to report to the user: the message, and a hint saying what to do next. */
export class CliError extends Error {
  constructor(message: string, readonly hint: string | null = null, readonly exitCode: number = Exit.failed) {
    super(message);
    this.name = "CliError";
  }
}


/** An API answer other than 2xx: its status and the envelope's code, message and details. */
export class ApiError extends CliError {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: unknown,
    readonly requestId: string | null,
    hint: string | null = null,
  ) {
    super(message, hint);
    this.name = "ApiError";
  }

  /** The 422 details' field issues, in the order the server gave them. */
  issues(): FieldIssue[] {
    const issues = (this.details as { issues?: unknown } | null | undefined)?.issues;
    if (!Array.isArray(issues)) return [];
    return issues.flatMap((issue: unknown) => {
      const parsed = v.safeParse(FieldIssueSchema, issue);
      return parsed.success ? [parsed.output] : [];
    });
  }

}

/** The lines to print for a failure: what went wrong, the field issues, then the hint. */
export function describeFailure(error: unknown): string[] {
  if (error instanceof ApiError) {
    const lines = [`${error.status} ${error.code}: ${error.message}`];
    // Each field issue on its own line, unless the message already is that one issue.
    for (const issue of error.issues()) {
      const text = `${issue.field}: ${issue.message}`;
      if (!error.message.includes(text)) lines.push(`  ${text}`);
    }
    if (error.status >= 500 && error.requestId) lines.push(`  request id: ${error.requestId}`);
    if (error.hint) lines.push(error.hint);
    return lines;
  }
  if (error instanceof CliError) return error.hint ? [error.message, error.hint] : [error.message];
  // A file the CLI could not read or write: say which and why.
  const fsError = error as { code?: unknown; syscall?: unknown; path?: unknown };
  if (typeof fsError.code === "string" && typeof fsError.syscall === "string" && typeof fsError.path === "string") {
    return [`cannot ${fsError.syscall} ${fsError.path}: ${fsError.code}`];
  }
  // A bug in the CLI itself: say so, without the stack (AIF_DEBUG=1 shows it).
  const text = error instanceof Error ? error.message : String(error);
  return [`unexpected failure: ${text}`, "set AIF_DEBUG=1 for details, and report it if it persists"];
}
