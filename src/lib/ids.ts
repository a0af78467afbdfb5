import { randomAlphanumeric, sha256Hex } from "./crypto";

/** A prefixed random id such as `pip_3kF9…`, 96 random bits. */
export function newId(prefix: string): string {
  return `${prefix}_${randomAlphanumeric(96)}`;
}

/** A prefixed id derived from `seed` (`pip_<24 hex of sha256>`): the same seed always gives the same id, so an effect keyed on it happens once. */
export async function derivedId(prefix: string, seed: string): Promise<string> {
  return `${prefix}_${(await sha256Hex(seed)).slice(0, 24)}`;
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
