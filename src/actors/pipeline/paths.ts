import type { JsonObject, JsonValue } from "../../lib/json";
import { defer, isDeferred, type Deferred } from "../../storage/ref-marker";

/**
 * The one small path syntax of templates, for input mapping, output mapping and conditions:
 *
 *   $.inputs.topic                       a pipeline input
 *   $.steps.librarian.sources_count      a field of an earlier step's output
 *   $.steps.librarian.sources[*].url     the field of every element of an array
 *   $.context.sources                    a value an earlier step's output mapping stored
 *   $.costs.total_micros                 what the run has cost so far ($.costs.steps.<id> per step)
 *   a,b                                  both paths' values, concatenated when arrays
 *   =brief                               a literal string
 *
 * A path into an output mapping is relative to that output: `sources`, `report.title`.
 * Missing values resolve to undefined (the field is then left out of the worker's input).
 *
 * Large step outputs are stored and referenced (`{"$ref": ...}`, see storage/ref-marker.ts). A
 * path that reaches a reference does not read it: the rest of the path travels with it as a
 * stage (`$.steps.fetcher.articles[*].url` gives the articles' reference with
 * `$path: ["[*].url"]`), and `a,b` with a deferred part gives `{"$concat": [a, b]}`; the worker
 * reads both. `length` of a referenced array is its item count, known without reading it.
 */
export function resolvePath(path: string, root: JsonValue): JsonValue | undefined {
  if (path.startsWith("=")) return path.slice(1);
  if (path.includes(",")) {
    const parts = path.split(",").map((p) => resolvePath(p.trim(), root)).filter((v): v is JsonValue => v !== undefined);
    // A deferred part is joined by whoever reads it (the same `joinParts`), not here.
    return parts.some(isDeferred) ? { $concat: parts } : joinParts(parts);
  }
  const segments = (path.startsWith("$.") ? path.slice(2) : path).split(".").filter((s) => s.length > 0);
  return walk(root, segments);
}

/** The value of `a,b`: the parts' arrays concatenated when all are arrays, else the first part (undefined for none). */
export function joinParts(parts: readonly JsonValue[]): JsonValue | undefined {
  if (parts.length === 0) return undefined;
  return parts.every(Array.isArray) ? parts.flat() : parts[0];
}

/** Applies one path stage (`[*].url`, `0.title`, `length`) to a value: what a deferred value's `$path` holds. */
export function applyStage(value: JsonValue, stage: string): JsonValue | undefined {
  return walk(value, stage.split(".").filter((s) => s.length > 0));
}

function walk(value: JsonValue | undefined, segments: string[]): JsonValue | undefined {
  if (segments.length === 0 || value === undefined) return value;
  if (isDeferred(value)) return defer(value as Deferred, segments);
  const [head, ...rest] = segments as [string, ...string[]];
  const spread = head.endsWith("[*]");
  const name = spread ? head.slice(0, -3) : head;
  const next = name === "" ? value : field(value, name);
  if (!spread) return walk(next, rest);
  if (isDeferred(next)) return defer(next as Deferred, ["[*]", ...rest]);
  if (!Array.isArray(next)) return undefined;
  return next.map((item) => walk(item, rest)).filter((v): v is JsonValue => v !== undefined);
}

function field(value: JsonValue, name: string): JsonValue | undefined {
  if (value === null || typeof value !== "object") return undefined;
  if (Array.isArray(value)) return /^\d+$/.test(name) ? value[Number(name)] : name === "length" ? value.length : undefined;
  return value[name];
}

/** A condition on earlier outputs: compare the value at `path` with `value`. */
export interface Condition { path: string; op: "lt" | "lte" | "gt" | "gte" | "eq" | "ne" | "exists"; value?: JsonValue }

/** Evaluates a condition; a missing value satisfies only `ne` (and fails `exists`). */
export function holds(condition: Condition, root: JsonObject): boolean {
  const actual = resolvePath(condition.path, root);
  if (condition.op === "exists") return actual !== undefined && actual !== null;
  if (condition.op === "ne") return JSON.stringify(actual) !== JSON.stringify(condition.value);
  if (condition.op === "eq") return JSON.stringify(actual) === JSON.stringify(condition.value);
  if (typeof actual !== "number" || typeof condition.value !== "number") return false;
  switch (condition.op) {
    case "lt": return actual < condition.value;
    case "lte": return actual <= condition.value;
    case "gt": return actual > condition.value;
    case "gte": return actual >= condition.value;
  }
}

/** Builds a worker's input from its mapping; unresolved fields are left out. */
export function mapInput(mapping: Record<string, string>, root: JsonObject): JsonObject {
  const input: JsonObject = {};
  for (const [field, path] of Object.entries(mapping)) {
    const value = resolvePath(path, root);
    if (value !== undefined) input[field] = value;
  }
  return input;
}
