import { applyStage, joinParts } from "../actors/pipeline/paths";
import type { JsonObject, JsonValue } from "../lib/json";
import { INLINE_MAX_BYTES, loadPayload, PayloadError, storedKey, storeText, utf8Bytes, type Stores } from "./payloads";
import { isDeferred, partsOf, refMarker, stagesOf, targetOf, type Deferred, type RefTarget } from "./ref-marker";

/** In an output of 25 KB or more, fields at least this large are stored and passed by reference. */
export const FIELD_REF_MIN_BYTES = 1024;

/** Where pipelines' payloads are kept: every pipeline's scope starts with this. */
export const PIPELINES_SCOPE = "pipelines/";

/** Where a pipeline's payloads are kept: every key a step writes starts with this. */
export function pipelineScope(pipelineId: string): string {
  return `${PIPELINES_SCOPE}${pipelineId}/`;
}

/** A step output after `externalize`: the output that travels, its full size, and how many fields went by reference. */
export interface Externalized { output: JsonObject; bytes: number; refs: number }

/**
 * Moves a step output's large fields out of band. An output under 25 KB travels whole (inline).
 * A larger one keeps its small fields (counts, flags, ids: what conditions and output mappings
 * read) and stores every field of 1 KB or more under `<prefix>/<field>@<sha256 prefix>`: in KV up
 * to 128 KB (with a TTL), in R2 above; each is replaced by a reference carrying its size,
 * SHA-256 and item count. The prefix is the attempt's (`pipelines/<id>/<step>/<attempt>`) and
 * the key names its content, so a key is only ever written with one content: a delivery of the
 * same attempt that runs again (after an actor restart) can never change what was handed on.
 */
export async function externalize(env: Stores, prefix: string, output: JsonObject): Promise<Externalized> {
  const bytes = utf8Bytes(JSON.stringify(output));
  if (bytes < INLINE_MAX_BYTES) return { output, bytes, refs: 0 };
  const out: JsonObject = { ...output };
  let refs = 0;
  await Promise.all(Object.entries(output).map(async ([name, value]) => {
    if (value === null || typeof value === "number" || typeof value === "boolean") return;
    const text = JSON.stringify(value);
    const size = utf8Bytes(text);
    if (size < FIELD_REF_MIN_BYTES) return;
    const ref = await storeText(env, `${prefix}/${name}`, text, size);
    out[name] = refMarker({ tier: ref.tier, key: ref.key, size: ref.size, sha256: ref.sha256, ...(Array.isArray(value) ? { items: value.length } : {}) });
    refs++;
  }));
  return { output: out, bytes, refs };
}

/** A value with its references read: the value (undefined when a path found nothing), the bytes read from storage, how many references. */
export interface Resolved { value: JsonValue | undefined; readBytes: number; refs: number }

/**
 * Reads every deferred value in a value (a worker's input, a pipeline's context) from storage:
 * each reference's value is read and its checksum verified, `$concat` parts are joined as the
 * template's `a,b` would have joined them, and `$path` stages are applied in order. Only this
 * pipeline's own payloads are read (`scope`, and the tier's key prefix): anything else is
 * refused (`out_of_scope`), so a handshake can never read another pipeline's data or a KV key
 * that is not a payload. A value referred to twice is read once. A path that finds nothing
 * leaves its field out, as it would have on the value itself.
 */
export async function resolveRefs(env: Stores, value: JsonValue, scope: string): Promise<Resolved> {
  const cache = new Map<string, Promise<JsonValue>>();
  let readBytes = 0;
  let refs = 0;
  const read = (target: RefTarget): Promise<JsonValue> => {
    const prefix = storedKey(target.tier, scope);
    if (!target.key.startsWith(prefix)) {
      return Promise.reject(new PayloadError("out_of_scope", `a reference outside this pipeline's payloads (${target.key.slice(0, 80)})`));
    }
    let pending = cache.get(target.key);
    if (!pending) {
      pending = loadPayload(env, target);
      cache.set(target.key, pending);
      readBytes += target.size;
    }
    return pending;
  };
  const walk = async (v: JsonValue): Promise<JsonValue | undefined> => {
    if (isDeferred(v)) {
      const d = v as Deferred;
      let whole: JsonValue | undefined;
      const target = targetOf(d);
      if (target) {
        refs++;
        whole = await read(target);
      } else {
        const parts = (await Promise.all(partsOf(d).map(walk))).filter((p): p is JsonValue => p !== undefined);
        whole = joinParts(parts);
      }
      for (const stage of stagesOf(d)) whole = whole === undefined ? undefined : applyStage(whole, stage);
      return whole;
    }
    if (Array.isArray(v)) return (await Promise.all(v.map(walk))).map((x) => x ?? null);
    if (v !== null && typeof v === "object") {
      const entries = await Promise.all(Object.entries(v).map(async ([k, x]) => [k, await walk(x)] as const));
      return Object.fromEntries(entries.filter((e): e is readonly [string, JsonValue] => e[1] !== undefined));
    }
    return v;
  };
  return { value: await walk(value), readBytes, refs };
}
