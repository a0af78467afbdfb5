import * as v from "valibot";
import { aiClient, chainComplete, chainPrices, loadPriceBook } from "../../ai";
import { notFound } from "../../lib/errors";
import type { JsonObject } from "../../lib/json";
import { baseCostOf, failureHeaders, failureStatus, runWorkerOverHttp } from "../../workers/harness/http-run";
import { workerSpendByClient, workerStats } from "../../workers/harness/stats";
import { WorkerSpecs } from "../../workers/specs";
import { PARAMETER_JSON_LIMITS } from "../../lib/json-bounds";
import { reply, route, type Route } from "../define";
import { builtinSpec, workerEndpoints } from "../worker-surface";
import {
  ExecuteResponseSchema, WorkerAdminStatsSchema, WorkerEconomyStatsSchema, WorkerEstimateSchema, WorkerHealthSchema, WorkerHelpSchema,
  WorkerListSchema, WorkerPingSchema, WorkerPricingSchema, WorkerStatsAnswerSchema, WorkerTemplateAnswerSchema, WorkerTemplatesSchema,
} from "../../contracts/workers";
import { jsonSchemaOf } from "../json-schema";
import { IdString } from "../schemas";
import { boundedJson, parseInput } from "../../lib/validate";

const NameParams = v.strictObject({ name: IdString });
const TemplateParams = v.strictObject({ name: IdString, template: IdString });
const ANYONE = ["admin", "support", "client", "worker"] as const;
const STAFF_AND_WORKERS = ["admin", "support", "worker"] as const;


/** The seed's ExecuteRequest (`POST /workers/:name/api/execute`). */
const ExecuteBody = v.strictObject({
  action: v.optional(v.pipe(v.string(), v.maxLength(50))),
  input: v.record(v.string(), v.unknown()),
  params: v.optional(boundedJson(v.record(v.string(), v.unknown()), PARAMETER_JSON_LIMITS)),
  config: v.optional(v.strictObject({ ai_providers: v.optional(v.pipe(v.string(), v.maxLength(100))) })),
  /** Milliseconds the run may take (default: the worker's timeout). */
  timeout: v.optional(v.pipe(v.number(), v.integer(), v.minValue(100), v.maxValue(900_000))),
  /** Whose budget the run is for (staff and workers only; a client runs for itself). */
  client_id: v.optional(IdString),
  idempotency_key: v.optional(v.pipe(v.string(), v.minLength(8), v.maxLength(200))),
});

/**
 * Every built-in worker's HTTP surface under `/workers/:name/`, generated from its harness
 * definition (nothing is written per worker): health, help with JSON Schemas, execute in the
 * seed's shape, templates, statistics and economy.
 */
