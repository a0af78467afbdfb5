import { toJsonSchema } from "@valibot/to-json-schema";
import * as v from "valibot";

/** The JSON Schema of a task's answer, shown to a model so it knows the exact shape wanted. */
export function answerSchemaText(schema: v.GenericSchema): string {
  return JSON.stringify(toJsonSchema(schema, { errorMode: "ignore" }));
}

/** Instructions appended to every task's system prompt for a model. */
export function jsonInstructions(schema: v.GenericSchema): string {
  return `Answer with one JSON object only, no prose and no code fences. It must match this JSON Schema: ${answerSchemaText(schema)}`;
}

/** A model's text read as the task's answer: the value, or what is wrong with it (for the repair round). */
export function readAnswer<T>(schema: v.GenericSchema<unknown, T>, text: string): { ok: true; value: T } | { ok: false; problem: string } {
  let parsed: unknown;
  try {
    // Tolerate a fenced block: some models wrap JSON in ```json ... ``` despite instructions.
    parsed = JSON.parse(text.trim().replace(/^```(?:json)?\s*/i, "").replace(/\s*```$/, ""));
  } catch {
    return { ok: false, problem: "the answer was not valid JSON" };
  }
  const result = v.safeParse(schema, parsed);
  if (result.success) return { ok: true, value: result.output };
  const issue = result.issues[0]!;
  const path = (issue.path ?? []).map((p) => String(p.key)).join(".") || "(root)";
  return { ok: false, problem: `the JSON did not match the schema at ${path}: ${issue.message}` };
}
