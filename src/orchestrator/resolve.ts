import * as v from "valibot";
import type { PipelineSpec, StepSpec } from "../actors/pipeline";
import { readJsonColumn } from "../catalog/json-columns";
import type { JsonObject, JsonValue } from "../lib/json";

/** Retry policy when a step names none: 3 attempts, 500 ms base, 10 s cap. */
export const DEFAULT_RETRY = { maxAttempts: 3, baseMs: 500, capMs: 10_000 };

interface StepRow {
  step_id: string; step_order: number; worker_name: string; depends_on: string; input_mapping: string; output_mapping: string;
  condition: string | null; fallback_workers: string; is_optional: number; timeout_ms: number | null; retry_policy: string | null;
}
interface WorkerRow { worker_name: string; kind: "builtin" | "external"; binding: string | null; endpoint: string | null; cost_per_execution_micros: number; timeout_ms: number; is_active: number }

const ConditionSchema = v.nullable(v.object({
  path: v.string(), op: v.picklist(["lt", "lte", "gt", "gte", "eq", "ne", "exists"]), value: v.optional(v.unknown()),
}));
const RetrySchema = v.nullable(v.object({ max_attempts: v.number(), base_ms: v.number(), cap_ms: v.number() }));
const StringList = v.array(v.string());
const StringMap = v.record(v.string(), v.string());

/** What is needed to start a pipeline, besides the template. */
export interface RunRequest {
  pipelineId: string; templateName: string; clientId: string; requestId: string | null; priority: number;
  budgetLimitMicros: number | null; deadlineAt: number | null; maxWaitMs: number; inputs: JsonObject;
}

/**
 * Reads a template's steps and their workers from D1 and resolves them into a PipelineSpec:
 * workers (primary and fallbacks) with their entrypoints, timeouts, retry policy and the
 * per-attempt cost estimate held at the ledger. Null when the template does not exist or is
 * inactive; throws for a template whose workers are missing (a catalog bug).
 */
export async function resolveSpec(db: D1Database, run: RunRequest): Promise<PipelineSpec | null> {
  // One round trip: an inactive or unknown template has no steps here.
  const [stepRows, workerRows] = await db.batch([
    db.prepare(`SELECT s.* FROM pipeline_steps s JOIN pipeline_templates t ON t.name = s.template_name AND t.is_active = 1
      WHERE s.template_name = ? ORDER BY s.step_order`).bind(run.templateName),
    db.prepare(`SELECT * FROM worker_registry WHERE is_active = 1`),
  ]);
  const steps = stepRows!.results as StepRow[];
  if (steps.length === 0) return null;
  const workers = workerRows!.results as WorkerRow[];
  const byName = new Map(workers.map((w) => [w.worker_name, w]));
  const resolved: StepSpec[] = steps.map((row) => {
    const names = [row.worker_name, ...readJsonColumn(StringList, row.fallback_workers, "pipeline_steps.fallback_workers")];
    const chain = names.map((name) => {
      const w = byName.get(name);
      if (!w) throw new Error(`template '${run.templateName}' step '${row.step_id}' names unknown or inactive worker '${name}'`);
      return w;
    });
    const primary = chain[0]!;
    const retry = readJsonColumn(RetrySchema, row.retry_policy, "pipeline_steps.retry_policy");
    const condition = readJsonColumn(ConditionSchema, row.condition, "pipeline_steps.condition");
    return {
      id: row.step_id,
      workers: chain.map((w) => ({ name: w.worker_name, binding: w.binding ?? `external:${w.endpoint}`, baseCostMicros: w.cost_per_execution_micros })),
      dependsOn: readJsonColumn(StringList, row.depends_on, "pipeline_steps.depends_on"),
      input: readJsonColumn(StringMap, row.input_mapping, "pipeline_steps.input_mapping"),
      output: readJsonColumn(StringMap, row.output_mapping, "pipeline_steps.output_mapping"),
      condition: condition ? { path: condition.path, op: condition.op, ...(condition.value !== undefined ? { value: condition.value as JsonValue } : {}) } : null,
      optional: row.is_optional === 1,
      timeoutMs: row.timeout_ms ?? primary.timeout_ms,
      retry: retry ? { maxAttempts: retry.max_attempts, baseMs: retry.base_ms, capMs: retry.cap_ms } : DEFAULT_RETRY,
      estimateMicros: Math.max(...chain.map((w) => w.cost_per_execution_micros)),
    };
  });
  return { ...run, steps: resolved };
}
