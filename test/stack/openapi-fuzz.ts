/**
 * Inputs generated from the OpenAPI document's JSON Schemas: one valid value per schema (known
 * fixture values where a field names a real object), and invalid variants of every kind a schema
 * can reject: a required field missing, an unknown field, a wrong type, a string too short, too
 * long or off its pattern, a value outside its enum, a number out of range or not whole. Each
 * variant is kept only when a JSON Schema validator agrees it is invalid, so a variant never
 * tests the generator instead of the server.
 */
import { Ajv2020 } from "ajv/dist/2020.js";

export type JsonSchema = Record<string, unknown>;

/** One invalid input: what was broken, where (the dotted field the server must name), and the whole value. */
export interface Variant { label: string; field: string; value: unknown }

/** Field values to use for a name (a real template, a real client), when they fit the schema. */
export type Hints = (name: string) => unknown;

const ajv = new Ajv2020({ strict: false, validateFormats: false, allErrors: false });
const compiled = new WeakMap<object, ReturnType<typeof ajv.compile>>();

/** True when `value` satisfies `schema`. */
export function satisfies(schema: JsonSchema, value: unknown): boolean {
  let check = compiled.get(schema);
  if (!check) { check = ajv.compile(schema); compiled.set(schema, check); }
  return check(value) as boolean;
}

/** The validator's first complaint, for a failure message. */
export function complaint(schema: JsonSchema, value: unknown): string {
  satisfies(schema, value);
  return ajv.errorsText(compiled.get(schema)!.errors);
}

const STRING_CANDIDATES = [
  "fuzz-value-01", "fuzzvalue", "abc", "x", "1", "12345", "2026-12-05", "2026-12-05T00:00:00.000Z", "0123abcd",
  "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", "fuzz@example.com", "https://example.com/feed.xml",
  "USD", "premium", "1-10", "*", "A fuzz test value with several words in it",
];

/** The branches of a schema that is a choice, the non-null first. */
function branches(schema: JsonSchema): JsonSchema[] {
  const list = (schema.anyOf ?? schema.oneOf) as JsonSchema[] | undefined;
  if (!list) return [schema];
  return [...list.filter((b) => b.type !== "null"), ...list.filter((b) => b.type === "null")];
}

function typeOf(schema: JsonSchema): string | undefined {
  const t = schema.type;
  return Array.isArray(t) ? (t.find((x) => x !== "null") as string | undefined) : (t as string | undefined);
}

/** A value that satisfies `schema`, or undefined when none is found. */
export function sample(schema: JsonSchema, name: string, hints: Hints): unknown {
  const hinted = hints(name);
  if (hinted !== undefined && satisfies(schema, hinted)) return hinted;
  for (const branch of branches(schema)) {
    const value = sampleOne(branch, name, hints);
    if (value !== undefined && satisfies(schema, value)) return value;
  }
  return undefined;
}

function sampleOne(schema: JsonSchema, name: string, hints: Hints): unknown {
  if ("const" in schema) return schema.const;
  if (Array.isArray(schema.enum)) return schema.enum[0];
  switch (typeOf(schema)) {
    case "string": {
      if (schema.format === "email") return `fuzz-${Math.random().toString(36).slice(2, 10)}@fuzz.example`;
      if (schema.format === "uri" || schema.format === "url") return "https://example.com/feed.xml";
      if (schema.format === "date-time") return new Date().toISOString();
      const min = Number(schema.minLength ?? 0);
      const max = Number(schema.maxLength ?? 10_000);
      const candidates = [...STRING_CANDIDATES, "x".repeat(Math.max(min, 1))];
      return candidates.find((c) => c.length >= min && c.length <= max && satisfies(schema, c));
    }
    case "integer":
    case "number": {
      const low = Number(schema.minimum ?? (schema.exclusiveMinimum !== undefined ? Number(schema.exclusiveMinimum) + 1 : 1));
      const high = Number(schema.maximum ?? Number.MAX_SAFE_INTEGER);
      return [low, Math.min(high, Math.max(low, 10)), high].find((n) => satisfies(schema, n));
    }
    case "boolean": return true;
    case "null": return null;
    case "array": {
      const items = (schema.items ?? {}) as JsonSchema;
      const count = Number(schema.minItems ?? 0);
      const out: unknown[] = [];
      for (let i = 0; i < count; i++) {
        const item = sample(items, name, hints);
        if (item === undefined) return undefined;
        out.push(item);
      }
      return out;
    }
    case "object":
    default: {
      if (typeOf(schema) !== "object" && !schema.properties) return {};
      const out: Record<string, unknown> = {};
      const properties = (schema.properties ?? {}) as Record<string, JsonSchema>;
      for (const key of (schema.required ?? []) as string[]) {
        const value = sample(properties[key] ?? {}, key, hints);
        if (value === undefined) return undefined;
        out[key] = value;
      }
      // Optional fields a hint names (a topic, a client) are filled in too: closer to a real call.
      for (const [key, property] of Object.entries(properties)) {
        if (key in out) continue;
        const hinted = hints(key);
        if (hinted !== undefined && satisfies(property, hinted)) out[key] = hinted;
      }
      return out;
    }
  }
}

