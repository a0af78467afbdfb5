import * as v from "valibot";
import { aiClient } from "../ai";
import { round } from "../ai/text";
import { describeError, log } from "../lib/log";
import { mapInput } from "../actors/pipeline/paths";
import { readJsonColumn } from "../catalog/json-columns";
import type { JsonObject } from "../lib/json";
import { WorkerSpecs } from "../workers/specs";
import { atLine, criticalPath, fitLine, median, predictUnits, quantile, type SizeSample } from "./model";

/** How much history an estimate stands on: none (registry defaults), a few runs, or enough. */
export type EstimateBasis = "registry" | "thin_history" | "history";

/** A template has a learned estimate once this many of its runs completed. */
export const MIN_HISTORY_RUNS = 5;
/** A cost or duration line is fitted from this many executions; fewer give their mean. */
const MIN_FIT_SAMPLES = 3;
/** Runs read per template, executions per worker, runs scored for calibration and intervals. */
const TEMPLATE_RUNS = 200;
const WORKER_SAMPLES = 300;
const SCORED_RUNS = 50;
const CALIBRATION_RUNS = 20;
/** The interval's level, and its spread (× the estimate) while fewer than MIN_INTERVAL_RUNS runs were scored. */
export const CONFIDENCE_LEVEL = 0.9;
const MIN_INTERVAL_RUNS = 5;
const DEFAULT_SPREAD: Record<EstimateBasis, [number, number]> = { registry: [0.5, 2], thin_history: [0.7, 1.5], history: [0.8, 1.25] };

/** One step's share of an estimate (the seed's `worker_costs`). */
export interface StepEstimate {
  step_id: string;
  worker: string;
  /** The input size the step is expected to get, in the worker's unit; null when unknown. */
  units: number | null;
  unit: string | null;
  /** Where the size came from: the run's parameters, earlier runs of this template, or nowhere. */
  units_from: "parameters" | "history" | "unknown";
  /** The parameters lie outside what history has seen: the size was scaled, not learned (the interval widens). */
  extrapolated: boolean;
  /** How often the step runs (conditional and optional steps are sometimes skipped), learned from earlier runs. */
  run_probability: number;
  cost_micros: number;
  duration_ms: number;
  /** What the step's cost and duration stand on, and how many executions. */
  basis: EstimateBasis;
  samples: number;
}

/** A run's estimate: expected cost and duration with a confidence interval and a per-step breakdown. */
export interface RunEstimate {
  template_name: string;
  cost_micros: number;
  duration_ms: number;
  cost_interval: { low_micros: number; high_micros: number; confidence_level: number };
  duration_interval: { low_ms: number; high_ms: number; confidence_level: number };
  /** Before calibration (the template's median actual ÷ estimate over its recent runs). */
  raw: { cost_micros: number; duration_ms: number };
  calibration: { cost_factor: number; duration_factor: number; runs: number };
  basis: EstimateBasis;
  /** Completed runs of this template the estimate learned from. */
  history_runs: number;
  steps: StepEstimate[];
}

interface StepRow {
  step_id: string; worker_name: string; depends_on: string; input_mapping: string; condition: string | null; is_optional: number;
  cost_per_execution_micros: number; avg_execution_time_ms: number;
}
interface RunRow { pipeline_id: string; parameters: string | null; step_id: string | null; worker_name: string | null; input_units: number | null; cost_micros: number | null; execution_time_ms: number | null; success: number | null }
interface WorkerRow { worker_name: string; input_units: number; cost_micros: number; execution_time_ms: number }
interface ScoredRow { predicted_cost_micros: number; predicted_duration_ms: number; raw_cost_micros: number; raw_duration_ms: number; basis: string; total_cost_micros: number; total_execution_time_ms: number }
interface Execution { units: number | null; cost: number; ms: number; variant: string }

const StringList = v.array(v.string());
const StringMap = v.record(v.string(), v.string());
const Params = v.nullable(v.record(v.string(), v.unknown())) as v.GenericSchema<unknown, JsonObject | null>;

/**
 * Estimates a run of `templateName` with these (already checked) inputs, learned from history:
 *
 * - each step's input size: from the parameters when its input maps only from them (the worker's
 *   own estimator), else predicted from earlier runs of the template (see `predictUnits`);
 * - each step's cost and duration: a line against input size, fitted over the template step's
 *   executions with the same select/boolean settings, else the template step's (scaled by the
 *   setting's own ratio to it when seen once or twice), else the worker's anywhere; with no history, the worker's estimator priced at the AI chain's prices,
 *   or the registry's per-execution cost and average time;
 * - cost is the sum and duration the critical path, each step weighted by how often it ran in
 *   the template's history (conditional and optional steps);
 * - both are calibrated by the median actual ÷ estimate over the template's recent runs of the
 *   same basis, and bounded by the 5th and 95th percentiles of that ratio (90 % interval).
 */
