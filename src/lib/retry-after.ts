/**
 * How long a server asked us to wait, in ms: `retry-after-ms`, else `Retry-After` as seconds
 * or an HTTP date; null when neither is present or readable.
 */
export function retryAfterMs(headers: Pick<Headers, "get"> | undefined, now: number = Date.now()): number | null {
  const ms = Number(headers?.get("retry-after-ms"));
  if (Number.isFinite(ms) && ms > 0) return Math.ceil(ms);
  const value = headers?.get("retry-after");
  if (!value) return null;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, Math.ceil(seconds * 1000));
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}
