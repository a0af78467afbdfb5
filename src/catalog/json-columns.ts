import * as v from "valibot";

/**
 * Reads a JSON text column back through a schema (STYLE: validation at every boundary, JSON
 * columns included). A row that fails is a bug in whatever wrote it, so this throws.
 */
export function readJsonColumn<S extends v.GenericSchema>(schema: S, text: string | null, column: string): v.InferOutput<S> {
  const parsed = v.safeParse(schema, text === null ? null : JSON.parse(text));
  if (!parsed.success) throw new Error(`column ${column} holds invalid JSON: ${parsed.issues[0]?.message ?? "unknown"}`);
  return parsed.output;
}
