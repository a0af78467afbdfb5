import * as v from "valibot";
import type { FieldIssue } from "../contracts/errors";
import { AppError } from "../lib/errors";
import { BODY_JSON_LIMITS, checkJsonBounds, type JsonLimits } from "../lib/json-bounds";
import { readCapped } from "../lib/read-capped";

/** Where a value came from (an HTTP part, or a worker's input or output), the first segment of every error path (`body.email`). */
export type InputPart = "body" | "query" | "params" | "input" | "output" | "handshake";

/** One problem with the input: the dotted field path and what rule it broke. */
export type { FieldIssue } from "../contracts/errors";

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

/**
 * Validates `input` against `schema` and returns the typed output, or throws 422
 * `validation_failed` whose message names the first field and rule and whose details list all.
 */
export function parseInput<S extends v.GenericSchema>(part: InputPart, schema: S, input: unknown): v.InferOutput<S> {
  // valibot's object schemas accept arrays (typeof [] is "object"); a JSON array is never an object here.
  if (Array.isArray(input) && expectsObject(schema)) {
    throw new AppError("validation_failed", `${part}: must be a JSON object, not an array`, {
      issues: [{ field: part, rule: "object", message: "must be a JSON object, not an array" }],
    });
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
 * Reads a JSON body (undefined when empty), refusing more than `maxBytes` (413) even when Content-Length is absent or
 * lies, a content type other than JSON (415), and text that is not JSON (400 `invalid_json`).
 */
export async function readJsonBody(request: Request, maxBytes: number): Promise<unknown> {
  const type = request.headers.get("Content-Type");
  if (type !== null && !/^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i.test(type)) {
    throw new AppError("unsupported_media_type", `body must be JSON: send 'Content-Type: application/json' (got '${type.slice(0, 80)}')`);
  }
  const text = await readTextCapped(request, maxBytes);
  // No body at all: the route's schema decides whether that is allowed ("body: is required").
  if (text.trim() === "") return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    const reason = error instanceof SyntaxError ? error.message : "unparseable";
    throw new AppError("invalid_json", `body: malformed JSON (${reason})`);
  }
  // Bounded before any schema or handler walks it.
  const violation = checkJsonBounds(value, BODY_JSON_LIMITS);
  if (violation) throw boundsError(`body${violation.at}`, violation.rule, violation.message);
  return value;
}

/** The 422 for a JSON value past its limits, naming the field and the limit. */
function boundsError(field: string, rule: string, message: string): AppError {
  return new AppError("validation_failed", `${field}: ${message}`, { issues: [{ field, rule, message }] });
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

async function readTextCapped(request: Request, maxBytes: number): Promise<string> {
  // Read to its end (up to 16 × the limit) before the 413: see readCapped.
  const bytes = await readCapped(request.body, maxBytes, maxBytes * 16);
  if (bytes === null) throw tooLarge(maxBytes);
  try {
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    throw new AppError("invalid_json", "body: not valid UTF-8");
  }
}

/** The 413 for a body over the limit. */
export function tooLarge(maxBytes: number): AppError {
  return new AppError("payload_too_large", `body is larger than the ${maxBytes}-byte limit`, { max_bytes: maxBytes });
}
