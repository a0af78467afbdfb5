import * as v from "valibot";
import { refusalError } from "../refusals";
import { getClient } from "../../catalog/clients";
import { notFound } from "../../lib/errors";
import { microsToUsd, usdToMicros } from "../../lib/money";
import { route, type Route } from "../define";
import { IdString, PageQuery } from "../schemas";
import {
  ActorFailuresSchema, AdminPipelinesSchema, LeaseReleaseAnswerSchema, LedgerAdjustAnswerSchema, LedgerAdjustBody, LedgerInspectionSchema,
  PipelineControlAnswerSchema, PipelineInspectionSchema, PoolConfigAnswerSchema, PoolConfigBody, PoolInspectionSchema, PoolsSchema,
  RedriveAnswerSchema, RetryBody, type ActorFailures, type RegistryRun,
} from "../../contracts/admin";

const PipelineParams = v.strictObject({ id: IdString });
const WorkerParams = v.strictObject({ worker: IdString });
const ClientParams = v.strictObject({ client: IdString });
const STAFF = ["admin", "support"] as const;

/** Every active worker's pool statistics, by worker name. */
export async function poolStats(env: Env) {
  const { results } = await env.DB.prepare(`SELECT worker_name FROM worker_registry WHERE is_active = 1 ORDER BY worker_name`).all<{ worker_name: string }>();
  return Promise.all(results.map(async (r) => ({ worker: r.worker_name, ...(await env.ResourcePool.getByName(r.worker_name).stats()) })));
}

/** A registered worker's pool; 404 for names not in the registry (so no pool is made for them). */
async function knownPool(env: Env, worker: string) {
  const row = await env.DB.prepare(`SELECT 1 FROM worker_registry WHERE worker_name = ?`).bind(worker).first();
  if (!row) throw notFound("worker", worker);
  return env.ResourcePool.getByName(worker);
}

/** A known client's ledger. */
async function knownLedger(env: Env, clientId: string) {
  if (!(await getClient(env.DB, clientId))) throw notFound("client", clientId);
  return env.ClientLedger.getByName(clientId);
}

/** A pipeline control command over HTTP: 404 for an unknown pipeline, 409 for an illegal transition. */
function controlRoute(action: "cancel" | "pause" | "resume"): Route {
  return route({
    method: "POST", path: `/admin/actors/pipelines/:id/${action}`, access: STAFF, params: PipelineParams,
    summary: `${action[0]!.toUpperCase()}${action.slice(1)}s a pipeline, leaving holds and reservations correct.`,
    response: PipelineControlAnswerSchema, errors: [409],
    handler: async ({ env, params }) => {
      const result = await env.PipelineActor.getByName(params.id)[action]();
      // (The actor's not-found text is the router's: "pipeline '<id>' was not found".)
      if (!result.ok) throw refusalError(result);
      return result.summary;
    },
  });
}

