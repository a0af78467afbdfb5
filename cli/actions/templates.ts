/** Templates and estimates. */
import { EstimateResponseSchema } from "../../src/contracts/runs";
import * as v from "valibot";
import { FlowStepSchema, TemplateDetailSchema, TemplateListSchema } from "../../src/contracts/templates";
import type { Handler } from "../action";
import { clip, duration, micros, usd } from "../format";
import { parseParams } from "../params";

/** A template's flow as its DAG's levels: "collect → analyse, enrich → compose" (steps side by side run in parallel). */
export function flowText(flow: readonly unknown[]): string {
  const steps = v.safeParse(v.array(FlowStepSchema), flow);
  if (!steps.success) return `${flow.length} steps`;
  const level = new Map<string, number>();
  const levelOf = (id: string, seen: Set<string> = new Set()): number => {
    const known = level.get(id);
    if (known !== undefined) return known;
    const step = steps.output.find((s) => s.step_id === id);
    if (!step || seen.has(id)) return 0;
    seen.add(id);
    const l = step.depends_on.length === 0 ? 0 : 1 + Math.max(...step.depends_on.map((d) => levelOf(d, seen)));
    level.set(id, l);
    return l;
  };
  const levels: string[][] = [];
  for (const s of steps.output) (levels[levelOf(s.step_id)] ??= []).push(s.optional ? `${s.step_id}?` : s.step_id);
  return levels.filter(Boolean).map((l) => l.join(", ")).join(" → ");
}

/** `aif templates list`. */
export const list: Handler<{ tier?: string }> = async (ctx, _args, options) => {
  const answer = await ctx.api.get(TemplateListSchema, "/templates", { query: { tier: options.tier } });
  ctx.out.emit(answer, () => {
    ctx.out.table(["template", "name", "category", "steps", "typical cost", "typical time"], answer.templates.map((t) => [
      t.template_name, t.display_name, t.category, t.worker_flow.length, usd(t.estimated_cost_usd), duration(t.estimated_duration_ms),
    ]), ["left", "left", "left", "right", "right", "right"]);
    ctx.out.line(ctx.out.c.dim(`${answer.templates.length} template${answer.templates.length === 1 ? "" : "s"}${answer.tier ? ` open to the ${answer.tier} tier` : ""}; 'aif templates show <template>' for its parameters`));
  }, answer.templates);
};

/** `aif templates show <template>`. */
export const show: Handler<{ tier?: string }> = async (ctx, [name], options) => {
  const { template, tier } = await ctx.api.get(TemplateDetailSchema, `/templates/${encodeURIComponent(name!)}`, { query: { tier: options.tier } });
  ctx.out.emit({ tier, template }, () => {
    ctx.out.line(`${ctx.out.c.bold(template.display_name)} (${template.template_name}) · ${template.category} · ${template.complexity_level}`);
    ctx.out.line(template.description);
    ctx.out.line();
    ctx.out.fields([
      ["steps", `${flowText(template.worker_flow)}${template.worker_flow.some((s) => (s as { optional?: unknown }).optional === true) ? "  (? optional)" : ""}`],
      ["tiers", template.allowed_tiers.join(", ")],
      ["typical", `${usd(template.estimated_cost_usd)}, ${duration(template.estimated_duration_ms)}`],
    ]);
    ctx.out.line();
    ctx.out.table(["parameter", "type", "required", "default", "rules", "you may change"], template.parameters.map((p) => [
      p.name, p.options ? `${p.type}: ${p.options.map(String).join("|")}` : p.type, p.required ? "yes" : "no",
      p.default === null || p.default === undefined ? "-" : clip(JSON.stringify(p.default), 30),
      clip(Object.entries(p.rules).map(([k, v]) => `${k} ${JSON.stringify(v)}`).join(", ") || "-", 40),
      Array.isArray(p.editable) ? p.editable.join(", ") : p.editable ? "yes" : "no",
    ]));
    ctx.out.line(ctx.out.c.dim(`run it: aif run ${template.template_name} --topic "…" [-p name=value …]`));
  });
};

interface EstimateOptions { topic?: string; param: string[]; client?: string }

/** `aif estimate <template>`. */
export const estimate: Handler<EstimateOptions> = async (ctx, [template], options) => {
  const parameters = parseParams(options.param, options.topic !== undefined ? { topic: options.topic } : {});
  const e = await ctx.api.post(EstimateResponseSchema, "/economy/estimate", { template_name: template, parameters, ...(options.client ? { client_id: options.client } : {}) });
  ctx.out.emit(e, () => {
    const level = `${Math.round(e.confidence_interval.confidence_level * 100)}%`;
    ctx.out.fields([
      ["template", `${e.template_name} for ${e.client_id}`],
      ["cost", `${usd(e.estimated_cost_usd)} (${level}: ${usd(e.confidence_interval.min_cost)}–${usd(e.confidence_interval.max_cost)})`],
      ["time", `${duration(e.estimated_duration_ms)} (${level}: ${duration(e.duration_interval.min_ms)}–${duration(e.duration_interval.max_ms)})`],
      ["basis", `${e.basis}, ${e.history_runs} earlier run${e.history_runs === 1 ? "" : "s"}`],
      ["budget", e.budget_check.approved
        ? `covered: ${usd(e.budget_check.remaining_budget)} available, the run holds up to ${usd(e.budget_check.needed_cost)}`
        : `NOT covered: ${usd(e.budget_check.remaining_budget)} available, the run needs ${usd(e.budget_check.needed_cost)}`],
      ...e.warnings.map((w): [string, string] => ["warning", w]),
    ]);
    ctx.out.line();
    ctx.out.table(["step", "worker", "cost", "time", "runs", "basis"], Object.entries(e.worker_costs).map(([step, w]) => [
      step, w.worker, micros(w.estimated_cost_micros), duration(w.execution_time_ms), `${Math.round(w.run_probability * 100)}%`, `${w.basis} (${w.samples})`,
    ]), ["left", "left", "right", "right", "right", "left"]);
  });
};
