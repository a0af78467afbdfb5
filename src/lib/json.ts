/**
 * A JSON value: what crosses RPC and WebSocket boundaries as data (never `unknown`). Declared
 * through interfaces so TypeScript expands it lazily (a type-alias recursion makes the RPC stub
 * types "excessively deep").
 */
export type JsonValue = string | number | boolean | null | JsonArray | JsonObject;
/** A JSON object. */
export interface JsonObject { [key: string]: JsonValue }
/** A JSON array. */
export interface JsonArray extends Array<JsonValue> {}

/** Whether a JSON value is an object (not null, not an array). */
export function isJsonObject(value: JsonValue | undefined): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
