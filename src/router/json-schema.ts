import { toJsonSchema } from "@valibot/to-json-schema";
import type * as v from "valibot";

/**
 * A valibot schema as JSON Schema (draft 2020-12, which OpenAPI 3.1 uses). Inputs are documented
 * as the caller writes them (`typeMode: "input"`: a query's digits before they become a number);
 * answers as they are sent. Checks JSON Schema cannot say (a custom refinement) are left out
 * ("ignore"); the server still applies them.
 */
export function jsonSchemaOf(schema: v.GenericSchema, side: "input" | "output"): Record<string, unknown> {
  // Schemas do not change while an isolate runs: each is converted once per side (callers only serialise the result).
  const cached = converted[side].get(schema);
  if (cached) return cached;
  const out = toJsonSchema(schema, { errorMode: "ignore", typeMode: side, target: "draft-2020-12" }) as Record<string, unknown>;
  delete out.$schema;
  converted[side].set(schema, out);
  return out;
}

const converted = { input: new WeakMap<v.GenericSchema, Record<string, unknown>>(), output: new WeakMap<v.GenericSchema, Record<string, unknown>>() };
