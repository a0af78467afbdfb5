import * as v from "valibot";
import { AssignAnswerSchema, ExecuteAnswerSchema } from "../../contracts/desk";
import { clientScope, describePrincipal, type Principal } from "../../auth";
import { getClient } from "../../catalog/clients";
import { assignTemplate, createRequest, getRequest, linkPipeline, listRequests, RequestStatuses, workerSessions, type RequestView } from "../../catalog/requests";
import { Urgencies } from "../../catalog/tiers";
import { derivedId } from "../../lib/ids";
import { AppError, notFound } from "../../lib/errors";
import type { JsonObject } from "../../lib/json";
import { microsToUsd, usdToMicros } from "../../lib/money";
import { estimateOrDefault } from "../../economy/estimate";
import { openTemplate, prepareRun, runInputs, startRun } from "../../orchestrator/start";
import type { RequestAnalysis } from "../../kam/analysis";
import { analyseMessage } from "../../kam/recommend";
import { estimateSummary } from "./economy";
import { deliverablesOf } from "./deliverables";
import { PARAMETER_JSON_LIMITS } from "../../lib/json-bounds";
import { CreateRequestBody, CreateRequestResponseSchema, RequestDetailsSchema, RequestListSchema, type RequestDetails } from "../../contracts/requests";
import { reply, route, type Route } from "../define";
import { boundedJson } from "../../lib/validate";
import { IdString, PageQuery, QueryTimestamp } from "../schemas";
import { activeActingClient } from "../scope";

const RequestParams = v.strictObject({ id: IdString });
const ParameterMap = boundedJson(v.record(v.pipe(v.string(), v.regex(/^[a-z][a-z0-9_]{0,49}$/, "parameter names are lower_snake_case")), v.unknown()), PARAMETER_JSON_LIMITS);

/** PUT /requests/:id: the template chosen for a pending request and its parameters (the topic among them). */
const AssignBody = v.strictObject({
  selected_template: IdString,
  template_parameters: v.optional(ParameterMap, {}),
});

/** POST /requests/:id/execute: how urgently, within what budget and deadline. */
const ExecuteBody = v.strictObject({
  urgency: v.optional(v.picklist(Urgencies, `must be one of ${Urgencies.join(", ")}`)),
  budget_limit: v.optional(v.pipe(v.number(), v.minValue(0, "must be at least 0"), v.maxValue(1_000_000, "must be at most 1000000 (USD)"))),
  deadline_ms: v.optional(v.pipe(v.number(), v.integer("must be a whole number"), v.minValue(1_000, "must be at least 1000"), v.maxValue(86_400_000, "must be at most 86400000 (a day)"))),
});

/** The pipeline that runs a request: derived from its id, so executing twice starts it once. */
async function pipelineIdFor(requestId: string): Promise<string> {
  return derivedId("pip", `request:${requestId}`);
}

function omitCleaned({ cleaned: _, ...read }: RequestAnalysis) {
  return read;
}

/** A request the caller may see (a client only its own; otherwise 404, whether it exists or not). */
export async function visibleRequest(db: D1Database, principal: Principal, id: string): Promise<RequestView> {
  const request = await getRequest(db, id, clientScope(principal));
  if (!request) throw notFound("request", id);
  return request;
}

/** A request as GET /requests/:id shows it: once it ran, with its worker sessions and timeline (seed CompleteRequestResponse). */
async function requestDetails(env: Env, request: RequestView, now: number): Promise<RequestDetails> {
  if (!request.orchestrator_pipeline_id) return { request };
  const ended = request.request_status === "completed" || request.request_status === "failed";
  const [sessions, deliverables] = await Promise.all([
    workerSessions(env.DB, request.request_id, request.client_id),
    ended ? deliverablesOf(env, request.request_id, request.client_id, now) : null,
  ]);
  const started = request.started_processing_at ? Date.parse(request.started_processing_at) : null;
  const completed = request.completed_at ? Date.parse(request.completed_at) : null;
  return {
    request,
    ...(ended ? {
      request_id: request.request_id, client_id: request.client_id, request_status: request.request_status, selected_template: request.selected_template,
      pipeline_id: request.orchestrator_pipeline_id,
      total_execution_time_ms: started !== null && completed !== null ? completed - started : 0,
      total_cost_usd: request.actual_cost_usd ?? 0,
      worker_sessions: sessions,
      deliverables,
      created_at: request.created_at, started_processing_at: request.started_processing_at, completed_at: request.completed_at,
    } : { pipeline_id: request.orchestrator_pipeline_id, worker_sessions: sessions, ...(await runningState(env, request.orchestrator_pipeline_id)) }),
  };
}