export async function estimateRun(env: Env, templateName: string, inputs: JsonObject): Promise<RunEstimate> {
  const db = env.DB;
  const [stepRes, runRes, scoredRes, switchRes] = await db.batch([
    db.prepare(`SELECT s.step_id, s.worker_name, s.depends_on, s.input_mapping, s.condition, s.is_optional, w.cost_per_execution_micros, w.avg_execution_time_ms
      FROM pipeline_steps s JOIN worker_registry w ON w.worker_name = s.worker_name WHERE s.template_name = ? ORDER BY s.step_order`).bind(templateName),
    // The latest completed runs (idx_executions_template_status_completed: no sort), with their executions.
    db.prepare(`SELECT e.pipeline_id, e.parameters, r.step_id, r.worker_name, r.input_units, r.cost_micros, r.execution_time_ms, r.success
      FROM (SELECT pipeline_id, parameters FROM pipeline_executions WHERE template_name = ?1 AND status = 'completed'
            ORDER BY completed_at DESC LIMIT ?2) e
      LEFT JOIN worker_execution_results r ON r.pipeline_id = e.pipeline_id`).bind(templateName, TEMPLATE_RUNS),
    db.prepare(`SELECT p.predicted_cost_micros, p.predicted_duration_ms, p.raw_cost_micros, p.raw_duration_ms, p.basis, e.total_cost_micros, e.total_execution_time_ms
      FROM (SELECT pipeline_id, total_cost_micros, total_execution_time_ms, completed_at FROM pipeline_executions
            WHERE template_name = ?1 AND status = 'completed' ORDER BY completed_at DESC LIMIT ?2) e
      JOIN pipeline_estimates p ON p.pipeline_id = e.pipeline_id ORDER BY e.completed_at DESC`).bind(templateName, SCORED_RUNS),
    // Its select and boolean parameters: settings that change a step's cost per unit (analysis depth).
    db.prepare(`SELECT parameter_name FROM template_parameters WHERE template_name = ? AND parameter_type IN ('select', 'boolean')`).bind(templateName),
  ]);
  // Each worker's latest sized executions (idx_worker_results_sized), for steps the template's own history does not cover.
  const steps = stepRes!.results as unknown as StepRow[];
  const workerNames = [...new Set(steps.map((st) => st.worker_name))];
  const workerRes = workerNames.length === 0 ? [] : await db.batch(workerNames.map((w) => sizedExecutions(db, w, WORKER_SAMPLES)));
  const switches = new Set((switchRes!.results as { parameter_name: string }[]).map((r) => r.parameter_name));

  // Earlier runs of the template: their parameters, and per step its successful execution.
  const runs = new Map<string, { params: JsonObject; steps: Map<string, Execution>; ran: Set<string> }>();
  for (const row of runRes!.results as unknown as RunRow[]) {
    let run = runs.get(row.pipeline_id);
    if (!run) runs.set(row.pipeline_id, run = { params: readJsonColumn(Params, row.parameters, "pipeline_executions.parameters") ?? {}, steps: new Map(), ran: new Set() });
    if (row.step_id === null) continue;
    run.ran.add(row.step_id);
    if (row.success === 1) run.steps.set(row.step_id, { units: row.input_units, cost: row.cost_micros ?? 0, ms: row.execution_time_ms ?? 0, variant: "" });
  }
  const historyRuns = runs.size;
  const basis: EstimateBasis = historyRuns === 0 ? "registry" : historyRuns < MIN_HISTORY_RUNS ? "thin_history" : "history";
  const byWorker = new Map<string, Execution[]>();
  for (const row of workerRes.flatMap((r) => r.results as unknown as WorkerRow[])) {
    const list = byWorker.get(row.worker_name) ?? [];
    list.push({ units: row.input_units, cost: row.cost_micros, ms: row.execution_time_ms, variant: "" });
    byWorker.set(row.worker_name, list);
  }

  const ai = aiClient(env);
  const estimates: StepEstimate[] = [];
  for (const step of steps) {
    const mapping = readJsonColumn(StringMap, step.input_mapping, "pipeline_steps.input_mapping");
    const variantOf = (params: JsonObject) => JSON.stringify(Object.entries(mapping).filter(([, path]) => switches.has(inputName(path) ?? "")).map(([field, path]) => [field, params[inputName(path)!] ?? null]));
    const variant = variantOf(inputs);
    const executions: Execution[] = [];
    const sizes: SizeSample[] = [];
    let ran = 0;
    for (const run of runs.values()) {
      if (run.ran.has(step.step_id)) ran++;
      const e = run.steps.get(step.step_id);
      if (!e) continue;
      executions.push({ ...e, variant: variantOf(run.params) });
      if (e.units !== null) sizes.push({ features: numericFeatures(run.params), units: e.units });
    }
    // The step's input size, and the worker's own estimate where the parameters alone give its input.
    const spec = WorkerSpecs.get(step.worker_name);
    let units: number | null = null;
    const unit = spec?.unit ?? null;
    let unitsFrom: StepEstimate["units_from"] = "unknown";
    let prior = { cost: step.cost_per_execution_micros, ms: step.avg_execution_time_ms };
    if (spec && fromParametersOnly(mapping)) {
      const parsed = v.safeParse(spec.input, mapInput(mapping, { inputs }));
      if (parsed.success) {
        const e = spec.estimate(parsed.output);
        units = e.units;
        unitsFrom = "parameters";
        prior = { cost: step.cost_per_execution_micros + await ai.estimate({ input_tokens: e.ai_input_tokens, output_tokens: e.ai_output_tokens }), ms: e.duration_ms };
      }
    }
    let extrapolated = false;
    if (unitsFrom === "unknown") {
      const predicted = predictUnits(sizes, numericFeatures(inputs));
      if (predicted !== null) {
        units = Math.round(predicted.units * 10) / 10;
        unitsFrom = "history";
        extrapolated = predicted.extrapolated;
      }
    }
    // The closest history with enough executions: same settings, this template step, the worker
    // anywhere. A setting seen only once or twice scales the broader line by its own ratio to it.
    const same = executions.filter((e) => e.variant === variant);
    const tiers = [same, executions, byWorker.get(step.worker_name) ?? []];
    const chosen = tiers.find((t) => t.length >= MIN_FIT_SAMPLES) ?? tiers.find((t) => t.length > 0) ?? [];
    const scaled = chosen !== same && same.length > 0 && chosen.length >= MIN_FIT_SAMPLES;
    const at = (y: (e: Execution) => number) => scaled ? predict(chosen, units, y) * ratioTo(chosen, same, y) : predict(chosen, units, y);
    const { cost, ms } = chosen.length === 0 ? prior : { cost: at((e) => e.cost), ms: at((e) => e.ms) };
    const conditional = step.condition !== null || step.is_optional === 1;
    estimates.push({
      step_id: step.step_id, worker: step.worker_name, units, unit, units_from: unitsFrom, extrapolated,
      // How often it ran; over few runs smoothed towards running (the cautious side for a budget).
      run_probability: !conditional || historyRuns === 0 ? 1 : round(historyRuns >= MIN_HISTORY_RUNS ? ran / historyRuns : (ran + 1) / (historyRuns + 1)),
      cost_micros: Math.round(cost), duration_ms: Math.round(ms),
      basis: chosen.length === 0 ? "registry" : chosen.length < MIN_FIT_SAMPLES ? "thin_history" : "history", samples: chosen.length,
    });
  }

  const rawCost = Math.round(estimates.reduce((s, e) => s + e.cost_micros * e.run_probability, 0));
  const rawMs = Math.round(criticalPath(steps.map((st, i) => ({
    id: st.step_id, dependsOn: readJsonColumn(StringList, st.depends_on, "pipeline_steps.depends_on"), ms: estimates[i]!.duration_ms * estimates[i]!.run_probability,
  }))));
  // Calibration and interval from the template's scored runs made on the same basis.
  const scored = (scoredRes!.results as unknown as ScoredRow[]).filter((r) => r.basis === basis);
  const recent = scored.slice(0, CALIBRATION_RUNS);
  const factor = (pairs: [number, number][]) => {
    const ratios = pairs.filter(([raw]) => raw > 0).map(([raw, actual]) => actual / raw);
    return ratios.length >= MIN_FIT_SAMPLES ? median(ratios) : 1;
  };
  const costFactor = factor(recent.map((r) => [r.raw_cost_micros, r.total_cost_micros]));
  const durationFactor = factor(recent.map((r) => [r.raw_duration_ms, r.total_execution_time_ms]));
  const costMicros = Math.round(rawCost * costFactor);
  const durationMs = Math.round(rawMs * durationFactor);
  // Sizes scaled beyond history: the scored runs say nothing about them, so the widest spread.
  const extrapolating = estimates.some((e) => e.extrapolated);
  const interval = (value: number, pairs: [number, number][]): [number, number] => {
    const ratios = pairs.filter(([predicted]) => predicted > 0).map(([predicted, actual]) => actual / predicted);
    const [lo, hi] = ratios.length >= MIN_INTERVAL_RUNS && !extrapolating ? [quantile(ratios, 0.05), quantile(ratios, 0.95)] : DEFAULT_SPREAD[extrapolating ? "registry" : basis];
    return [Math.round(value * Math.min(lo, 1)), Math.round(value * Math.max(hi, 1))];
  };
  const [costLow, costHigh] = interval(costMicros, scored.map((r) => [r.predicted_cost_micros, r.total_cost_micros]));
  const [msLow, msHigh] = interval(durationMs, scored.map((r) => [r.predicted_duration_ms, r.total_execution_time_ms]));
  return {
    template_name: templateName, cost_micros: costMicros, duration_ms: durationMs,
    cost_interval: { low_micros: costLow, high_micros: costHigh, confidence_level: CONFIDENCE_LEVEL },
    duration_interval: { low_ms: msLow, high_ms: msHigh, confidence_level: CONFIDENCE_LEVEL },
    raw: { cost_micros: rawCost, duration_ms: rawMs },
    calibration: { cost_factor: round(costFactor), duration_factor: round(durationFactor), runs: recent.length },
    basis, history_runs: historyRuns, steps: estimates,
  };
}

