import type { JsonObject, JsonValue } from "../lib/json";

/**
 * What travels in place of a large value between the PipelineActor and the workers: where the
 * value is stored (KV or R2), its size in bytes, its SHA-256 (checked on read), the number of
 * items when it is an array, and optionally a path selecting part of it (`[*].url`, `title`).
 */
export interface RefTarget { tier: "kv" | "r2"; key: string; size: number; sha256: string; items?: number; path?: string }

/** A value passed by reference: `{ "$ref": { tier, key, size, sha256, items?, path? } }`. */
export interface RefMarker { $ref: RefTarget }

/** Several values concatenated (a template's `a,b` path) where at least one is a reference: `{ "$concat": [...] }`. */
export interface ConcatMarker { $concat: JsonValue[] }

function isObject(value: JsonValue | undefined): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Whether a value is a reference marker (exactly one key, `$ref`, naming a KV or R2 location). */
export function isRef(value: JsonValue | undefined): value is JsonObject & RefMarker {
  if (!isObject(value) || Object.keys(value).length !== 1) return false;
  const target = value.$ref;
  return isObject(target) && (target.tier === "kv" || target.tier === "r2") && typeof target.key === "string"
    && typeof target.size === "number" && typeof target.sha256 === "string";
}

/** Whether a value is a concatenation marker. */
export function isConcat(value: JsonValue | undefined): value is JsonObject & ConcatMarker {
  return isObject(value) && Object.keys(value).length === 1 && Array.isArray(value.$concat);
}

/** A marker for a stored value. */
export function refMarker(target: RefTarget): JsonObject {
  return { $ref: { ...target } as unknown as JsonObject };
}

/**
 * A path that reaches a reference before its end: the rest of the path travels with the
 * reference, and the worker applies it after reading the value. `length` of a whole array is
 * answered at once from its item count, so conditions on sizes need no read.
 */
export function deferRef(marker: RefMarker, segments: readonly string[]): JsonValue {
  const target = marker.$ref;
  if (segments.length === 0) return marker as unknown as JsonObject;
  if (target.path === undefined && segments.length === 1 && segments[0] === "length" && target.items !== undefined) return target.items;
  const path = [...(target.path ? [target.path] : []), ...segments].join(".");
  return refMarker({ ...target, path });
}