/** Values of the wrong type for a schema (one of them will be). */
const WRONG_TYPES: unknown[] = [12345, "text", true, null, [], { unexpected: 1 }];

/** Invalid values of one field's schema: wrong type and every constraint broken. */
function brokenValues(schema: JsonSchema, stringsOnly: boolean): { label: string; value: unknown }[] {
  const out: { label: string; value: unknown }[] = [];
  if (!stringsOnly) {
    const wrong = WRONG_TYPES.find((w) => !satisfies(schema, w));
    if (wrong !== undefined) out.push({ label: `wrong type (${JSON.stringify(wrong)})`, value: wrong });
  }
  for (const branch of branches(schema)) {
    const t = typeOf(branch);
    if (t === "string") {
      if (typeof branch.minLength === "number" && branch.minLength > 0) out.push({ label: "too short", value: "x".repeat(branch.minLength - 1) });
      if (typeof branch.maxLength === "number") out.push({ label: "too long", value: "x".repeat(branch.maxLength + 1) });
      if (typeof branch.pattern === "string") out.push({ label: "off its pattern", value: "not valid!%" });
      if (Array.isArray(branch.enum)) out.push({ label: "not one of its values", value: "no-such-choice" });
      if ("const" in branch) out.push({ label: "not its constant", value: "no-such-constant" });
    }
    if (t === "integer" || t === "number") {
      if (typeof branch.minimum === "number") out.push({ label: "below its minimum", value: branch.minimum - 1 });
      if (typeof branch.maximum === "number") out.push({ label: "above its maximum", value: branch.maximum + 1 });
      if (t === "integer") out.push({ label: "not whole", value: 1.5 });
    }
    if (t === "array" && typeof branch.maxItems === "number") out.push({ label: "too many items", value: Array.from({ length: branch.maxItems + 1 }, () => 0) });
  }
  return out.filter((b) => !satisfies(schema, b.value));
}

/**
 * Invalid variants of a valid object `base` for the object schema `schema`, at most `limit`:
 * each required field missing, an unknown field (where none is allowed), and each field (one
 * level down into nested objects) broken every way its schema can refuse.
 */
export function invalidVariants(schema: JsonSchema, base: Record<string, unknown>, part: string, options: { stringsOnly?: boolean; noUnknown?: boolean; limit?: number } = {}): Variant[] {
  const out: Variant[] = [];
  const walk = (s: JsonSchema, value: Record<string, unknown>, path: string, depth: number, rebuild: (inner: Record<string, unknown>) => unknown) => {
    const properties = (s.properties ?? {}) as Record<string, JsonSchema>;
    for (const key of (s.required ?? []) as string[]) {
      const { [key]: _dropped, ...rest } = value;
      out.push({ label: `${path}.${key} missing`, field: `${path}.${key}`, value: rebuild(rest) });
    }
    if (s.additionalProperties === false && !options.noUnknown) {
      out.push({ label: `${path}.zz_unknown: an unknown field`, field: `${path}.zz_unknown`, value: rebuild({ ...value, zz_unknown: 1 }) });
    }
    for (const [key, property] of Object.entries(properties)) {
      for (const broken of brokenValues(property, options.stringsOnly ?? false)) {
        out.push({ label: `${path}.${key} ${broken.label}`, field: `${path}.${key}`, value: rebuild({ ...value, [key]: broken.value }) });
      }
      const inner = value[key];
      if (depth < 2 && inner && typeof inner === "object" && !Array.isArray(inner) && property.properties) {
        walk(property, inner as Record<string, unknown>, `${path}.${key}`, depth + 1, (changed) => rebuild({ ...value, [key]: changed }));
      }
    }
  };
  walk(schema, base, part, 0, (inner) => inner);
  return out.filter((variant) => !satisfies(schema, variant.value)).slice(0, options.limit ?? 60);
}
