import * as v from "valibot";
import type { FieldIssue } from "../contracts/errors";
import { AppError } from "./errors";
import { checkJsonBounds, type JsonLimits } from "./json-bounds";

/**
 * Validation with valibot that names what is wrong: the field (`body.address.city`,
 * `input.feed_urls[0]`) and the rule. Used at every trust boundary: the router's bodies, queries
 * and params, and the worker harness's handshakes, inputs and outputs.
 */

/** Where a value came from (an HTTP part, or a worker's input or output), the first segment of every error path (`body.email`). */
export type InputPart = "body" | "query" | "params" | "input" | "output" | "handshake";

/** Dotted path of an issue (`body.address.city`, `body.tags[2]`). */
function issuePath(part: InputPart, issue: v.BaseIssue<unknown>): string {
  let path: string = part;
  for (const item of issue.path ?? []) {
    const key = item.key;
    path += typeof key === "number" ? `[${key}]` : `.${String(key)}`;
  }
  return path;
}

/** A message that names the rule and, for unknown fields, what is allowed instead. */
function describe(issue: v.BaseIssue<unknown>, schema: v.GenericSchema): string {
  if (issue.type === "strict_object" && issue.expected === "never") {
    const entries = (schema as { entries?: Record<string, unknown> }).entries;
    if (!entries || (issue.path?.length ?? 0) !== 1) return "unknown field";
    const names = Object.keys(entries);
    return names.length > 0 ? `unknown field (allowed: ${names.join(", ")})` : "unknown field (none are accepted here)";
  }
  if (issue.received === "undefined") return "is required";
  // A choice declared without its own message: the library's "Invalid type: Expected ("a" | "b") …" said plainly.
  if ((issue.type === "picklist" || issue.type === "enum") && issue.message.startsWith("Invalid ")) {
    return `must be one of ${issue.expected?.replace(/^\(|\)$/g, "").split(" | ").map((o) => o.replace(/^"|"$/g, "")).join(", ")}`;
  }
  return issue.message;
}

const OBJECT_TYPES = new Set(["object", "strict_object", "loose_object", "object_with_rest"]);

/** True when the schema (or the schema an optional/nullable wraps) describes a JSON object. */
function expectsObject(schema: v.GenericSchema): boolean {
  const wrapped = (schema as { wrapped?: v.GenericSchema }).wrapped;
  return OBJECT_TYPES.has(schema.type) || (wrapped !== undefined && expectsObject(wrapped));
}

/** The 422 for one field: its message names the field, its details the field, the rule and the message. */
export function fieldError(field: string, rule: string, message: string): AppError {
  return new AppError("validation_failed", `${field}: ${message}`, { issues: [{ field, rule, message }] });
}

/**
 * Validates `input` against `schema` and returns the typed output, or throws 422
 * `validation_failed` whose message names the first field and rule and whose details list all.
 */
export function parseInput<S extends v.GenericSchema>(part: InputPart, schema: S, input: unknown): v.InferOutput<S> {
  // valibot's object schemas accept arrays (typeof [] is "object"); a JSON array is never an object here.
  if (Array.isArray(input) && expectsObject(schema)) {
    throw fieldError(part, "object", "must be a JSON object, not an array");
  }
  const result = v.safeParse(schema, input);
  if (result.success) return result.output;
  const issues: FieldIssue[] = result.issues.map((issue) => ({
    field: issuePath(part, issue),
    rule: issue.type,
    message: describe(issue, schema),
  }));
  const first = issues[0]!;
  const more = issues.length > 1 ? ` (and ${issues.length - 1} more problem${issues.length > 2 ? "s" : ""})` : "";
  throw new AppError("validation_failed", `${first.field}: ${first.message}${more}`, { issues });
}

/**
 * A free-form JSON value (a parameter map, a worker's input) within `limits`: its depth, its
 * keys in all and (when set) its size as JSON. The message names the limit and where inside the
 * value it was passed.
 */
export function boundedJson<S extends v.GenericSchema>(schema: S, limits: JsonLimits) {
  return v.pipe(schema, v.check((value) => checkJsonBounds(value, limits) === null, (issue) => {
    const violation = checkJsonBounds(issue.input, limits);
    return violation ? `${violation.message}${violation.at ? ` (at ${violation.at})` : ""}` : "is out of bounds";
  }));
}
