import { isJsonObject, type JsonObject, type JsonValue } from "../lib/json";

/**
 * Where a large value is stored (KV or R2): its key, size in bytes, SHA-256 (checked on read),
 * and its number of items when it is an array.
 */
export interface RefTarget { tier: "kv" | "r2"; key: string; size: number; sha256: string; items?: number }

/**
 * A value the actor passes without reading it:
 *
 * - `{"$ref": RefTarget}`: a stored value;
 * - `{"$concat": [...]}`: a template's `a,b` where a part is itself deferred;
 *
 * either with `"$path": [...]`, path stages applied one after the other once the value is read
 * (`$.steps.fetcher.articles[*].url` gives the articles' reference with `$path: ["[*].url"]`; a
 * later `.length` on that adds a stage, exactly as it would on the value itself).
 */
export type Deferred = JsonObject;

/** The stored value a deferred value names, or null for a `$concat`. */
export function targetOf(d: Deferred): RefTarget | null {
  return "$ref" in d ? (d.$ref as unknown as RefTarget) : null;
}

/** The parts of a `$concat` (empty for a `$ref`). */
export function partsOf(d: Deferred): JsonValue[] {
  return Array.isArray(d.$concat) ? d.$concat : [];
}

/** The path stages to apply once the value is read. */
export function stagesOf(d: Deferred): string[] {
  return Array.isArray(d.$path) ? (d.$path as string[]) : [];
}

function isTarget(t: JsonValue | undefined): boolean {
  return isJsonObject(t) && (t.tier === "kv" || t.tier === "r2") && typeof t.key === "string" && typeof t.size === "number"
    && typeof t.sha256 === "string" && (t.items === undefined || typeof t.items === "number");
}

/** Whether a value is a deferred marker: `$ref` or `$concat`, with at most a well-formed `$path` besides. */
export function isDeferred(value: JsonValue | undefined): boolean {
  if (!isJsonObject(value)) return false;
  const keys = Object.keys(value);
  const path = value.$path;
  if (path !== undefined && !(Array.isArray(path) && path.every((p) => typeof p === "string"))) return false;
  if (keys.length !== (path === undefined ? 1 : 2)) return false;
  return ("$ref" in value && isTarget(value.$ref)) || ("$concat" in value && Array.isArray(value.$concat));
}

/** Whether a value holds any deferred value (a quick check before resolving). */
export function hasRefs(value: JsonValue): boolean {
  if (isDeferred(value)) return true;
  if (Array.isArray(value)) return value.some(hasRefs);
  if (value !== null && typeof value === "object") return Object.values(value).some(hasRefs);
  return false;
}

/** A marker for a stored value. */
export function refMarker(target: RefTarget): JsonObject {
  return { $ref: { ...target } as unknown as JsonObject };
}

/** The item count of a deferred value known without reading it, or undefined. */
function countOf(value: JsonValue): number | undefined {
  if (Array.isArray(value)) return value.length;
  if (!isDeferred(value) || (value as Deferred).$path !== undefined) return undefined;
  const target = targetOf(value as Deferred);
  if (target) return target.items;
  let n = 0;
  for (const part of partsOf(value as Deferred)) {
    const c = countOf(part);
    if (c === undefined) return undefined;
    n += c;
  }
  return n;
}

/**
 * A path that reaches a deferred value before its end: the rest of the path becomes one more
 * stage of it, applied by the worker after reading. `length` of a whole array is answered at
 * once from its item count, so conditions on sizes need no read.
 */
export function defer(marker: Deferred, segments: readonly string[]): JsonValue {
  if (segments.length === 0) return marker;
  if (segments.length === 1 && segments[0] === "length") {
    const count = countOf(marker);
    if (count !== undefined) return count;
  }
  return { ...marker, $path: [...stagesOf(marker), segments.join(".")] };
}