/** Admin inspection and control of the actors. */
export const adminActorRoutes: Route[] = [
  route({
    method: "GET", path: "/admin/actors/pipelines", access: STAFF,
    query: v.strictObject({ state: v.optional(v.picklist(["active", "recent"]), "active"), ...PageQuery }),
    summary: "Active (processing) or recent (finished) pipelines from the D1 run registry.",
    response: AdminPipelinesSchema,
    handler: async ({ env, query }) => {
      const active = query.state === "active";
      const { results } = await env.DB.prepare(
        `SELECT pipeline_id, template_name, client_id, status, total_cost_micros, created_at, completed_at FROM pipeline_executions
         WHERE ${active ? "status = 'processing'" : "status <> 'processing'"} ORDER BY created_at DESC LIMIT ? OFFSET ?`,
      ).bind(query.limit, query.offset).all<RegistryRun>();
      return { state: query.state, pipelines: results };
    },
  }),
  route({
    method: "GET", path: "/admin/actors/pipelines/:id", access: STAFF, params: PipelineParams,
    summary: "A pipeline actor's state, steps, checkpoints, due times, next alarm, event log tail, holds and leases.",
    response: PipelineInspectionSchema,
    handler: async ({ env, params }) => {
      const inspected = await env.PipelineActor.getByName(params.id).inspect();
      if (!inspected) throw notFound("pipeline", params.id);
      return inspected;
    },
  }),
  route({
    method: "POST", path: "/admin/actors/pipelines/:id/redrive", access: ["admin"], params: PipelineParams,
    summary: "Retries what a pipeline actor gave up on after its retry cap (its rounds with the ledger and pools, its D1 registration or history): those failures are cleared and it runs again.",
    response: RedriveAnswerSchema,
    handler: async ({ env, params }) => {
      const result = await env.PipelineActor.getByName(params.id).redrive();
      if (!result) throw notFound("pipeline", params.id);
      return result;
    },
  }),
  route({
    method: "GET", path: "/admin/failures", access: STAFF,
    query: v.strictObject({
      actor_kind: v.optional(v.picklist(["pipeline", "ledger", "pool"], "must be one of pipeline, ledger, pool")),
      client_id: v.optional(IdString), ...PageQuery,
    }),
    summary: "What the actors gave up retrying, newest first: a write D1 refused for good (done reduced: `degraded`), an operation past its retry cap (`gave_up`), a ledger refusal, a call-back never delivered. One row per actor and operation.",
    response: ActorFailuresSchema,
    handler: async ({ env, query }) => {
      const where = `WHERE (?1 IS NULL OR actor_kind = ?1) AND (?2 IS NULL OR client_id = ?2)`;
      const binds = [query.actor_kind ?? null, query.client_id ?? null];
      const [page, count] = await env.DB.batch<ActorFailures["failures"][number] | { n: number }>([
        env.DB.prepare(`SELECT * FROM actor_failures ${where} ORDER BY last_at DESC LIMIT ?3 OFFSET ?4`).bind(...binds, query.limit, query.offset),
        env.DB.prepare(`SELECT count(*) AS n FROM actor_failures ${where}`).bind(...binds),
      ]);
      return { failures: page!.results as ActorFailures["failures"], total: (count!.results[0] as { n: number }).n, limit: query.limit, offset: query.offset };
    },
  }),
  controlRoute("cancel"),
  controlRoute("pause"),
  controlRoute("resume"),
  route({
    method: "POST", path: "/admin/actors/pipelines/:id/retry", access: STAFF, params: PipelineParams,
    body: RetryBody,
    summary: "Runs a step, and everything downstream of it, again.",
    response: PipelineControlAnswerSchema, errors: [409],
    handler: async ({ env, params, body }) => {
      const result = await env.PipelineActor.getByName(params.id).retry(body.step_id);
      if (!result.ok) throw refusalError(result);
      return result.summary;
    },
  }),
  route({
    method: "GET", path: "/admin/actors/pools", access: STAFF,
    summary: "Every registered worker's pool: load, queue depth, utilisation, EWMA and p95 execution time, throughput.",
    response: PoolsSchema,
    handler: async ({ env }) => ({ pools: await poolStats(env) }),
  }),
  route({
    method: "GET", path: "/admin/actors/pools/:worker", access: STAFF, params: WorkerParams,
    summary: "A pool's config, leases, queue (in grant order with ETAs), stats and undelivered call-backs.",
    response: PoolInspectionSchema,
    handler: async ({ env, params }) => await (await knownPool(env, params.worker)).inspect(),
  }),
  route({
    method: "PUT", path: "/admin/actors/pools/:worker", access: ["admin"], params: WorkerParams,
    body: PoolConfigBody,
    summary: "Changes a pool's capacity at run time (admin only); raising max_concurrent grants waiters at once.",
    response: PoolConfigAnswerSchema,
    handler: async ({ env, params, body }) => {
      const pool = await knownPool(env, params.worker);
      const config = await pool.configure({
        ...(body.max_concurrent !== undefined ? { maxConcurrent: body.max_concurrent } : {}),
        ...(body.queue_limit !== undefined ? { queueLimit: body.queue_limit } : {}),
        ...(body.lease_ttl_ms !== undefined ? { leaseTtlMs: body.lease_ttl_ms } : {}),
      });
      return { worker: params.worker, config };
    },
  }),
  route({
    method: "POST", path: "/admin/actors/pools/:worker/leases/:id/release", access: ["admin"],
    params: v.strictObject({ worker: IdString, id: v.pipe(v.string(), v.regex(/^[A-Za-z0-9_:.-]{1,300}$/, "must be a lease key")) }),
    summary: "Frees a stuck lease by hand (admin only); the slot goes to the next waiter.",
    response: LeaseReleaseAnswerSchema,
    handler: async ({ env, params }) => {
      const result = await (await knownPool(env, params.worker)).release(params.id, null);
      if (!result.released) throw notFound("lease", params.id);
      return result;
    },
  }),
  route({
    method: "GET", path: "/admin/actors/ledgers/:client", access: STAFF, params: ClientParams,
    summary: "A client's ledger: balance (micro-USD and USD), open holds, recent entries, closed periods, alarms.",
    response: LedgerInspectionSchema,
    handler: async ({ env, params }) => {
      const inspected = await (await knownLedger(env, params.client)).inspect();
      const b = inspected.balance;
      return { ...inspected, balance_usd: { budget: microsToUsd(b.budget), spent: microsToUsd(b.spent), held: microsToUsd(b.held), available: microsToUsd(b.available) } };
    },
  }),
  route({
    method: "POST", path: "/admin/actors/ledgers/:client/adjust", access: ["admin"], params: ClientParams,
    body: LedgerAdjustBody,
    summary: "An admin credit (negative) or debit (positive) with a reason; idempotent by key.",
    response: LedgerAdjustAnswerSchema, errors: [409],
    handler: async ({ env, params, body, principal }) => {
      const answer = await (await knownLedger(env, params.client)).adjust(`adjust:${body.idempotency_key}`, usdToMicros(body.amount_usd), `${body.reason} (by ${principal.kind === "session" ? principal.email : principal.kind})`);
      if (answer.status === "rejected") throw refusalError(answer, { field: "body.amount_usd" });
      return answer;
    },
  }),
];
