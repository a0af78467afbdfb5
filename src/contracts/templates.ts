import * as v from "valibot";
import { Tiers } from "../catalog/tiers";

/** A step of a template's flow as the catalog lists it. */
export const FlowStepSchema = v.object({
  step_id: v.string(), worker_name: v.string(), depends_on: v.array(v.string()), optional: v.boolean(),
});

/** A cached template as `GET /templates` lists it. */
export const TemplateSummarySchema = v.object({
  template_name: v.string(), display_name: v.string(), description: v.string(), category: v.string(), complexity_level: v.string(),
  // Stored as JSON by the catalog: read back unchecked (FlowStepSchema describes what it holds).
  worker_flow: v.array(v.unknown()), allowed_tiers: v.array(v.picklist(Tiers)), keyword_triggers: v.array(v.string()),
  estimated_duration_ms: v.number(), estimated_cost_usd: v.number(),
});
export type TemplateSummaryData = v.InferOutput<typeof TemplateSummarySchema>;

/** `GET /templates`: the templates open to `tier` (null: staff, all of them). */
export const TemplateListSchema = v.object({ tier: v.nullable(v.picklist(Tiers)), templates: v.array(TemplateSummarySchema) });
export type TemplateList = v.InferOutput<typeof TemplateListSchema>;

/** Parameter types a template declares. */
export const ParameterTypes = ["text", "number", "select", "boolean", "file", "array", "object"] as const;

/**
 * A template parameter as a tier sees it: its type, default, options and rules (text:
 * min_length, max_length, pattern; number: min, max, integer; array: min_items, max_items,
 * items, item_options; object: max_keys), and whether the tier may change it (`editable`; staff
 * without a tier get the tiers that may, and `available_tiers`).
 */
export const TemplateParameterSchema = v.object({
  name: v.string(), display_name: v.string(), description: v.string(), type: v.picklist(ParameterTypes), required: v.boolean(),
  default: v.unknown(), options: v.nullable(v.array(v.unknown())), rules: v.record(v.string(), v.unknown()),
  editable: v.union([v.boolean(), v.array(v.picklist(Tiers))]),
  available_tiers: v.optional(v.array(v.picklist(Tiers))),
});
export type TemplateParameter = v.InferOutput<typeof TemplateParameterSchema>;

/** `GET /templates/:name`: one template with its parameters. */
export const TemplateDetailSchema = v.object({
  tier: v.nullable(v.picklist(Tiers)),
  template: v.object({ ...TemplateSummarySchema.entries, parameters: v.array(TemplateParameterSchema) }),
});
export type TemplateDetail = v.InferOutput<typeof TemplateDetailSchema>;

/** `POST /templates/sync`: what was installed and what the template cache holds now. */
export const TemplateSyncSchema = v.object({
  success: v.literal(true), workers: v.number(), builtin_templates: v.number(), cached: v.number(), deactivated: v.number(),
});
