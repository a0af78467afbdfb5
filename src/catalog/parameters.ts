import * as v from "valibot";
import { AppError } from "../lib/errors";
import type { JsonObject, JsonValue } from "../lib/json";
import { readJsonColumn } from "./json-columns";
import type { ParameterDef } from "./template-defs";
import { Tiers, type Tier } from "./tiers";

interface ParameterRow {
  parameter_name: string; display_name: string; description: string; parameter_type: ParameterDef["parameter_type"];
  is_required: number; default_value: string | null; options: string | null; validation_rules: string;
  available_tiers: string; editable_tiers: string;
}

const TierList = v.array(v.picklist(Tiers));
const Rules = v.record(v.string(), v.unknown());

/** A template's parameters as the KAM cache holds them (`template_parameters`), in display order. */
export async function loadParameters(db: D1Database, template: string): Promise<ParameterDef[]> {
  const { results } = await db.prepare(`SELECT * FROM template_parameters WHERE template_name = ? ORDER BY display_order, parameter_name`)
    .bind(template).all<ParameterRow>();
  return results.map((r) => ({
    parameter_name: r.parameter_name, display_name: r.display_name, description: r.description, parameter_type: r.parameter_type,
    is_required: r.is_required === 1,
    default_value: r.default_value === null ? null : (JSON.parse(r.default_value) as unknown),
    options: r.options === null ? null : readJsonColumn(v.array(v.unknown()), r.options, "template_parameters.options"),
    validation_rules: readJsonColumn(Rules, r.validation_rules, "template_parameters.validation_rules"),
    available_tiers: readJsonColumn(TierList, r.available_tiers, "template_parameters.available_tiers"),
    editable_tiers: readJsonColumn(TierList, r.editable_tiers, "template_parameters.editable_tiers"),
  }));
}

/** A parameter as a tier sees it: whether it may set it, and its default. */
export function parametersFor(defs: readonly ParameterDef[], tier: Tier | null) {
  return defs.filter((p) => tier === null || p.available_tiers.includes(tier)).map((p) => ({
    name: p.parameter_name, display_name: p.display_name, description: p.description, type: p.parameter_type, required: p.is_required,
    default: p.default_value, options: p.options, rules: p.validation_rules,
    editable: tier === null ? p.editable_tiers : p.editable_tiers.includes(tier),
    ...(tier === null ? { available_tiers: p.available_tiers } : {}),
  }));
}

const num = (rules: Record<string, unknown>, key: string): number | undefined => (typeof rules[key] === "number" ? (rules[key] as number) : undefined);

/** Why a value breaks a parameter's type or rules (`must be …`), or null when it is fine. */
function ruleBroken(p: ParameterDef, value: unknown): string | null {
  const r = p.validation_rules;
  switch (p.parameter_type) {
    case "text":
    case "file": {
      if (typeof value !== "string") return "must be a string";
      const min = num(r, "min_length") ?? (p.parameter_type === "file" ? 1 : 0);
      const max = num(r, "max_length") ?? (p.parameter_type === "file" ? 2_048 : 10_000);
      if ([...value].length < min) return `must be at least ${min} characters`;
      if ([...value].length > max) return `must be at most ${max} characters`;
      // Control characters (other than newline and tab) have no place in a parameter.
      if (/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(value)) return "must not contain control characters";
      if (typeof r.pattern === "string" && !new RegExp(r.pattern, "u").test(value)) return `must match ${r.pattern}`;
      return null;
    }
    case "number": {
      if (typeof value !== "number" || !Number.isFinite(value)) return "must be a number";
      if (r.integer === true && !Number.isInteger(value)) return "must be a whole number";
      const min = num(r, "min");
      const max = num(r, "max");
      if (min !== undefined && value < min) return `must be at least ${min}`;
      if (max !== undefined && value > max) return `must be at most ${max}`;
      return null;
    }
    case "select":
      return (p.options ?? []).some((o) => JSON.stringify(o) === JSON.stringify(value)) ? null : `must be one of ${(p.options ?? []).map((o) => JSON.stringify(o)).join(", ")}`;
    case "boolean":
      return typeof value === "boolean" ? null : "must be true or false";
    case "array": {
      if (!Array.isArray(value)) return "must be an array";
      const min = num(r, "min_items");
      const max = num(r, "max_items") ?? 100;
      if (min !== undefined && value.length < min) return `must have at least ${min} items`;
      if (value.length > max) return `must have at most ${max} items`;
      if (typeof r.items === "string" && !value.every((x) => typeof x === r.items)) return `must be an array of ${r.items as string}s`;
      if (Array.isArray(r.item_options) && !value.every((x) => (r.item_options as unknown[]).includes(x))) return `items must be among ${(r.item_options as unknown[]).join(", ")}`;
      return null;
    }
    case "object": {
      if (value === null || typeof value !== "object" || Array.isArray(value)) return "must be an object";
      const max = num(r, "max_keys") ?? 50;
      if (Object.keys(value).length > max) return `must have at most ${max} keys`;
      return null;
    }
  }
}

/**
 * A template's parameters compiled against what a client of `tier` asks for, at run time:
 *
 * - a name the template does not declare → 422 naming it;
 * - a value of the wrong type or breaking a rule (length, range, pattern, options, items) → 422
 *   naming the field and the rule;
 * - a parameter its tier may not see, or may see but not change (a value other than the
 *   default) → 403 naming it and the tier;
 * - a required parameter missing → 422;
 * - every parameter the tier can see and nobody set gets its default.
 *
 * `field` prefixes names in errors (`template_parameters.max_feeds`). Returns the run's inputs.
 */
export function compileParameters(defs: readonly ParameterDef[], template: string, tier: Tier, given: JsonObject, field = "template_parameters"): JsonObject {
  const byName = new Map(defs.map((p) => [p.parameter_name, p]));
  const issues: { field: string; rule: string; message: string }[] = [];
  for (const name of Object.keys(given)) {
    if (!byName.has(name)) issues.push({ field: `${field}.${name}`, rule: "unknown", message: `is not a parameter of template '${template}' (GET /templates/${template} lists them)` });
  }
  const out: JsonObject = {};
  for (const p of defs) {
    const name = `${field}.${p.parameter_name}`;
    const has = Object.hasOwn(given, p.parameter_name) && given[p.parameter_name] !== null;
    if (has) {
      const value = given[p.parameter_name]!;
      if (!p.available_tiers.includes(tier)) throw new AppError("forbidden", `${name}: not available on the ${tier} tier (${p.available_tiers.join(", ")} only)`);
      if (!p.editable_tiers.includes(tier) && JSON.stringify(value) !== JSON.stringify(p.default_value)) {
        throw new AppError("forbidden", `${name}: fixed at ${JSON.stringify(p.default_value)} on the ${tier} tier (${p.editable_tiers.join(", ")} may change it)`);
      }
      const broken = ruleBroken(p, value);
      if (broken) issues.push({ field: name, rule: p.parameter_type, message: broken });
      else out[p.parameter_name] = value;
    } else if (p.available_tiers.includes(tier) && p.default_value !== null) {
      out[p.parameter_name] = p.default_value as JsonValue;
    } else if (p.is_required) {
      issues.push({ field: name, rule: "required", message: "is required" });
    }
  }
  if (issues.length > 0) {
    const first = issues[0]!;
    throw new AppError("validation_failed", `${first.field}: ${first.message}`, { issues });
  }
  return out;
}