/**
 * A running request's pipeline as it stands: status, cost so far, steps done, and, while it
 * waits for capacity, its queue position with estimated start and finish (the same figures
 * `/requests/:id/live` pushes as queue_position events).
 */
async function runningState(env: Env, pipelineId: string) {
  const summary = await env.PipelineActor.getByName(pipelineId).summary();
  if (!summary) return { pipeline_status: "pending", queue: null };
  const { steps } = summary;
  const queue = summary.queue ?? null;
  return {
    pipeline_status: summary.status, cost_so_far_usd: microsToUsd(summary.cost_micros),
    steps_done: steps.filter((st) => st.status === "succeeded" || st.status === "skipped").length, steps_total: steps.length,
    queue: queue && {
      position: queue.position, waiting_steps: queue.waiting_steps, estimated_start: new Date(queue.estimated_start_at).toISOString(),
      estimated_finish: queue.estimated_finish_at === null ? null : new Date(queue.estimated_finish_at).toISOString(),
    },
  };
}

/** Client requests (seed phases 1 to 5): create, list, read, assign a template, execute; always scoped to the caller's client. */
export const requestRoutes: Route[] = [
  route({
    method: "POST", path: "/requests", access: ["admin", "support", "client", "worker"], body: CreateRequestBody,
    summary: "Creates a request (seed RequestCreationPayload). The client must exist, be active and have budget left this month (402 otherwise). The AI cleans the message into processed_request and reads its topic, intent, urgency (used when urgency_level is left out), sentiment and keywords (request_analysis).",
    response: CreateRequestResponseSchema, status: 201, errors: [402, 404],
    handler: async ({ env, principal, body, now }) => {
      const { client_id: clientId } = await activeActingClient(env.DB, principal, body.client_id, "make requests");
      const balance = await env.ClientLedger.getByName(clientId).balance();
      if (balance.available <= 0) throw new AppError("insufficient_budget", `client '${clientId}' has no budget left this month ($${microsToUsd(balance.spent)} of $${microsToUsd(balance.budget)} spent)`);
      // processed_request: the message cleaned and read by the AI (no answer: kept unprocessed, never refused).
      const { analysis, ai } = await analyseMessage(env, body.message);
      const request = await createRequest(env.DB, {
        clientId, requestType: body.request_type, message: body.message, urgency: body.urgency_level ?? analysis?.urgency ?? "medium",
        communicationId: body.communication_id ?? null, createdBy: describePrincipal(principal),
        // The cleaned text is processed_request; the rest of what the AI read is request_analysis.
        processed: analysis?.cleaned ?? null,
        analysis: analysis ? { ...omitCleaned(analysis), engines: ai.engines } : null,
      }, now);
      return { success: true as const, request_id: request.request_id, message: "request created", request };
    },
  }),
  route({
    method: "GET", path: "/requests", access: ["admin", "support", "client", "worker"],
    query: v.strictObject({
      status: v.optional(v.picklist(RequestStatuses)),
      client_id: v.optional(IdString),
      template: v.optional(IdString),
      since: v.optional(QueryTimestamp),
      until: v.optional(QueryTimestamp),
      ...PageQuery,
    }),
    summary: "Requests, newest first, filtered by status, client, template and creation time; a client sees only its own.",
    response: RequestListSchema,
    handler: async ({ env, principal, query }) => {
      const page = await listRequests(env.DB, {
        scope: clientScope(principal), clientId: query.client_id, status: query.status, template: query.template,
        since: query.since, until: query.until, limit: query.limit, offset: query.offset,
      });
      return { ...page, limit: query.limit, offset: query.offset };
    },
  }),
  route({
    method: "GET", path: "/requests/:id", access: ["admin", "support", "client", "worker"], params: RequestParams,
    summary: "One request; once its pipeline has ended, the seed's CompleteRequestResponse (worker sessions, deliverables, timeline). Another client's request answers 404.",
    response: RequestDetailsSchema,
    handler: async ({ env, principal, params, now }) => requestDetails(env, await visibleRequest(env.DB, principal, params.id), now),
  }),
  route({
    method: "PUT", path: "/requests/:id", access: ["admin", "support", "client"], params: RequestParams, body: AssignBody,
    summary: "Assigns a template and its parameters to a pending request (seed phase 2), checked against the template's rules for the client's tier.",
    response: AssignAnswerSchema, errors: [409],
    handler: async ({ env, principal, params, body, now }) => {
      const request = await visibleRequest(env.DB, principal, params.id);
      if (request.request_status !== "pending") throw new AppError("conflict", `request '${params.id}' is ${request.request_status}: only a pending request takes a template`);
      const client = await getClient(env.DB, request.client_id);
      if (!client) throw notFound("client", request.client_id);
      await openTemplate(env.DB, body.selected_template, client.subscription_tier, "body.selected_template");
      // Checked now (errors name the parameter), stored as given: execution checks them again.
      const inputs = await runInputs(env.DB, body.selected_template, client.subscription_tier, body.template_parameters as JsonObject, {}, "body.template_parameters");
      const estimate = await estimateOrDefault(env, body.selected_template, inputs);
      const assigned = await assignTemplate(env.DB, params.id, request.client_id, body.selected_template, body.template_parameters, estimate.cost_micros, now);
      if (!assigned) throw new AppError("conflict", `request '${params.id}' is no longer pending`);
      return { success: true as const, request: assigned, estimate };
    },
  }),
  route({
    method: "POST", path: "/requests/:id/execute", access: ["admin", "support", "client"], params: RequestParams, body: ExecuteBody,
    summary: "Starts a request's pipeline (seed phase 3) after checking the template, its parameters, the tier's rights and the budget; the request becomes processing, linked to its pipeline. Executing again answers with the same pipeline.",
    response: ExecuteAnswerSchema, status: 202, errors: [402, 409], headers: { location: true },
    handler: async ({ env, principal, params, body, now }) => {
      const request = await visibleRequest(env.DB, principal, params.id);
      const pipelineId = await pipelineIdFor(request.request_id);
      if (request.request_status !== "pending" && request.orchestrator_pipeline_id !== pipelineId) {
        throw new AppError("conflict", `request '${params.id}' is ${request.request_status}${request.orchestrator_pipeline_id ? ` (pipeline ${request.orchestrator_pipeline_id})` : ""}`);
      }
      if (request.request_type !== "pipeline_execution") throw new AppError("conflict", `request '${params.id}' is a ${request.request_type}: only pipeline_execution requests run pipelines`);
      if (!request.selected_template) throw new AppError("conflict", `request '${params.id}' has no template yet: assign one with PUT /requests/${params.id}`);
      const client = await activeActingClient(env.DB, principal, request.client_id, "run pipelines");
      const prepared = await prepareRun(env, {
        pipelineId, client, templateName: request.selected_template, parameters: (request.template_parameters ?? {}) as JsonObject, extraInputs: {},
        requestId: request.request_id, urgency: body.urgency ?? request.urgency_level,
        budgetLimitMicros: body.budget_limit === undefined ? null : usdToMicros(body.budget_limit),
        deadlineAt: body.deadline_ms === undefined ? null : now + body.deadline_ms, maxWaitMs: 600_000,
        fields: { template: "request.selected_template", parameters: "request.template_parameters" },
      });
      // Linked first, so the run's end always finds its request; the run's admission hold then
      // reserves its estimate at the ledger before this answers (402, and pending again, if not).
      const linking = request.request_status === "pending";
      if (linking && !(await linkPipeline(env.DB, request.request_id, client.client_id, pipelineId, request.selected_template, now))) {
        throw new AppError("conflict", `request '${params.id}' is no longer pending`);
      }
      // A request linked to this pipeline (now, or by an earlier call whose run was not admitted) goes back to pending on a 402.
      const linked = linking || request.orchestrator_pipeline_id === pipelineId;
      const summary = await startRun(env, prepared, now, linked ? request.request_id : null);
      return reply({ success: true as const, request_id: request.request_id, pipeline_id: pipelineId, status: summary.status, estimate: estimateSummary(prepared.estimate) }, { headers: { Location: `/pipeline/${pipelineId}` } });
    },
  }),
];