export const workerRoutes: Route[] = [
  route({
    method: "GET", path: "/workers", access: "public", summary: "The built-in workers: name, description, version and next workers.", response: WorkerListSchema,
    handler: () => ({ workers: [...WorkerSpecs.values()].map((s) => ({ name: s.def.worker_name, display_name: s.def.display_name, description: s.def.description, version: s.version, next: [...s.next] })) }),
  }),
  route({
    method: "GET", path: "/workers/:name", access: "public", params: NameParams, summary: "A worker's basic health check.", response: WorkerPingSchema,
    handler: ({ params, now }) => {
      const s = builtinSpec(params.name);
      return { status: "healthy" as const, service: s.def.worker_name, version: s.version, timestamp: new Date(now).toISOString() };
    },
  }),
  route({
    method: "GET", path: "/workers/:name/health", access: "public", params: NameParams,
    summary: "A worker's dependencies (D1, KV, AI chain): 200 healthy or 503 degraded.",
    response: WorkerHealthSchema, alsoAnswers: [503],
    handler: async ({ env, params, now }) => {
      const s = builtinSpec(params.name);
      const check = async (f: () => Promise<unknown>) => { try { await f(); return true; } catch { return false; } };
      const checks = {
        database: await check(() => env.DB.prepare("SELECT 1").first()),
        kv: await check(() => env.PAYLOADS.get("health-probe")),
        ai_chain: await check(async () => { if (!chainComplete(env)) throw new Error("a configured provider is unavailable"); }),
      };
      const healthy = Object.values(checks).every(Boolean);
      return reply({ status: healthy ? "healthy" as const : "degraded" as const, service: s.def.worker_name, version: s.version, checks, capabilities: s.capabilities, timestamp: new Date(now).toISOString() }, { status: healthy ? 200 : 503 });
    },
  }),
  route({
    method: "GET", path: "/workers/:name/help", access: "public", params: NameParams,
    summary: "A worker's documentation: what it does, its input and output JSON Schemas, endpoints, templates and chain.",
    response: WorkerHelpSchema,
    handler: ({ params }) => {
      const s = builtinSpec(params.name);
      return {
        name: s.def.worker_name, display_name: s.def.display_name, description: s.def.description, version: s.version,
        worker_chain: { current: s.def.worker_name, next: [...s.next] }, capabilities: s.capabilities,
        input_schema: jsonSchemaOf(s.input, "input"), output_schema: jsonSchemaOf(s.output, "output"),
        limits: { timeout_ms: s.def.timeout_ms, max_concurrent: s.def.max_concurrent, base_cost_micros: s.def.cost_per_execution_micros },
        templates: s.templates.map((t) => t.name),
        endpoints: workerEndpoints(s.def.worker_name),
      };
    },
  }),
  route({
    method: "POST", path: "/workers/:name/api/execute", access: ["admin", "worker"], params: NameParams, body: ExecuteBody,
    summary: "Runs the worker once (the seed's ExecuteRequest and ExecuteResponse). Idempotent per idempotency_key (or the Idempotency-Key header).",
    response: ExecuteResponseSchema, alsoAnswers: [422, 429, 500, 503], headers: { idempotencyKey: true },
    handler: async ({ env, params, body, request, principal, now }) => {
      const s = builtinSpec(params.name);
      const input = { ...body.input, ...(body.params ?? {}), ...(body.config?.ai_providers ? { ai_providers: body.config.ai_providers } : {}) } as JsonObject;
      const result = await runWorkerOverHttp(env, s, principal, request, now, {
        input, action: body.action, client_id: body.client_id, idempotency_key: body.idempotency_key, timeout: body.timeout,
      });
      const common = { duration: result.duration_ms, cost: result.cost_micros / 1_000_000, cost_micros: result.cost_micros, metadata: result.metadata ?? {} };
      if (result.ok) {
        const { ready_for_next, ...output } = result.output;
        return { success: true as const, output: { ...output, readyForNext: ready_for_next ?? false }, usage: { tokens: { input: result.usage.input_tokens, output: result.usage.output_tokens } }, ...common };
      }
      const headers = failureHeaders(result.error);
      return reply({ success: false as const, error: result.error, usage: { tokens: { input: 0, output: 0 } }, ...common }, { status: failureStatus(result.error), headers });
    },
  }),
  route({
    method: "GET", path: "/workers/:name/api/templates", access: ANYONE, params: NameParams, summary: "The worker's own templates (parameter presets).", response: WorkerTemplatesSchema,
    handler: ({ params }) => ({ worker: params.name, templates: [...builtinSpec(params.name).templates] }),
  }),
  route({
    method: "GET", path: "/workers/:name/api/templates/:template", access: ANYONE, params: TemplateParams, summary: "One of the worker's templates.", response: WorkerTemplateAnswerSchema,
    handler: ({ params }) => {
      const t = builtinSpec(params.name).templates.find((x) => x.name === params.template);
      if (!t) throw notFound("worker template", params.template);
      return { worker: params.name, template: t };
    },
  }),
  route({
    method: "GET", path: "/workers/:name/api/stats", access: STAFF_AND_WORKERS, params: NameParams,
    summary: "Executions, success rate, average and p95 time, cost and tokens, from pipeline history.",
    response: WorkerStatsAnswerSchema,
    handler: async ({ env, params, now }) => ({ worker: builtinSpec(params.name).def.worker_name, stats: await workerStats(env.DB, params.name, now) }),
  }),
  route({
    method: "POST", path: "/workers/:name/api/economy/estimate", access: ANYONE, params: NameParams, body: v.strictObject({ input: v.record(v.string(), v.unknown()) }),
    summary: "Estimated cost and duration of running the worker on an input (validated like a real run).",
    response: WorkerEstimateSchema,
    handler: async ({ env, params, body }) => {
      const s = builtinSpec(params.name);
      // Validated like a run, with errors named from the body: `body.input.target_topic: is required`.
      const { input } = parseInput("body", v.object({ input: s.input }), body);
      const e = s.estimate(input);
      const ai = aiClient(env);
      const [aiMicros, baseCost] = await Promise.all([ai.estimate({ input_tokens: e.ai_input_tokens, output_tokens: e.ai_output_tokens }), baseCostOf(env.DB, s)]);
      return {
        worker: s.def.worker_name, units: e.units, unit: s.unit, estimated_duration_ms: e.duration_ms,
        ai: { ...ai.primary, input_tokens: e.ai_input_tokens, output_tokens: e.ai_output_tokens, cost_micros: aiMicros },
        base_cost_micros: baseCost, estimated_cost_micros: baseCost + aiMicros,
      };
    },
  }),
  route({
    method: "GET", path: "/workers/:name/api/economy/pricing", access: ANYONE, params: NameParams, summary: "The worker's base cost and the prices of its AI chain's models.", response: WorkerPricingSchema,
    handler: async ({ env, params }) => {
      const s = builtinSpec(params.name);
      const [prices, baseCost] = await Promise.all([loadPriceBook(env.DB), baseCostOf(env.DB, s)]);
      return {
        worker: s.def.worker_name, base_cost_micros: baseCost,
        ai_chain: chainPrices(env, prices),
      };
    },
  }),
  route({
    method: "GET", path: "/workers/:name/api/economy/stats", access: STAFF_AND_WORKERS, params: NameParams, summary: "Cost and token consumption of the worker.", response: WorkerEconomyStatsSchema,
    handler: async ({ env, params, now }) => {
      const st = await workerStats(env.DB, builtinSpec(params.name).def.worker_name, now);
      return {
        worker: params.name, total_cost_micros: st.total_cost_micros, total_tokens_input: st.total_tokens_input, total_tokens_output: st.total_tokens_output,
        avg_cost_micros: st.executions > 0 ? Math.round(st.total_cost_micros / st.executions) : null, last_24h: st.last_24h,
      };
    },
  }),
  route({
    method: "GET", path: "/workers/:name/api/admin/stats", access: ["admin", "worker"], params: NameParams,
    summary: "Administrative statistics: registry entry, execution stats and spend by client.",
    response: WorkerAdminStatsSchema,
    handler: async ({ env, params, now }) => {
      const s = builtinSpec(params.name);
      const registry = await env.DB.prepare(`SELECT * FROM worker_registry WHERE worker_name = ?`).bind(s.def.worker_name).first();
      return { worker: s.def.worker_name, registry, stats: await workerStats(env.DB, s.def.worker_name, now), spend_by_client: await workerSpendByClient(env.DB, s.def.worker_name) };
    },
  }),
];
