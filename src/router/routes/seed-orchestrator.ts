import * as v from "valibot";
import { readJsonColumn } from "../../catalog/json-columns";
import { listTemplates } from "../../catalog/templates";
import { Tiers } from "../../catalog/tiers";
import { CapabilitiesSchema, PipelineHealthSchema, type Capabilities } from "../../contracts/seed";
import { microsToUsd } from "../../lib/money";
import { WorkerSpecs } from "../../workers/specs";
import { pipelineHealth } from "../pipeline-health";
import { reply, route, type Route } from "../define";
import { viewTier } from "../scope";
import { jsonSchemaOf } from "../json-schema";
import { workerEndpoints } from "../worker-surface";

const ANYONE = ["admin", "support", "client", "worker"] as const;
const STAFF_AND_WORKERS = ["admin", "support", "worker"] as const;

interface RegistryRow {
  worker_name: string; display_name: string; description: string; kind: "builtin" | "external"; input_format: string; output_format: string;
  capabilities: string; cost_per_execution_micros: number; avg_execution_time_ms: number; max_concurrent: number; queue_limit: number; timeout_ms: number;
}



/** Built-in workers in their chain order, then any other registered worker by name. */
const ORDER = [...WorkerSpecs.keys()];
function rank(name: string): number {
  const i = ORDER.indexOf(name);
  return i < 0 ? ORDER.length : i;
}

/** The orchestrator's seed endpoints: what it can run (`GET /capabilities`) and how its workers are (`GET /pipeline-health`). */
export const seedOrchestratorRoutes: Route[] = [
  route({
    method: "GET", path: "/capabilities", access: ANYONE,
    query: v.strictObject({ tier: v.optional(v.picklist(Tiers)) }),
    summary: "The seed's orchestrator capabilities: every active worker in the registry with its contract (input and output JSON Schemas, formats, capabilities, next workers, templates, endpoints, limits, base cost) and the pipeline templates the caller's tier may run (a client its own tier's; staff all, or one tier's with ?tier=).",
    response: CapabilitiesSchema,
    handler: async ({ env, principal, query, now }) => {
      const tier = await viewTier(env, principal, query.tier);
      const [{ results }, templates] = await Promise.all([
        env.DB.prepare(`SELECT worker_name, display_name, description, kind, input_format, output_format, capabilities, cost_per_execution_micros,
            avg_execution_time_ms, max_concurrent, queue_limit, timeout_ms FROM worker_registry WHERE is_active = 1`).all<RegistryRow>(),
        listTemplates(env.DB, tier),
      ]);
      const workers = results.sort((a, b) => rank(a.worker_name) - rank(b.worker_name) || a.worker_name.localeCompare(b.worker_name)).map((r) => {
        const spec = r.kind === "builtin" ? WorkerSpecs.get(r.worker_name) : undefined;
        return {
          worker_name: r.worker_name, display_name: r.display_name, description: r.description, kind: r.kind, version: spec?.version ?? null,
          capabilities: readJsonColumn(v.array(v.string()), r.capabilities, "worker_registry.capabilities"),
          input_format: r.input_format, output_format: r.output_format,
          input_schema: spec ? jsonSchemaOf(spec.input, "input") : null, output_schema: spec ? jsonSchemaOf(spec.output, "output") : null,
          next_workers: spec ? [...spec.next] : [],
          templates: spec ? spec.templates.map((t) => ({ name: t.name, description: t.description, parameters: t.parameters })) : [],
          endpoints: spec ? workerEndpoints(r.worker_name) : [],
          limits: { timeout_ms: r.timeout_ms, max_concurrent: r.max_concurrent, queue_limit: r.queue_limit },
          cost_per_execution_usd: microsToUsd(r.cost_per_execution_micros), avg_execution_time_ms: r.avg_execution_time_ms,
        };
      });
      return { tier, workers, templates, timestamp: new Date(now).toISOString() } satisfies Capabilities;
    },
  }),
  route({
    method: "GET", path: "/pipeline-health", access: STAFF_AND_WORKERS,
    summary: "The seed's worker health monitoring: every active worker's checks (a built-in worker's entrypoint, AI chain and ResourcePool; an external worker's GET <endpoint>/health), its pool's load and its last 24 hours of executions, with D1 and KV checked once. 200 when every worker is healthy, 503 when any is degraded.",
    response: PipelineHealthSchema, alsoAnswers: [503],
    handler: async ({ env, ctx, now }) => {
      const report = await pipelineHealth(env, ctx.exports, now);
      return reply(report, { status: report.status === "healthy" ? 200 : 503 });
    },
  }),
];
