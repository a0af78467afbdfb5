import * as v from "valibot";
import { loadParameters, parametersFor } from "../../catalog/parameters";
import { BuiltinTemplates } from "../../catalog/template-defs";
import { installTemplateStatements, listTemplates, syncTemplateCache } from "../../catalog/templates";
import { installWorkerStatements } from "../../catalog/workers";
import { BuiltinWorkers } from "../../workers/specs";
import { Tiers } from "../../catalog/tiers";
import { notFound } from "../../lib/errors";
import { TemplateDetailSchema, TemplateListSchema, TemplateSyncSchema } from "../../contracts/templates";
import { route, type Route } from "../define";
import { viewTier } from "../scope";
import { IdString } from "../schemas";

/** The template catalog as the KAM cache holds it. */
export const templateRoutes: Route[] = [
  route({
    method: "GET", path: "/templates", access: ["admin", "support", "client", "worker"],
    query: v.strictObject({ tier: v.optional(v.picklist(Tiers)) }),
    summary: "Active templates. A client sees those open to its tier; staff see all, or one tier's with ?tier=.",
    response: TemplateListSchema,
    handler: async ({ env, principal, query }) => {
      const tier = await viewTier(env, principal, query.tier);
      return { tier, templates: await listTemplates(env.DB, tier) };
    },
  }),
  route({
    method: "GET", path: "/templates/:name", access: ["admin", "support", "client", "worker"],
    params: v.strictObject({ name: IdString }), query: v.strictObject({ tier: v.optional(v.picklist(Tiers)) }),
    summary: "One template with its parameters: type, default, options, rules, and whether the caller's tier may change it. A template not open to a client's tier answers 404.",
    response: TemplateDetailSchema,
    handler: async ({ env, principal, params, query }) => {
      const tier = await viewTier(env, principal, query.tier);
      const template = (await listTemplates(env.DB, tier)).find((t) => t.template_name === params.name);
      if (!template) throw notFound("template", params.name);
      return { tier, template: { ...template, parameters: parametersFor(await loadParameters(env.DB, params.name), tier) } };
    },
  }),
  route({
    method: "POST", path: "/templates/sync", access: ["admin"],
    summary: "Installs this version's built-in workers and templates (the production install path; a worker's operational settings an admin changed are kept) and rebuilds the KAM template cache from the orchestrator's definitions, deactivating templates it no longer has.",
    response: TemplateSyncSchema,
    handler: async ({ env, now }) => {
      await env.DB.batch([...installWorkerStatements(env.DB, now, BuiltinWorkers), ...installTemplateStatements(env.DB, now, BuiltinTemplates)]);
      const cache = await syncTemplateCache(env.DB, now);
      return { success: true as const, workers: BuiltinWorkers.length, builtin_templates: BuiltinTemplates.length, ...cache };
    },
  }),
];
