import { randomAlphanumeric } from "./crypto";

/** A prefixed random id such as `pip_3kF9…`, 96 random bits. */
export function newId(prefix: string): string {
  return `${prefix}_${randomAlphanumeric(96)}`;
}

/** The seed's request id format: `req_<timestamp>_<random>`. */
export function newRequestId(now: number): string {
  return `req_${now}_${randomAlphanumeric(48)}`;
}

/** ISO-8601 UTC timestamp with milliseconds, the one format stored in D1. */
export function isoTime(ms: number): string;
export function isoTime(ms: number | null): string | null;
export function isoTime(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}
