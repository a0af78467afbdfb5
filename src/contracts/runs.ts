import * as v from "valibot";
import { Micros } from "./money";
import { Tiers, Urgencies } from "../catalog/tiers";
import { PARAMETER_JSON_LIMITS } from "../lib/json-bounds";
import { PipelineSummarySchema } from "../actors/pipeline/protocol";
import { IdString, Text } from "../router/schemas";
import { boundedJson } from "../lib/validate";

/** A template's parameter values: lower_snake_case names, small JSON documents. */
export const ParameterMap = boundedJson(
  v.record(v.pipe(v.string(), v.regex(/^[a-z][a-z0-9_]{0,49}$/, "parameter names are lower_snake_case")), v.unknown()), PARAMETER_JSON_LIMITS,
);

/** `POST /orchestrate`: the seed's OrchestrationRequest (KAM → orchestrator). */
export const OrchestrationRequest = v.strictObject({
  pipeline_template: v.pipe(IdString, v.description("The template to run (GET /templates lists those open to the client's tier)."), v.examples(["research_report"])),
  topic: v.pipe(Text(3, 200), v.description("What the run is about."), v.examples(["energy storage"])),
  client_id: v.optional(v.pipe(IdString, v.description("Whose run it is: staff and workers name the client; a client runs for itself."))),
  request_id: v.optional(v.pipe(IdString, v.description("A pending request this run serves; it then follows the run to its end."))),
  urgency: v.optional(v.pipe(v.picklist(Urgencies, `must be one of ${Urgencies.join(", ")}`), v.description("Queue priority at the worker pools.")), "medium"),
  quality_level: v.optional(v.pipe(v.picklist(Tiers, `must be one of ${Tiers.join(", ")}`), v.description("The seed's quality level, passed to templates that declare it."))),
  optimize_for: v.optional(v.pipe(v.picklist(["speed", "cost", "quality", "balanced"], "must be one of speed, cost, quality, balanced"), v.description("The seed's optimisation hint, passed to templates that declare it."))),
  budget_limit: v.optional(v.pipe(v.number(), v.minValue(0, "must be at least 0"), v.maxValue(1_000_000, "must be at most 1000000 (USD)"), v.description("The most this run may cost, in USD; it stops with budget_exceeded past it."))),
  source_discovery_depth: v.optional(v.pipe(v.number(), v.integer("must be a whole number"), v.minValue(1, "must be at least 1"), v.maxValue(5, "must be at most 5"), v.description("How far the topic researcher looks for new sources (1-5)."))),
  max_articles: v.optional(v.pipe(v.number(), v.integer("must be a whole number"), v.minValue(1, "must be at least 1"), v.maxValue(1000, "must be at most 1000"), v.description("The most articles the run reads."))),
  deadline_ms: v.optional(v.pipe(v.number(), v.integer("must be a whole number"), v.minValue(1_000, "must be at least 1000"), v.maxValue(86_400_000, "must be at most 86400000 (a day)"), v.description("Milliseconds from now by which the run must end; it fails with deadline_exceeded after."))),
  max_wait_ms: v.optional(v.pipe(v.number(), v.integer("must be a whole number"), v.minValue(0, "must be at least 0"), v.maxValue(3_600_000, "must be at most 3600000 (an hour)"), v.description("How long a step may wait in a pool's queue for capacity.")), 600_000),
  template_parameters: v.optional(v.pipe(ParameterMap, v.description("The template's parameters (GET /templates/:name lists them, with what the tier may change)."), v.examples([{}]))),
});
export type OrchestrationInput = v.InferInput<typeof OrchestrationRequest>;

/** `POST /economy/estimate`: a template and the parameters to estimate it with. */
export const EstimateBody = v.strictObject({
  template_name: IdString,
  parameters: v.optional(boundedJson(v.record(v.string(), v.unknown()), PARAMETER_JSON_LIMITS), {}),
  client_id: v.optional(IdString),
});
export type EstimateInput = v.InferInput<typeof EstimateBody>;

/** What an estimate stands on: the registry's figures, a little history, or enough history. */
export const EstimateBases = ["registry", "thin_history", "history"] as const;

/** A run's estimate in a start response: cost (USD) and duration with their intervals, and what it stands on. */
export const EstimateSummarySchema = v.object({
  cost_usd: v.number(), cost_interval_usd: v.array(v.number()), duration_ms: v.number(), duration_interval_ms: v.array(v.number()),
  confidence_level: v.number(), basis: v.picklist(EstimateBases), history_runs: v.number(),
});
export type EstimateSummary = v.InferOutput<typeof EstimateSummarySchema>;

/** A pipeline as the seed's OrchestrationResponse shows it. */
export const OrchestrationPipelineSchema = v.object({
  id: v.string(), status: PipelineSummarySchema.entries.status, reason: v.nullable(v.string()), notes: v.array(v.string()),
  started_at: v.string(), finished_at: v.nullable(v.string()), cost_usd: v.number(),
  transfer: v.object({ bytes_through_actor: v.number(), payload_bytes: v.number() }), steps: PipelineSummarySchema.entries.steps,
});

