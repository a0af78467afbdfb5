import { resolvePath } from "../actors/pipeline/paths";
import type { JsonObject, JsonValue } from "../lib/json";
import { INLINE_MAX_BYTES, loadPayload, PayloadError, storePayload, utf8Bytes } from "./payloads";
import { isConcat, isRef, refMarker, type RefTarget } from "./ref-marker";

/** In an output of 25 KB or more, fields at least this large are stored and passed by reference. */
export const FIELD_REF_MIN_BYTES = 1024;

type Stores = Pick<Env, "PAYLOADS" | "DELIVERABLES">;

/** Where a pipeline's payloads are kept: every key a step writes starts with this. */
export function pipelineScope(pipelineId: string): string {
  return `pipelines/${pipelineId}/`;
}

/** A step output after `externalize`: the output that travels, its full size, and how many fields went by reference. */
export interface Externalized { output: JsonObject; bytes: number; refs: number }

/**
 * Moves a step output's large fields out of band. An output under 25 KB travels whole (inline).
 * A larger one keeps its small fields (counts, flags, ids: what conditions and output mappings
 * read) and stores every field of 1 KB or more under `<prefix>/<field>`: in KV up to 128 KB
 * (with a TTL), in R2 above; each is replaced by a reference carrying its size, SHA-256 and
 * item count. The prefix is the attempt's (`pipelines/<id>/<step>/<attempt>`), so a retried
 * attempt never overwrites what an earlier one handed on.
 */
export async function externalize(env: Stores, prefix: string, output: JsonObject): Promise<Externalized> {
  const bytes = utf8Bytes(JSON.stringify(output));
  if (bytes < INLINE_MAX_BYTES) return { output, bytes, refs: 0 };
  const out: JsonObject = { ...output };
  let refs = 0;
  await Promise.all(Object.entries(output).map(async ([name, value]) => {
    if (value === null || typeof value === "number" || typeof value === "boolean") return;
    if (utf8Bytes(JSON.stringify(value)) < FIELD_REF_MIN_BYTES) return;
    const ref = await storePayload(env, `${prefix}/${name}`, value, { inline: false });
    if (ref.tier === "inline") return;
    out[name] = refMarker({ tier: ref.tier, key: ref.key, size: ref.size, sha256: ref.sha256, ...(Array.isArray(value) ? { items: value.length } : {}) });
    refs++;
  }));
  return { output: out, bytes, refs };
}

/** A value with its references read: the value, and the bytes read from storage. */
export interface Resolved { value: JsonValue; readBytes: number; refs: number }

/**
 * Reads every reference in a value (a worker's input) from storage, verifying each checksum,
 * applying each reference's path, and joining `$concat` parts as the template's `a,b` would
 * have. Only references under `scope` (the pipeline's own payloads) are read: anything else is
 * refused (`out_of_scope`), so a handshake can never read another pipeline's data. A value
 * read twice in one input is read from storage once.
 */
export async function resolveRefs(env: Stores, value: JsonValue, scope: string): Promise<Resolved> {
  const cache = new Map<string, Promise<JsonValue>>();
  let readBytes = 0;
  let refs = 0;
  const read = (target: RefTarget): Promise<JsonValue> => {
    if (!target.key.startsWith(`payload:${scope}`) && !target.key.startsWith(`payloads/${scope}`)) {
      throw new PayloadError("out_of_scope", `a reference outside this pipeline's payloads (${target.key.slice(0, 80)})`);
    }
    let pending = cache.get(target.key);
    if (!pending) {
      pending = loadPayload(env, { tier: target.tier, key: target.key, size: target.size, sha256: target.sha256 });
      cache.set(target.key, pending);
      readBytes += target.size;
    }
    return pending;
  };
  const walk = async (v: JsonValue): Promise<JsonValue> => {
    if (isRef(v)) {
      refs++;
      const whole = await read(v.$ref);
      return v.$ref.path === undefined ? whole : resolvePath(v.$ref.path, whole) ?? null;
    }
    if (isConcat(v)) {
      const parts = await Promise.all(v.$concat.map(walk));
      return parts.every(Array.isArray) ? parts.flat() : parts[0] ?? null;
    }
    if (Array.isArray(v)) return Promise.all(v.map(walk));
    if (v !== null && typeof v === "object") {
      const entries = await Promise.all(Object.entries(v).map(async ([k, x]) => [k, await walk(x)] as const));
      return Object.fromEntries(entries);
    }
    return v;
  };
  const resolved = await walk(value);
  return { value: resolved, readBytes, refs };
}

/** Whether a value holds any reference (a quick check before resolving). */
export function hasRefs(value: JsonValue): boolean {
  if (isRef(value) || isConcat(value)) return true;
  if (Array.isArray(value)) return value.some(hasRefs);
  if (value !== null && typeof value === "object") return Object.values(value).some(hasRefs);
  return false;
}
