import * as v from "valibot";
import { WorkerErrorSchema as WorkerContractErrorSchema } from "../workers/contract";
import { Micros } from "./money";

/**
 * The answers of the built-in workers' own HTTP surface (`/workers/:name/…`), in the seed's
 * worker pattern: health, help, ExecuteResponse, templates, statistics and economy.
 */

const Json = v.unknown();
const JsonRecord = v.record(v.string(), Json);

/** `GET /workers`. */
export const WorkerListSchema = v.object({
  workers: v.array(v.object({ name: v.string(), display_name: v.string(), description: v.string(), version: v.string(), next: v.array(v.string()) })),
});

/** `GET /workers/:name`: the basic health check. */
export const WorkerPingSchema = v.object({ status: v.literal("healthy"), service: v.string(), version: v.string(), timestamp: v.string() });

/** `GET /workers/:name/health`: 200 healthy or 503 degraded. */
export const WorkerHealthSchema = v.object({
  status: v.picklist(["healthy", "degraded"]), service: v.string(), version: v.string(),
  checks: v.object({ database: v.boolean(), kv: v.boolean(), ai_chain: v.boolean() }),
  capabilities: JsonRecord, timestamp: v.string(),
});
export type WorkerHealth = v.InferOutput<typeof WorkerHealthSchema>;

/** `GET /workers/:name/help`: what the worker does, with the JSON Schemas of its input and output. */
export const WorkerHelpSchema = v.object({
  name: v.string(), display_name: v.string(), description: v.string(), version: v.string(),
  worker_chain: v.object({ current: v.string(), next: v.array(v.string()) }), capabilities: JsonRecord,
  input_schema: JsonRecord, output_schema: JsonRecord,
  limits: v.object({ timeout_ms: v.number(), max_concurrent: v.number(), base_cost_micros: Micros }),
  templates: v.array(v.string()), endpoints: v.array(v.string()),
});

/** A worker failure as the harness reports it: retry (transient), retry later (retry_after) or never (fatal). The worker contract's own schema. */
export const WorkerErrorSchema = WorkerContractErrorSchema;

const ExecuteCommon = {
  duration: v.number(), cost: v.number(), cost_micros: Micros, metadata: JsonRecord,
  usage: v.object({ tokens: v.object({ input: v.number(), output: v.number() }) }),
};

/**
 * `POST /workers/:name/api/execute` (the seed's ExecuteResponse): the output on success (200);
 * on failure the same envelope with `success: false` and the error (422 fatal, 429 busy, 503 transient).
 */
export const ExecuteResponseSchema = v.variant("success", [
  v.object({ success: v.literal(true), output: v.looseObject({ readyForNext: v.unknown() }), ...ExecuteCommon }),
  v.object({ success: v.literal(false), error: WorkerErrorSchema, ...ExecuteCommon }),
]);
export type ExecuteResponse = v.InferOutput<typeof ExecuteResponseSchema>;

/** A worker's own template: a named parameter preset. */
export const WorkerTemplateSchema = v.object({ name: v.string(), description: v.string(), parameters: JsonRecord });

/** `GET /workers/:name/api/templates`. */
export const WorkerTemplatesSchema = v.object({ worker: v.string(), templates: v.array(WorkerTemplateSchema) });

/** `GET /workers/:name/api/templates/:template`. */
export const WorkerTemplateAnswerSchema = v.object({ worker: v.string(), template: WorkerTemplateSchema });

/** A worker's execution statistics from pipeline history. */
export const WorkerStatsSchema = v.object({
  executions: v.number(), succeeded: v.number(), failed: v.number(), success_rate: v.nullable(v.number()),
  avg_execution_time_ms: v.nullable(v.number()), p95_execution_time_ms: v.nullable(v.number()),
  total_cost_micros: Micros, total_tokens_input: v.number(), total_tokens_output: v.number(),
  last_24h: v.object({ executions: v.number(), cost_micros: Micros }),
});

/** `GET /workers/:name/api/stats`. */
export const WorkerStatsAnswerSchema = v.object({ worker: v.string(), stats: WorkerStatsSchema });

/** `POST /workers/:name/api/economy/estimate`. */
export const WorkerEstimateSchema = v.object({
  worker: v.string(), units: v.number(), unit: v.string(), estimated_duration_ms: v.number(),
  ai: v.object({ provider: v.string(), model: v.string(), input_tokens: v.number(), output_tokens: v.number(), cost_micros: Micros }),
  base_cost_micros: Micros, estimated_cost_micros: v.number(),
});

const PriceSchema = v.object({
  provider: v.string(), model: v.string(), input_micros_per_mtok: v.number(), output_micros_per_mtok: v.number(), updated_at: v.string(),
});

/** `GET /workers/:name/api/economy/pricing`. */
export const WorkerPricingSchema = v.object({
  worker: v.string(), base_cost_micros: Micros,
  ai_chain: v.array(v.object({ provider: v.string(), model: v.string(), price: v.nullable(PriceSchema) })),
});

/** `GET /workers/:name/api/economy/stats`. */
export const WorkerEconomyStatsSchema = v.object({
  worker: v.string(), total_cost_micros: Micros, total_tokens_input: v.number(), total_tokens_output: v.number(),
  avg_cost_micros: v.nullable(v.number()), last_24h: v.object({ executions: v.number(), cost_micros: Micros }),
});

/** `GET /workers/:name/api/admin/stats`. */
export const WorkerAdminStatsSchema = v.object({
  worker: v.string(), registry: v.nullable(JsonRecord), stats: WorkerStatsSchema,
  spend_by_client: v.array(v.object({ client_id: v.string(), executions: v.number(), cost_micros: Micros })),
});