/** `GET /pipeline/:id` (the seed's OrchestrationResponse): the pipeline's status, steps and cost. */
export const OrchestrationResponseSchema = v.object({ status: v.literal("ok"), pipeline: OrchestrationPipelineSchema });
export type OrchestrationResponse = v.InferOutput<typeof OrchestrationResponseSchema>;

/** `POST /orchestrate`'s answer (202, Location: /pipeline/:id): the pipeline started and its estimate. */
export const OrchestrationStartedSchema = v.object({
  status: v.literal("ok"), pipeline: OrchestrationPipelineSchema, estimate: EstimateSummarySchema,
});
export type OrchestrationStarted = v.InferOutput<typeof OrchestrationStartedSchema>;

/** The seed's budget check: whether the ledger can hold the run's upper bound now (USD and micro-USD). */
export const BudgetCheckSchema = v.object({
  approved: v.boolean(), remaining_budget: v.number(), estimated_cost: v.number(), remaining_micros: Micros, estimated_micros: Micros,
  needed_cost: v.number(), needed_micros: Micros,
});

/** One step's share of an estimate (the seed's worker_costs). */
export const WorkerCostSchema = v.object({
  worker: v.string(), estimated_cost: v.number(), estimated_cost_micros: v.number(), execution_time_ms: v.number(),
  input_units: v.nullable(v.number()), unit: v.nullable(v.string()), units_from: v.picklist(["parameters", "history", "unknown"]),
  extrapolated: v.boolean(), run_probability: v.number(), basis: v.picklist(EstimateBases), samples: v.number(),
});

/** `POST /economy/estimate`'s answer: expected cost and duration with 90 % intervals, per step, the template's history and the budget check. */
export const EstimateResponseSchema = v.object({
  /** What the client should know before starting (a topic no catalogued source covers). */
  warnings: v.array(v.string()),
  template_name: v.string(), client_id: v.string(), input_parameters: v.record(v.string(), v.unknown()),
  historical_executions: v.number(), avg_cost_usd: v.nullable(v.number()), avg_execution_time_ms: v.nullable(v.number()), success_rate: v.nullable(v.number()),
  estimated_cost_usd: v.number(), estimated_cost_micros: v.number(), estimated_duration_ms: v.number(),
  confidence_interval: v.object({ min_cost: v.number(), max_cost: v.number(), confidence_level: v.number() }),
  duration_interval: v.object({ min_ms: v.number(), max_ms: v.number(), confidence_level: v.number() }),
  worker_costs: v.record(v.string(), WorkerCostSchema),
  basis: v.picklist(EstimateBases), history_runs: v.number(),
  calibration: v.object({ cost_factor: v.number(), duration_factor: v.number(), runs: v.number() }),
  raw: v.object({ cost_micros: Micros, duration_ms: v.number() }),
  budget_check: BudgetCheckSchema,
});
export type EstimateResponse = v.InferOutput<typeof EstimateResponseSchema>;

/** A 402 `insufficient_budget` answer's details: what the ledger has and what the run would hold. */
export const InsufficientBudgetDetailsSchema = v.object({
  available_usd: v.number(), needed_usd: v.number(), available_micros: Micros, needed_micros: Micros,
});
export type InsufficientBudgetDetails = v.InferOutput<typeof InsufficientBudgetDetailsSchema>;

/** Pipeline run states in the D1 history. */
export const RunStates = ["pending", "processing", "completed", "partial", "failed", "cancelled"] as const;

/** One run in `GET /pipeline-history` (a pipeline_executions row, with its cost in USD). */
export const PipelineRunSchema = v.object({
  pipeline_id: v.string(), template_name: v.string(), client_id: v.string(), request_id: v.nullable(v.string()), topic: v.nullable(v.string()),
  status: v.picklist(RunStates), parameters: v.nullable(v.string()), total_cost_micros: Micros, total_cost_usd: v.number(),
  total_execution_time_ms: v.number(), steps_total: v.number(), steps_succeeded: v.number(), steps_failed: v.number(),
  failure_reason: v.nullable(v.string()), result_ref: v.nullable(v.string()), bytes_through_actor: v.nullable(v.number()),
  payload_bytes: v.nullable(v.number()), created_at: v.string(), started_at: v.nullable(v.string()), completed_at: v.nullable(v.string()),
});
export type PipelineRun = v.InferOutput<typeof PipelineRunSchema>;

/** `GET /pipeline-history`: a page of runs, newest first. */
export const PipelineHistorySchema = v.object({
  pipelines: v.array(PipelineRunSchema), total: v.number(), limit: v.number(), offset: v.number(),
});
export type PipelineHistory = v.InferOutput<typeof PipelineHistorySchema>;
