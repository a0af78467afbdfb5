import * as v from "valibot";
import { isoTime } from "../lib/ids";
import { microsToUsd } from "../lib/money";
import { readJsonColumn } from "./json-columns";
import { BuiltinTemplates, type TemplateDef } from "./template-defs";
import { Tiers, type Tier } from "./tiers";

const TierList = v.array(v.picklist(Tiers));

/**
 * Statements that install the built-in templates: the orchestrator's definitions
 * (pipeline_templates, pipeline_steps) and the KAM cache built from them (pipeline_template_cache,
 * template_parameters). Re-running replaces the definitions, so it is idempotent.
 */
export function installTemplateStatements(db: D1Database, now: number, templates: readonly TemplateDef[] = BuiltinTemplates): D1PreparedStatement[] {
  const at = isoTime(now);
  return templates.flatMap((t) => [
    db.prepare(
      `INSERT INTO pipeline_templates (name, display_name, description, category, complexity_level, allowed_tiers,
         keyword_triggers, estimated_duration_ms, estimated_cost_micros, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (name) DO UPDATE SET display_name = excluded.display_name, description = excluded.description,
         category = excluded.category, complexity_level = excluded.complexity_level, allowed_tiers = excluded.allowed_tiers,
         keyword_triggers = excluded.keyword_triggers, estimated_duration_ms = excluded.estimated_duration_ms,
         estimated_cost_micros = excluded.estimated_cost_micros, updated_at = excluded.updated_at`,
    ).bind(t.name, t.display_name, t.description, t.category, t.complexity_level, JSON.stringify(t.allowed_tiers),
      JSON.stringify(t.keyword_triggers), t.estimated_duration_ms, t.estimated_cost_micros, at, at),
    db.prepare(`DELETE FROM pipeline_steps WHERE template_name = ?`).bind(t.name),
    ...t.steps.map((s, i) => db.prepare(
      `INSERT INTO pipeline_steps (template_name, step_id, step_order, worker_name, depends_on, input_mapping,
         output_mapping, condition, fallback_workers, is_optional, timeout_ms, retry_policy)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).bind(t.name, s.step_id, i + 1, s.worker_name, JSON.stringify(s.depends_on), JSON.stringify(s.input_mapping),
      JSON.stringify(s.output_mapping), s.condition ? JSON.stringify(s.condition) : null, JSON.stringify(s.fallback_workers),
      s.is_optional ? 1 : 0, s.timeout_ms, s.retry_policy ? JSON.stringify(s.retry_policy) : null)),
    db.prepare(
      `INSERT INTO pipeline_template_cache (template_name, display_name, description, category, complexity_level,
         worker_flow, allowed_tiers, keyword_triggers, estimated_duration_ms, estimated_cost_micros, synced_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (template_name) DO UPDATE SET display_name = excluded.display_name, description = excluded.description,
         category = excluded.category, complexity_level = excluded.complexity_level, worker_flow = excluded.worker_flow,
         allowed_tiers = excluded.allowed_tiers, keyword_triggers = excluded.keyword_triggers,
         estimated_duration_ms = excluded.estimated_duration_ms, estimated_cost_micros = excluded.estimated_cost_micros,
         synced_at = excluded.synced_at`,
    ).bind(t.name, t.display_name, t.description, t.category, t.complexity_level,
      JSON.stringify(t.steps.map((s) => ({ step_id: s.step_id, worker_name: s.worker_name, depends_on: s.depends_on, optional: s.is_optional }))),
      JSON.stringify(t.allowed_tiers), JSON.stringify(t.keyword_triggers), t.estimated_duration_ms, t.estimated_cost_micros, at),
    db.prepare(`DELETE FROM template_parameters WHERE template_name = ?`).bind(t.name),
    ...t.parameters.map((p, i) => db.prepare(
      `INSERT INTO template_parameters (template_name, parameter_name, display_name, description, parameter_type,
         is_required, default_value, options, validation_rules, available_tiers, editable_tiers, display_order)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).bind(t.name, p.parameter_name, p.display_name, p.description, p.parameter_type, p.is_required ? 1 : 0,
      p.default_value === null ? null : JSON.stringify(p.default_value), p.options ? JSON.stringify(p.options) : null,
      JSON.stringify(p.validation_rules), JSON.stringify(p.available_tiers), JSON.stringify(p.editable_tiers), i)),
  ]);
}

interface CacheRow {
  template_name: string; display_name: string; description: string; category: string; complexity_level: string;
  worker_flow: string; allowed_tiers: string; keyword_triggers: string; estimated_duration_ms: number; estimated_cost_micros: number;
}

/** A cached template as the KAM API lists it. */
export interface TemplateSummary {
  template_name: string; display_name: string; description: string; category: string; complexity_level: string;
  worker_flow: unknown[]; allowed_tiers: Tier[]; keyword_triggers: string[];
  estimated_duration_ms: number; estimated_cost_usd: number;
}

/** Active templates in the KAM cache, only those open to `tier` when it is given. */
export async function listTemplates(db: D1Database, tier: Tier | null): Promise<TemplateSummary[]> {
  const { results } = await db.prepare(
    `SELECT * FROM pipeline_template_cache
     WHERE is_active = 1 AND (?1 IS NULL OR EXISTS (SELECT 1 FROM json_each(allowed_tiers) WHERE value = ?1))
     ORDER BY template_name`,
  ).bind(tier).all<CacheRow>();
  return results.map((r) => ({
    template_name: r.template_name, display_name: r.display_name, description: r.description, category: r.category,
    complexity_level: r.complexity_level,
    worker_flow: readJsonColumn(v.array(v.unknown()), r.worker_flow, "pipeline_template_cache.worker_flow"),
    allowed_tiers: readJsonColumn(TierList, r.allowed_tiers, "pipeline_template_cache.allowed_tiers"),
    keyword_triggers: readJsonColumn(v.array(v.string()), r.keyword_triggers, "pipeline_template_cache.keyword_triggers"),
    estimated_duration_ms: r.estimated_duration_ms, estimated_cost_usd: microsToUsd(r.estimated_cost_micros),
  }));
}

/**
 * Rebuilds the KAM template cache from the orchestrator's definitions (`pipeline_templates`,
 * `pipeline_steps`): every template's row is written again (its worker flow from its steps, in
 * order), and a cached template the orchestrator no longer has is deactivated. Parameters
 * (`template_parameters`) are KAM's own and stay. Returns the cache's size and how many rows
 * were deactivated.
 */
export async function syncTemplateCache(db: D1Database, now: number): Promise<{ cached: number; deactivated: number }> {
  const at = isoTime(now);
  const [, gone, count] = await db.batch([
    db.prepare(
      `INSERT INTO pipeline_template_cache (template_name, display_name, description, category, complexity_level, worker_flow,
         allowed_tiers, keyword_triggers, estimated_duration_ms, estimated_cost_micros, is_active, synced_at)
       SELECT t.name, t.display_name, t.description, t.category, t.complexity_level,
         coalesce((SELECT json_group_array(json_object('step_id', s.step_id, 'worker_name', s.worker_name, 'depends_on', json(s.depends_on),
           'optional', json(CASE s.is_optional WHEN 1 THEN 'true' ELSE 'false' END)))
           FROM (SELECT * FROM pipeline_steps WHERE template_name = t.name ORDER BY step_order) s), '[]'),
         t.allowed_tiers, t.keyword_triggers, t.estimated_duration_ms, t.estimated_cost_micros, t.is_active, ?1
       FROM pipeline_templates t WHERE true
       ON CONFLICT (template_name) DO UPDATE SET display_name = excluded.display_name, description = excluded.description,
         category = excluded.category, complexity_level = excluded.complexity_level, worker_flow = excluded.worker_flow,
         allowed_tiers = excluded.allowed_tiers, keyword_triggers = excluded.keyword_triggers,
         estimated_duration_ms = excluded.estimated_duration_ms, estimated_cost_micros = excluded.estimated_cost_micros,
         is_active = excluded.is_active, synced_at = excluded.synced_at`,
    ).bind(at),
    db.prepare(`UPDATE pipeline_template_cache SET is_active = 0, synced_at = ?1 WHERE is_active = 1 AND template_name NOT IN (SELECT name FROM pipeline_templates)`).bind(at),
    db.prepare(`SELECT count(*) AS n FROM pipeline_template_cache`),
  ]);
  return { cached: Number((count!.results[0] as { n: number }).n), deactivated: gone!.meta.changes };
}
