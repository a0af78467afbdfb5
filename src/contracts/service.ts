import * as v from "valibot";

/**
 * The answers of the service's own routes: its root, `/help`, the dashboard statistics, the AI
 * price table and the development seed.
 */

/** `GET /`: the service's name, version and where to go next. */
export const ServiceInfoSchema = v.object({
  service: v.string(), version: v.string(), status: v.literal("ok"), environment: v.string(), timestamp: v.string(),
  help: v.string(), health: v.string(), dashboard: v.string(), openapi: v.string(), docs: v.string(),
});

/** One route as `/help` lists it, with the JSON Schemas of its inputs and answer. */
export const CatalogEntrySchema = v.object({
  method: v.string(), path: v.string(), summary: v.string(),
  access: v.union([v.literal("public"), v.array(v.string())]),
  params: v.optional(v.record(v.string(), v.unknown())),
  query: v.optional(v.record(v.string(), v.unknown())),
  body: v.optional(v.record(v.string(), v.unknown())),
  response: v.optional(v.record(v.string(), v.unknown())),
});
export type CatalogEntry = v.InferOutput<typeof CatalogEntrySchema>;

/** `GET /help`: every route, generated from the router's declarations. */
export const CatalogSchema = v.object({
  service: v.string(), version: v.string(), openapi: v.string(),
  authentication: v.record(v.string(), v.string()), errors: v.string(), routes: v.array(CatalogEntrySchema),
});

/** `GET /dashboard/stats`: requests, pipelines and money over a window. */
export const DashboardStatsSchema = v.object({
  since: v.string(), client_id: v.nullable(v.string()),
  requests_by_status: v.record(v.string(), v.number()),
  spend_by_client: v.array(v.object({ client_id: v.unknown(), pipelines: v.number(), cost_usd: v.number() })),
  spend_by_template: v.array(v.object({ template: v.unknown(), pipelines: v.number(), cost_usd: v.number() })),
  pipelines: v.object({ running: v.number(), steps_waiting_for_capacity: v.nullable(v.number()), by_status: v.record(v.string(), v.number()) }),
  unbilled_this_month: v.array(v.object({ client_id: v.unknown(), unbilled_usd: v.number(), unbilled_micros: v.number() })),
  success_rate: v.nullable(v.number()),
});
export type DashboardStats = v.InferOutput<typeof DashboardStatsSchema>;

/** A model's price: micro-USD per million input and output tokens ('*' is a provider's default). */
export const ModelPriceSchema = v.object({
  provider: v.string(), model: v.string(), input_micros_per_mtok: v.number(), output_micros_per_mtok: v.number(), updated_at: v.string(),
});

/** `GET /admin/ai/prices`. */
export const PriceListSchema = v.object({ prices: v.array(ModelPriceSchema) });

/** `PUT /admin/ai/prices/:provider/:model`: the price now in force for that model. */
export const PriceAnswerSchema = v.object({ price: v.nullable(ModelPriceSchema) });

/** `POST /dev/seed`: the demo accounts and how much of the catalog was seeded. */
export const SeedReportSchema = v.object({
  staff: v.array(v.object({ email: v.string(), password: v.string(), role: v.string() })),
  clients: v.array(v.object({ client_id: v.string(), tier: v.string(), email: v.string(), password: v.string(), api_key: v.string() })),
  templates: v.number(), workers: v.number(), rss_sources: v.number(),
});

/** `GET /openapi.json`: the OpenAPI 3.1 document (its shape is OpenAPI's own; its validity is checked in the suite). */
export const OpenApiDocumentSchema = v.looseObject({
  openapi: v.literal("3.1.0"), info: v.looseObject({ title: v.string(), version: v.string() }),
  paths: v.record(v.string(), v.record(v.string(), v.unknown())), components: v.record(v.string(), v.unknown()),
});
