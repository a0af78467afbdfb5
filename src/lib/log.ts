/** Structured JSON logs: one object per line, picked up by Workers Logs and `wrangler tail`. */
export type LogLevel = "debug" | "info" | "warn" | "error";

/** Writes one structured log line. Fields must not contain secrets. */
export function log(level: LogLevel, msg: string, fields: Record<string, unknown> = {}): void {
  const line = JSON.stringify({ level, msg, time: new Date().toISOString(), ...fields });
  if (level === "error") console.error(line);
  else if (level === "warn") console.warn(line);
  else console.log(line);
}

/** A stack-free, secret-free description of an unknown thrown value, for logs only. */
export function describeError(error: unknown): Record<string, unknown> {
  if (error instanceof Error) return { error_name: error.name, error_message: error.message, stack: error.stack };
  return { error_value: String(error) };
}
