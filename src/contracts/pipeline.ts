import * as v from "valibot";
import { Micros } from "./money";
import { PipelineStatuses, StepStatuses } from "../actors/pipeline/statuses";

const Json = v.unknown();

/** `GET /pipeline/:id/steps/:step`: one step's input, output and attempts (stored values read back). */
export const StepDetailSchema = v.object({
  step_id: v.string(),
  status: v.picklist(StepStatuses),
  /** What the step's worker gets (null before its dependencies are done, or when it was skipped). */
  input: v.nullable(Json),
  /** What the worker answered (null before it succeeded). */
  output: v.nullable(Json),
  attempts: v.array(v.object({
    attempt: v.number(), worker: v.string(), success: v.boolean(), cost_micros: Micros, duration_ms: v.number(),
    error: v.nullable(v.object({ code: v.string(), message: v.string() })), started_at: v.number(), finished_at: v.number(),
  })),
  /** Stored values that could not be read back (expired, altered), by part. */
  unavailable: v.optional(v.array(v.object({ field: v.string(), code: v.string() }))),
});
export type StepDetail = v.InferOutput<typeof StepDetailSchema>;

/** `GET /pipeline/:id/result`: what the run produced (the context its steps' output mappings filled), with status and costs. */
export const RunResultSchema = v.object({
  pipeline_id: v.string(), status: v.picklist(PipelineStatuses), reason: v.nullable(v.string()), cost_micros: Micros, cost_usd: v.number(),
  finished_at: v.nullable(v.number()),
  context: v.record(v.string(), Json),
  step_costs: v.record(v.string(), v.number()),
  /** Stored values that could not be read back (expired, altered). */
  unavailable: v.optional(v.array(v.object({ field: v.string(), code: v.string() }))),
});
export type RunResult = v.InferOutput<typeof RunResultSchema>;
