import type { CreateResult, PipelineSpec } from "../actors/pipeline";
import type { PipelineSummary } from "../actors/pipeline/protocol";
import { priorityOf } from "../actors/resource-pool";
import type { ClientView } from "../catalog/clients";
import { unlinkPipeline } from "../catalog/requests";
import { compileParameters, loadParameters } from "../catalog/parameters";
import type { Tier, Urgency } from "../catalog/tiers";
import { estimateOrDefault, type RunEstimate } from "../economy/estimate";
import { recordEstimateStatement } from "../economy/record";
import { AppError } from "../lib/errors";
import { describeError, log } from "../lib/log";
import type { JsonObject } from "../lib/json";
import { microsToUsd } from "../lib/money";
import { resolveSpec } from "./resolve";

/**
 * The actor's `create`. A Durable Object the platform marks as retryable (reset, overloaded)
 * answers 503 with Retry-After rather than a 500: the run may still start (its actor finishes
 * an admission it recorded), so the caller sends the same request again, with the same
 * Idempotency-Key, to learn which.
 */
async function createRun(env: Env, spec: PipelineSpec): Promise<CreateResult> {
  try {
    return await env.PipelineActor.getByName(spec.pipelineId).create(spec);
  } catch (error) {
    const flags = error as { retryable?: boolean; overloaded?: boolean };
    if (flags.retryable !== true && flags.overloaded !== true) throw error;
    log("warn", "pipeline create not confirmed", { pipeline_id: spec.pipelineId, ...describeError(error) });
    throw notConfirmed(spec);
  }
}

/** 503: the run is recorded but its admission not confirmed yet (the actor finishes it by alarm). */
function notConfirmed(spec: PipelineSpec): AppError {
  return new AppError("service_unavailable",
    `the run of '${spec.templateName}' could not be confirmed right now; send the same request again (with the same Idempotency-Key) to see whether it started`,
    undefined, { "Retry-After": "2" });
}

/** What a run is asked for, by /orchestrate or by executing a request. */
export interface RunOrder {
  pipelineId: string;
  client: ClientView;
  templateName: string;
  /** The template parameters as given (the topic among them), checked against the template's rules for the client's tier. */
  parameters: JsonObject;
  /** The seed's run fields (source_discovery_depth, quality_level, …): checked as parameters where the template declares them, else passed through. */
  extraInputs: JsonObject;
  requestId: string | null;
  urgency: Urgency;
  budgetLimitMicros: number | null;
  deadlineAt: number | null;
  maxWaitMs: number;
  /** How errors name the template and the parameters: `body.pipeline_template`, `body.template_parameters`. */
  fields: { template: string; parameters: string };
}

/**
 * A template a client of `tier` may use: 422 naming `field` when no active template has that
 * name, 403 when its tier may not use it.
 */
export async function openTemplate(db: D1Database, name: string, tier: Tier, field: string): Promise<void> {
  const template = await db.prepare(`SELECT allowed_tiers FROM pipeline_templates WHERE name = ? AND is_active = 1`)
    .bind(name).first<{ allowed_tiers: string }>();
  if (!template) throw new AppError("validation_failed", `${field}: no active template '${name}' (GET /templates lists them)`);
  if (!(JSON.parse(template.allowed_tiers) as string[]).includes(tier)) throw new AppError("forbidden", `template '${name}' is not available to the ${tier} tier`);
}

/**
 * A run's inputs: the parameters compiled against the template's `template_parameters` for the
 * tier (unknown, ill-typed, out of range, missing, or beyond the tier's rights: an error naming
 * the parameter, prefixed with `field`), plus the seed's run fields, checked as parameters where
 * the template declares them and passed through otherwise.
 */
export async function runInputs(db: D1Database, templateName: string, tier: Tier, parameters: JsonObject, extraInputs: JsonObject, field: string): Promise<JsonObject> {
  const defs = await loadParameters(db, templateName);
  const declared = new Set(defs.map((p) => p.parameter_name));
  const given: JsonObject = { ...parameters };
  const passed: JsonObject = {};
  for (const [name, value] of Object.entries(extraInputs)) {
    if (!declared.has(name)) passed[name] = value;
    else if (!Object.hasOwn(given, name)) given[name] = value;
  }
  return { ...passed, ...compileParameters(defs, templateName, tier, given, field) };
}

/** A checked run, ready to start: its spec and what the estimator expects it to cost and take. */
export interface PreparedRun { spec: PipelineSpec; estimate: RunEstimate }

