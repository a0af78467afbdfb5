import * as v from "valibot";
import { RunResultSchema } from "../../contracts/pipeline";
import { clientScope, type Principal } from "../../auth";
import { AppError, notFound } from "../../lib/errors";
import { derivedId, newId } from "../../lib/ids";
import type { JsonObject } from "../../lib/json";
import { microsToUsd, usdToMicros } from "../../lib/money";
import { getRequest, linkPipeline } from "../../catalog/requests";
import { prepareRun, startRun } from "../../orchestrator/start";
import { estimateSummary } from "./economy";
import { KV_TTL_SECONDS, PayloadError } from "../../storage/payloads";
import { pipelineScope, resolveRefs } from "../../storage/refs";
import { OrchestrationRequest, OrchestrationResponseSchema, OrchestrationStartedSchema, PipelineHistorySchema, type OrchestrationResponse, type PipelineRun } from "../../contracts/runs";
import type { PipelineSummary } from "../../actors/pipeline/protocol";
import { reply, route, type Route } from "../define";
import { IdString, PageQuery, queryInt } from "../schemas";
import { activeActingClient } from "../scope";

const PipelineParams = v.strictObject({ id: IdString });

/** The pipeline's summary if the caller may see it; 404 otherwise (whether it exists or not). */
export async function visiblePipeline(env: Env, principal: Principal, id: string): Promise<PipelineSummary> {
  const scope = clientScope(principal);
  const summary = await env.PipelineActor.getByName(id).summary(scope);
  if (!summary || (scope !== null && summary.client_id !== scope)) throw notFound("pipeline", id);
  return summary;
}

/** The seed's OrchestrationResponse for a pipeline summary. */
function orchestrationResponse(s: PipelineSummary): OrchestrationResponse {
  return {
    status: "ok" as const,
    pipeline: {
      id: s.pipeline_id,
      status: s.status,
      reason: s.reason,
      notes: s.notes,
      started_at: new Date(s.started_at ?? s.created_at).toISOString(),
      finished_at: s.finished_at === null ? null : new Date(s.finished_at).toISOString(),
      cost_usd: microsToUsd(s.cost_micros),
      // Step payload bytes that passed through the pipeline's actor, and the same payloads whole.
      transfer: { bytes_through_actor: s.bytes_through_actor, payload_bytes: s.payload_bytes },
      steps: s.steps,
    },
  };
}

/**
 * A pipeline's context with its stored values read back (checksums verified), field by field.
 * A value not readable yet (KV can take up to a minute to show a new key in another location)
 * answers 503 with Retry-After; one that has expired (KV keeps payloads 7 days), was altered,
 * or names storage outside the pipeline is left null and listed in `unavailable` with why.
 */
async function readContext(env: Env, pipelineId: string, context: JsonObject, finishedAt: number | null, now: number) {
  const out: JsonObject = {};
  const unavailable: { field: string; code: string }[] = [];
  const expired = finishedAt !== null && now - finishedAt > KV_TTL_SECONDS * 1000;
  for (const [field, value] of Object.entries(context)) {
    try {
      const read = (await resolveRefs(env, value, pipelineScope(pipelineId))).value;
      if (read !== undefined) out[field] = read;
    } catch (error) {
      if (!(error instanceof PayloadError)) throw error;
      if (error.code === "missing" && !expired) {
        throw new AppError("service_unavailable", `pipeline '${pipelineId}': its stored outputs are not readable yet; retry shortly`, undefined, { "Retry-After": "5" });
      }
      out[field] = null;
      unavailable.push({ field, code: error.code === "missing" ? "expired" : error.code });
    }
  }
  return { context: out, unavailable };
}

