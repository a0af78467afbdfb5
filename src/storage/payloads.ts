import { sha256Hex } from "../lib/crypto";
import type { JsonValue } from "../lib/json";

/** Payloads under this many bytes (UTF-8 JSON) travel inline. */
export const INLINE_MAX_BYTES = 25 * 1024;
/** Payloads up to this many bytes go to KV (with a TTL); larger ones to R2. */
export const KV_MAX_BYTES = 128 * 1024;
/** How long a KV payload lives: long enough for any pipeline and its retries. */
export const KV_TTL_SECONDS = 7 * 86_400;

/** A reference to a stored payload: where it is, how big, and its SHA-256 (checked on every read). */
export type PayloadRef =
  | { tier: "inline"; value: JsonValue; size: number; sha256: string }
  | { tier: "kv" | "r2"; key: string; size: number; sha256: string };

/** A payload that could not be read back as written. */
export class PayloadError extends Error {
  constructor(readonly code: "missing" | "checksum_mismatch" | "out_of_scope", message: string) {
    super(message);
    this.name = "PayloadError";
  }
}

/** UTF-8 bytes of a string. */
export function utf8Bytes(text: string): number {
  return new TextEncoder().encode(text).byteLength;
}

/** A reference to a payload kept in storage (not inline). */
export type StoredRef = Extract<PayloadRef, { tier: "kv" | "r2" }>;

/** The bindings payloads live in. */
export type Stores = Pick<Env, "PAYLOADS" | "DELIVERABLES">;

/**
 * Stores a JSON payload in the tier its size calls for (inline under 25 KB, KV up to 128 KB
 * with a TTL, R2 above) and returns the reference that travels instead of it. Writing the same
 * key again with the same content is harmless.
 */
export async function storePayload(env: Stores, key: string, value: JsonValue): Promise<PayloadRef> {
  const text = JSON.stringify(value);
  const size = utf8Bytes(text);
  const sha256 = await sha256Hex(text);
  if (size < INLINE_MAX_BYTES) return { tier: "inline", value, size, sha256 };
  return writeStored(env, key, text, size, sha256);
}

/**
 * Stores already serialised JSON in storage whatever its size (a field of a large step output:
 * KV up to 128 KB, R2 above) under `<name>@<SHA-256 prefix>`, so one key never holds two contents.
 */
export async function storeText(env: Stores, name: string, text: string): Promise<StoredRef> {
  const sha256 = await sha256Hex(text);
  return writeStored(env, `${name}@${sha256.slice(0, 16)}`, text, utf8Bytes(text), sha256);
}

/** Writes serialised JSON to KV (up to 128 KB, with a TTL) or R2 (above). */
async function writeStored(env: Stores, key: string, text: string, size: number, sha256: string): Promise<StoredRef> {
  if (size <= KV_MAX_BYTES) {
    await env.PAYLOADS.put(`payload:${key}`, text, { expirationTtl: KV_TTL_SECONDS });
    return { tier: "kv", key: `payload:${key}`, size, sha256 };
  }
  await env.DELIVERABLES.put(`payloads/${key}.json`, text, { httpMetadata: { contentType: "application/json" }, customMetadata: { sha256 } });
  return { tier: "r2", key: `payloads/${key}.json`, size, sha256 };
}

/** Reads a payload back by its reference, verifying its checksum. */
export async function loadPayload(env: Stores, ref: PayloadRef): Promise<JsonValue> {
  let text: string | null;
  if (ref.tier === "inline") text = JSON.stringify(ref.value);
  else if (ref.tier === "kv") text = await env.PAYLOADS.get(ref.key);
  else text = (await (await env.DELIVERABLES.get(ref.key))?.text()) ?? null;
  if (text === null) throw new PayloadError("missing", `payload ${ref.tier === "inline" ? "(inline)" : ref.key} is gone (expired or deleted)`);
  if ((await sha256Hex(text)) !== ref.sha256) throw new PayloadError("checksum_mismatch", `payload ${ref.tier === "inline" ? "(inline)" : ref.key} does not match its checksum`);
  return JSON.parse(text) as JsonValue;
}