/**
 * The learned estimate; if the estimator fails (a bug, a D1 hiccup), the template's registry
 * figures with the widest interval, logged: an estimate never stops a run from starting.
 */
export async function estimateOrDefault(env: Env, templateName: string, inputs: JsonObject): Promise<RunEstimate> {
  try {
    return await estimateRun(env, templateName, inputs);
  } catch (error) {
    log("error", "estimator failed; the template's registry estimate stands in", { template: templateName, ...describeError(error) });
    const row = await env.DB.prepare(`SELECT estimated_cost_micros AS cost, estimated_duration_ms AS ms FROM pipeline_templates WHERE name = ?`)
      .bind(templateName).first<{ cost: number; ms: number }>();
    const cost = row?.cost ?? 0;
    const ms = row?.ms ?? 0;
    return {
      template_name: templateName, cost_micros: cost, duration_ms: ms,
      cost_interval: { low_micros: Math.round(cost / 2), high_micros: cost * 2, confidence_level: CONFIDENCE_LEVEL },
      duration_interval: { low_ms: Math.round(ms / 2), high_ms: ms * 2, confidence_level: CONFIDENCE_LEVEL },
      raw: { cost_micros: cost, duration_ms: ms }, calibration: { cost_factor: 1, duration_factor: 1, runs: 0 },
      basis: "registry", history_runs: 0, steps: [],
    };
  }
}