/** Starting and following pipelines (the orchestrator API). */
export const orchestrateRoutes: Route[] = [
  route({
    method: "POST", path: "/orchestrate", access: ["admin", "support", "client", "worker"], body: OrchestrationRequest,
    summary: "Starts a pipeline from a template (seed OrchestrationRequest). Send Idempotency-Key to make a retried call start it only once.",
    response: OrchestrationStartedSchema, status: 202, errors: [402, 404, 409], headers: { idempotencyKey: true, location: true },
    handler: async ({ env, request, principal, body, now }) => {
      const client = await activeActingClient(env.DB, principal, body.client_id, "run pipelines");
      const clientId = client.client_id;
      const idempotencyKey = request.headers.get("Idempotency-Key");
      if (idempotencyKey !== null && !/^[A-Za-z0-9._:-]{8,128}$/.test(idempotencyKey)) {
        throw new AppError("validation_failed", "Idempotency-Key: must be 8-128 letters, digits or . _ : -");
      }
      if (body.request_id !== undefined) {
        if (!(await getRequest(env.DB, body.request_id, clientId))) throw notFound("request", body.request_id);
      }
      const pipelineId = idempotencyKey ? await derivedId("pip", `${clientId}:${idempotencyKey}`) : newId("pip");
      // The seed's own fields: checked as parameters where the template declares them, else passed through.
      const extraInputs: JsonObject = {
        ...(body.source_discovery_depth !== undefined ? { source_discovery_depth: body.source_discovery_depth } : {}),
        ...(body.max_articles !== undefined ? { max_articles: body.max_articles } : {}),
        ...(body.quality_level !== undefined ? { quality_level: body.quality_level } : {}),
        ...(body.optimize_for !== undefined ? { optimize_for: body.optimize_for } : {}),
      };
      const prepared = await prepareRun(env, {
        pipelineId, client, templateName: body.pipeline_template, requestId: body.request_id ?? null, urgency: body.urgency,
        parameters: { ...((body.template_parameters ?? {}) as JsonObject), topic: body.topic },
        extraInputs,
        budgetLimitMicros: body.budget_limit === undefined ? null : usdToMicros(body.budget_limit),
        deadlineAt: body.deadline_ms === undefined ? null : now + body.deadline_ms,
        maxWaitMs: body.max_wait_ms, fields: { template: "body.pipeline_template", parameters: "body.template_parameters" },
      });
      // A request named here follows this pipeline (it must be pending, or already run by it).
      if (body.request_id !== undefined && !(await linkPipeline(env.DB, body.request_id, clientId, pipelineId, body.pipeline_template, now))) {
        throw new AppError("conflict", `request '${body.request_id}' is already processing or done with another pipeline`);
      }
      // The run's admission hold reserves its estimate at the ledger before this answers (402 if it cannot).
      const summary = await startRun(env, prepared, now, body.request_id ?? null);
      return reply({ ...orchestrationResponse(summary), estimate: estimateSummary(prepared.estimate) }, { headers: { Location: `/pipeline/${pipelineId}` } });
    },
  }),
  route({
    method: "GET", path: "/pipeline/:id", access: ["admin", "support", "client", "worker"], params: PipelineParams,
    query: v.strictObject({
      wait_ms: queryInt(0, 30_000, 0),
    }),
    summary: "A pipeline's status, steps and cost (seed OrchestrationResponse). `wait_ms` long-polls: the answer comes when the pipeline ends or the wait passes. Another client's pipeline answers 404.",
    response: OrchestrationResponseSchema,
    handler: async ({ env, principal, params, query }) => {
      const summary = await visiblePipeline(env, principal, params.id);
      if (query.wait_ms === 0) return orchestrationResponse(summary);
      return orchestrationResponse((await env.PipelineActor.getByName(params.id).waitForEnd(query.wait_ms)) ?? summary);
    },
  }),
  route({
    method: "GET", path: "/pipeline/:id/result", access: ["admin", "support", "client", "worker"], params: PipelineParams,
    query: v.strictObject({ wait_ms: queryInt(0, 30_000, 0) }),
    summary: "What a pipeline produced: the context its steps' output mappings filled (e.g. `report`, `package`), with status and per-step and total costs. Values stored by reference are read here (checksums verified); one not readable yet answers 503 with Retry-After, one expired or altered is null and listed in `unavailable`. `wait_ms` long-polls for the end.",
    errors: [503],
    response: RunResultSchema,
    handler: async ({ env, principal, params, query, now }) => {
      await visiblePipeline(env, principal, params.id);
      const actor = env.PipelineActor.getByName(params.id);
      if (query.wait_ms > 0) await actor.waitForEnd(query.wait_ms);
      const result = await actor.result();
      if (!result) throw notFound("pipeline", params.id);
      const { context, unavailable } = await readContext(env, params.id, result.context, result.finished_at, now);
      return { ...result, context, ...(unavailable.length > 0 ? { unavailable } : {}), cost_usd: microsToUsd(result.cost_micros) };
    },
  }),
  route({
    method: "GET", path: "/pipeline-history", access: ["admin", "support", "client", "worker"],
    query: v.strictObject({
      status: v.optional(v.picklist(["processing", "completed", "partial", "failed", "cancelled"])),
      template: v.optional(IdString), client_id: v.optional(IdString), ...PageQuery,
    }),
    summary: "Pipeline runs, newest first, from the D1 history; a client sees only its own.",
    response: PipelineHistorySchema,
    handler: async ({ env, principal, query }) => {
      const scope = clientScope(principal);
      const where = `WHERE (?1 IS NULL OR client_id = ?1) AND (?2 IS NULL OR client_id = ?2) AND (?3 IS NULL OR status = ?3) AND (?4 IS NULL OR template_name = ?4)`;
      const binds = [scope, query.client_id ?? null, query.status ?? null, query.template ?? null];
      const [page, count] = await env.DB.batch<Omit<PipelineRun, "total_cost_usd"> | { n: number }>([
        env.DB.prepare(`SELECT * FROM pipeline_executions ${where} ORDER BY created_at DESC, pipeline_id LIMIT ?5 OFFSET ?6`).bind(...binds, query.limit, query.offset),
        env.DB.prepare(`SELECT count(*) AS n FROM pipeline_executions ${where}`).bind(...binds),
      ]);
      return {
        pipelines: (page!.results as Omit<PipelineRun, "total_cost_usd">[]).map((r) => ({ ...r, total_cost_usd: microsToUsd(Number(r.total_cost_micros)) })),
        total: Number((count!.results[0] as { n: number }).n),
        limit: query.limit, offset: query.offset,
      };
    },
  }),
];
