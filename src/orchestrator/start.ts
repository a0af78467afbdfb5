import type { PipelineSpec } from "../actors/pipeline";
import { priorityOf } from "../actors/resource-pool";
import type { ClientView } from "../catalog/clients";
import { compileParameters, loadParameters } from "../catalog/parameters";
import type { Urgency } from "../catalog/tiers";
import { AppError } from "../lib/errors";
import type { JsonObject } from "../lib/json";
import { resolveSpec } from "./resolve";

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
 * Checks a run and resolves it into a PipelineSpec: the template must be active and open to the
 * client's tier (403 otherwise); the parameters compile against its `template_parameters`
 * (unknown, ill-typed, out of range, missing, or beyond the tier's rights: an error naming the
 * parameter). Nothing is started.
 */
export async function prepareRun(env: Env, order: RunOrder): Promise<PipelineSpec> {
  const { client, templateName } = order;
  const template = await env.DB.prepare(`SELECT allowed_tiers FROM pipeline_templates WHERE name = ? AND is_active = 1`).bind(templateName).first<{ allowed_tiers: string }>();
  if (!template) throw new AppError("validation_failed", `${order.fields.template}: no active template '${templateName}' (GET /templates lists them)`);
  if (!(JSON.parse(template.allowed_tiers) as string[]).includes(client.subscription_tier)) {
    throw new AppError("forbidden", `template '${templateName}' is not available to the ${client.subscription_tier} tier`);
  }
  const defs = await loadParameters(env.DB, templateName);
  const declared = new Set(defs.map((p) => p.parameter_name));
  const given: JsonObject = { ...order.parameters };
  const passed: JsonObject = {};
  for (const [name, value] of Object.entries(order.extraInputs)) {
    if (!declared.has(name)) passed[name] = value;
    else if (!Object.hasOwn(given, name)) given[name] = value;
  }
  const parameters = compileParameters(defs, templateName, client.subscription_tier, given, order.fields.parameters);
  const spec = await resolveSpec(env.DB, {
    pipelineId: order.pipelineId, templateName, clientId: client.client_id, requestId: order.requestId,
    priority: priorityOf(client.subscription_tier, order.urgency), budgetLimitMicros: order.budgetLimitMicros, deadlineAt: order.deadlineAt,
    maxWaitMs: order.maxWaitMs, inputs: { ...passed, ...parameters },
  });
  if (!spec) throw new AppError("validation_failed", `${order.fields.template}: no active template '${templateName}'`);
  return spec;
}

/** Starts a prepared run: creates its PipelineActor (idempotent per pipeline id) and returns its summary. */
export function startRun(env: Env, spec: PipelineSpec): Promise<JsonObject> {
  return env.PipelineActor.getByName(spec.pipelineId).create(spec);
}
