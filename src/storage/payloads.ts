import { sha256Hex } from "../lib/crypto";
import type { JsonValue } from "../lib/json";

/** Payloads under this many bytes (UTF-8 JSON) travel inline. */
export const INLINE_MAX_BYTES = 25 * 1024;
/** Payloads up to this many bytes go to KV (with a TTL); larger ones to R2. */
export const KV_MAX_BYTES = 128 * 1024;
/** How long a KV payload lives: long enough for any pipeline and its retries. */
export const KV_TTL_SECONDS = 7 * 86_400;

/** A reference to a stored payload: where it is (KV or R2), how big, and its SHA-256 (checked on every read). */
export interface StoredRef { tier: "kv" | "r2"; key: string; size: number; sha256: string }

/** A payload that could not be read back as written. */
export class PayloadError extends Error {
  constructor(readonly code: "missing" | "checksum_mismatch" | "out_of_scope", message: string) {
    super(message);
    this.name = "PayloadError";
  }
}

/** UTF-8 bytes of a string. */
export function utf8Bytes(text: string): number {
  // Counted without encoding (no encoder and no copy of the text per call): 1 byte below U+0080,
  // 2 below U+0800, 4 for a surrogate pair, else 3 (a lone surrogate encodes as U+FFFD: 3).
  let bytes = text.length;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) continue;
    if (c < 0x800) bytes += 1;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) { bytes += 2; i++; }
    else bytes += 2;
  }
  return bytes;
}


/** The bindings payloads live in. */
export type Stores = Pick<Env, "PAYLOADS" | "DELIVERABLES">;

/**
 * Stores already serialised JSON in storage whatever its size (a field of a large step output:
 * KV up to 128 KB, R2 above) under `<name>@<SHA-256 prefix>`, so one key never holds two contents.
 */
export async function storeText(env: Stores, name: string, text: string, size = utf8Bytes(text)): Promise<StoredRef> {
  const sha256 = await sha256Hex(text);
  return writeStored(env, `${name}@${sha256.slice(0, 16)}`, text, size, sha256);
}

/** Where a payload named `name` lives in its tier: every stored key starts with `storedKey(tier, "")`. */
export function storedKey(tier: StoredRef["tier"], name: string): string {
  return tier === "kv" ? `payload:${name}` : `payloads/${name}`;
}

/** Writes serialised JSON to KV (up to 128 KB, with a TTL) or R2 (above). */
async function writeStored(env: Stores, key: string, text: string, size: number, sha256: string): Promise<StoredRef> {
  if (size <= KV_MAX_BYTES) {
    await env.PAYLOADS.put(storedKey("kv", key), text, { expirationTtl: KV_TTL_SECONDS });
    return { tier: "kv", key: storedKey("kv", key), size, sha256 };
  }
  await env.DELIVERABLES.put(storedKey("r2", `${key}.json`), text, { httpMetadata: { contentType: "application/json" }, customMetadata: { sha256 } });
  return { tier: "r2", key: storedKey("r2", `${key}.json`), size, sha256 };
}

/** Reads a payload back by its reference, verifying its checksum. */
export async function loadPayload(env: Stores, ref: StoredRef): Promise<JsonValue> {
  const text = ref.tier === "kv" ? await env.PAYLOADS.get(ref.key) : (await (await env.DELIVERABLES.get(ref.key))?.text()) ?? null;
  if (text === null) throw new PayloadError("missing", `payload ${ref.key} is gone (expired or deleted)`);
  if ((await sha256Hex(text)) !== ref.sha256) throw new PayloadError("checksum_mismatch", `payload ${ref.key} does not match its checksum`);
  return JSON.parse(text) as JsonValue;
}