/** A worker's latest successful executions with a known input size (newest first). */
export function sizedExecutions(db: D1Database, worker: string, limit: number): D1PreparedStatement {
  return db.prepare(`SELECT worker_name, input_units, cost_micros, execution_time_ms FROM worker_execution_results
    WHERE worker_name = ? AND success = 1 AND input_units IS NOT NULL ORDER BY completed_at DESC LIMIT ?`).bind(worker, limit);
}

/** Cost or duration at `units` from a line fitted over the executions (their mean when the size is unknown). */
function predict(executions: readonly Execution[], units: number | null, y: (e: Execution) => number): number {
  const sized = executions.filter((e) => e.units !== null);
  if (units === null || sized.length === 0) return executions.reduce((s, e) => s + y(e), 0) / executions.length;
  return atLine(fitLine(sized.map((e) => ({ x: e.units!, y: y(e) })))!, units);
}

/** The mean ratio of `few` executions to a line fitted over `many` at their sizes (1 when it cannot say). */
function ratioTo(many: readonly Execution[], few: readonly Execution[], y: (e: Execution) => number): number {
  const ratios = few.map((e) => ({ actual: y(e), line: predict(many, e.units, y) })).filter((r) => r.line > 0).map((r) => r.actual / r.line);
  return ratios.length === 0 ? 1 : ratios.reduce((a, b) => a + b, 0) / ratios.length;
}

/** Whether every path of a step's input mapping reads only the run's inputs or literals. */
function fromParametersOnly(mapping: Record<string, string>): boolean {
  return Object.values(mapping).every((path) => path.split(",").every((p) => p.trim().startsWith("=") || p.trim().startsWith("$.inputs.")));
}

/** The input a path names (`$.inputs.analysis_depth` → `analysis_depth`), if it names one whole. */
function inputName(path: string): string | null {
  const m = /^\$\.inputs\.([a-z][a-z0-9_]*)$/.exec(path.trim());
  return m ? m[1]! : null;
}

function numericFeatures(params: JsonObject): Record<string, number> {
  return Object.fromEntries(Object.entries(params).filter((e): e is [string, number] => typeof e[1] === "number" && Number.isFinite(e[1])));
}