/**
 * Checks a run and resolves it into a PipelineSpec (see `openTemplate` and `runInputs`), with
 * the learned estimate of its cost and duration (economy/estimate.ts). Nothing is started.
 */
export async function prepareRun(env: Env, order: RunOrder): Promise<PreparedRun> {
  const { client, templateName } = order;
  const tier = client.subscription_tier;
  await openTemplate(env.DB, templateName, tier, order.fields.template);
  const inputs = await runInputs(env.DB, templateName, tier, order.parameters, order.extraInputs, order.fields.parameters);
  const spec = await resolveSpec(env.DB, {
    pipelineId: order.pipelineId, templateName, clientId: client.client_id, requestId: order.requestId,
    priority: priorityOf(tier, order.urgency), budgetLimitMicros: order.budgetLimitMicros, deadlineAt: order.deadlineAt,
    maxWaitMs: order.maxWaitMs, inputs,
  });
  if (!spec) throw new AppError("validation_failed", `${order.fields.template}: no active template '${templateName}'`);
  const estimate = await estimateOrDefault(env, templateName, inputs);
  // The actor estimates queue ETAs from the steps' expected durations (weighted by how often they run).
  spec.stepDurationsMs = Object.fromEntries(estimate.steps.map((st) => [st.step_id, Math.round(st.duration_ms * st.run_probability)]));
  return { spec: withAdmission(spec, estimate), estimate };
}

/**
 * The run's admission and its steps' shares, from the estimate: the run is admitted for the
 * estimate's upper bound (within the run's own budget limit), and each step's estimate becomes
 * its share of that (in proportion to its estimated cost). A step's cost above its share is
 * settled at once (it may use up the client's budget); the shares also bound the run's own budget
 * limit and size the steps' holds should the run hold per step again (a retry after its end). A
 * step the estimate does not cover keeps its registry figure.
 */
export function withAdmission(spec: PipelineSpec, estimate: RunEstimate): PipelineSpec {
  const high = estimate.cost_interval.high_micros;
  const admission = spec.budgetLimitMicros === null ? high : Math.min(high, spec.budgetLimitMicros);
  // Each step's share of the admission, in proportion to its estimated cost (whether or not it
  // runs): the shares add up to the admission.
  const total = estimate.steps.reduce((n, st) => n + st.cost_micros, 0);
  const scale = total > 0 ? admission / total : 1;
  const perStep = new Map(estimate.steps.map((st) => [st.step_id, Math.floor(st.cost_micros * scale)]));
  return {
    ...spec,
    admissionMicros: admission,
    steps: spec.steps.map((st) => {
      const estimated = perStep.get(st.id);
      return estimated === undefined || estimated <= 0 ? st : { ...st, estimateMicros: estimated };
    }),
  };
}

/**
 * Starts a prepared run: creates its PipelineActor (idempotent per pipeline id), which places
 * the run's admission hold at the client's ledger before it answers; records its estimate (to be
 * scored when the run ends) and returns its summary. A run the ledger cannot cover is not
 * started: 402 `insufficient_budget` naming what is available and what the run needs, and
 * `linkedRequest` (a request this call linked to the run) is pending again.
 */
export async function startRun(env: Env, { spec, estimate }: PreparedRun, now: number, linkedRequest: string | null = null): Promise<PipelineSummary> {
  const created = await createRun(env, spec);
  if (created.admitted === "pending") throw notConfirmed(spec);
  if (!created.admitted) {
    // A request linked to this run for its start goes back to pending: nothing ran.
    if (linkedRequest !== null) await unlinkPipeline(env.DB, linkedRequest, spec.clientId, spec.pipelineId, now);
    throw new AppError("insufficient_budget",
      `client '${spec.clientId}' has $${microsToUsd(created.available)} available this month; this run of '${spec.templateName}' needs up to $${microsToUsd(created.requested)} (its estimate's upper bound), held when it starts`,
      { available_usd: microsToUsd(created.available), needed_usd: microsToUsd(created.requested), available_micros: created.available, needed_micros: created.requested });
  }
  const summary = created.summary;
  // Best effort, after the run exists: losing a prediction loses one scored run, never the run.
  // (Made before the run started; the first one recorded for a pipeline id stands.)
  try {
    await recordEstimateStatement(env.DB, spec.pipelineId, spec.clientId, estimate, now).run();
  } catch (error) {
    log("warn", "run estimate not recorded", { pipeline_id: spec.pipelineId, ...describeError(error) });
  }
  return summary;
}
