import * as v from "valibot";
import { aggregateCosts } from "../../economy/record";
import { chainPrices, loadPriceBook } from "../../ai";
import { round } from "../../ai/text";
import { clientScope } from "../../auth";
import { getClient } from "../../catalog/clients";
import { listTemplates } from "../../catalog/templates";
import { budgetCheck } from "../../economy/budget";
import { runWarnings } from "../../catalog/coverage";
import { estimateRun, sizedExecutions, type RunEstimate } from "../../economy/estimate";
import { fitLine, mape, median } from "../../economy/model";
import { notFound } from "../../lib/errors";
import type { JsonObject } from "../../lib/json";
import { microsToUsd } from "../../lib/money";
import { openTemplate, runInputs } from "../../orchestrator/start";
import { WorkerSpecs } from "../../workers/specs";
import { EstimateBody, EstimateResponseSchema, type EstimateSummary } from "../../contracts/runs";
import { EconomyPricingSchema, EconomyStatsSchema } from "../../contracts/economy";
import { route, type Route } from "../define";
import { actingClient, viewTier } from "../scope";
import { queryInt } from "../schemas";

/** A template's estimator is held to this once it has learned from this many completed runs. */
export const TARGET_RUNS = 20;
export const TARGET_MAPE_PERCENT = 10;
/** Runs summarised as a template's history in an estimate (the latest). */
const HISTORY_RUNS = 1_000;

interface ScoredRow {
  template_name: string; predicted_cost_micros: number; predicted_duration_ms: number; cost_low_micros: number; cost_high_micros: number;
  basis: string; history_runs: number; total_cost_micros: number; total_execution_time_ms: number;
}

/** A run's estimate in a start response: cost (USD) and duration with their 90 % intervals, and what it stands on. */
export function estimateSummary(e: RunEstimate): EstimateSummary {
  return {
    cost_usd: microsToUsd(e.cost_micros), cost_interval_usd: [microsToUsd(e.cost_interval.low_micros), microsToUsd(e.cost_interval.high_micros)],
    duration_ms: e.duration_ms, duration_interval_ms: [e.duration_interval.low_ms, e.duration_interval.high_ms],
    confidence_level: e.cost_interval.confidence_level, basis: e.basis, history_runs: e.history_runs,
  };
}

/** The learned economy: estimates, the estimator's accuracy, pricing. */
export const economyRoutes: Route[] = [
  route({
    method: "POST", path: "/economy/estimate", access: ["admin", "support", "client"], body: EstimateBody,
    summary: "Expected cost and duration of running a template with these parameters for a client: a 90 % confidence interval, a per-step breakdown (input size, run probability, cost, duration, what each stands on), the template's history, and a budget check against the client's ledger. Parameters are checked against the template's rules for the client's tier.",
    response: EstimateResponseSchema, errors: [404],
    handler: async ({ env, principal, body }) => {
      const clientId = actingClient(principal, body.client_id);
      const client = await getClient(env.DB, clientId);
      if (!client) throw notFound("client", clientId);
      await openTemplate(env.DB, body.template_name, client.subscription_tier, "body.template_name");
      const inputs = await runInputs(env.DB, body.template_name, client.subscription_tier, body.parameters as JsonObject, {}, "body.parameters");
      const [e, past] = await Promise.all([
        estimateRun(env, body.template_name, inputs),
        // The template's recent history (the caller's own runs for a client: never other tenants' figures).
        env.DB.prepare(`SELECT count(*) AS n, avg(total_cost_micros) AS cost, avg(total_execution_time_ms) AS ms,
            sum(status IN ('completed', 'partial')) AS ok, sum(status IN ('completed', 'partial', 'failed', 'cancelled')) AS ended
          FROM (SELECT total_cost_micros, total_execution_time_ms, status FROM pipeline_executions
                WHERE template_name = ?1 AND (?2 IS NULL OR client_id = ?2) ORDER BY created_at DESC LIMIT ?3)`)
          .bind(body.template_name, clientScope(principal), HISTORY_RUNS)
          .first<{ n: number; cost: number | null; ms: number | null; ok: number | null; ended: number | null }>(),
      ]);
      const [budget, warnings] = await Promise.all([budgetCheck(env, clientId, e), runWarnings(env.DB, e.template_name, e.steps.map((st) => st.worker), inputs)]);
      return {
        warnings,
        template_name: e.template_name, client_id: clientId, input_parameters: inputs,
        historical_executions: past?.n ?? 0,
        avg_cost_usd: past?.cost == null ? null : microsToUsd(Math.round(past.cost)),
        avg_execution_time_ms: past?.ms == null ? null : Math.round(past.ms),
        success_rate: past?.ended ? round((past.ok ?? 0) / past.ended) : null,
        estimated_cost_usd: microsToUsd(e.cost_micros), estimated_cost_micros: e.cost_micros, estimated_duration_ms: e.duration_ms,
        confidence_interval: { min_cost: microsToUsd(e.cost_interval.low_micros), max_cost: microsToUsd(e.cost_interval.high_micros), confidence_level: e.cost_interval.confidence_level },
        duration_interval: { min_ms: e.duration_interval.low_ms, max_ms: e.duration_interval.high_ms, confidence_level: e.duration_interval.confidence_level },
        worker_costs: Object.fromEntries(e.steps.map((s) => [s.step_id, {
          worker: s.worker, estimated_cost: microsToUsd(s.cost_micros), estimated_cost_micros: s.cost_micros, execution_time_ms: s.duration_ms,
          input_units: s.units, unit: s.unit, units_from: s.units_from, extrapolated: s.extrapolated, run_probability: s.run_probability, basis: s.basis, samples: s.samples,
        }])),
        basis: e.basis, history_runs: e.history_runs, calibration: e.calibration, raw: e.raw,
        budget_check: budget,
      };
    },
  }),
  route({
    method: "GET", path: "/economy/stats", access: ["admin", "support", "worker"],
    query: v.strictObject({ days: queryInt(1, 366, 30) }),
    summary: "The estimator's accuracy per template (mean absolute percentage error of cost and duration, overall and for predictions made once the template had 20 runs; how often the actual fell in the 90 % interval) and the daily cost_tracking aggregates of the last `days` days (yesterday's and today's brought up to date first: the nightly cron rebuilds older days).",
    response: EconomyStatsSchema,
    handler: async ({ env, query, now }) => {
      const since = new Date(now - query.days * 86_400_000).toISOString().slice(0, 10);
      const db = env.DB;
      // Idempotent (whole days recomputed), so a read shows today's spending, not the last cron's.
      await aggregateCosts(db, new Date(now - 86_400_000).toISOString().slice(0, 10));
      const [scored, daily, workers] = await db.batch<Record<string, string | number>>([
        // The latest predictions (idx_pipeline_estimates_created), scored where their run completed.
        db.prepare(`SELECT p.template_name, p.predicted_cost_micros, p.predicted_duration_ms, p.cost_low_micros, p.cost_high_micros, p.basis, p.history_runs,
            e.total_cost_micros, e.total_execution_time_ms
          FROM (SELECT * FROM pipeline_estimates ORDER BY created_at DESC LIMIT 5000) p JOIN pipeline_executions e ON e.pipeline_id = p.pipeline_id
          WHERE e.status = 'completed'`),
        db.prepare(`SELECT date, sum(executions) AS executions, sum(total_cost_micros) AS cost, sum(total_tokens_input) AS tin, sum(total_tokens_output) AS tout,
            sum(total_execution_time_ms) AS ms FROM cost_tracking WHERE date >= ? GROUP BY date ORDER BY date`).bind(since),
        db.prepare(`SELECT worker_name, sum(executions) AS executions, sum(total_cost_micros) AS cost, sum(total_execution_time_ms) AS ms
            FROM cost_tracking WHERE date >= ? GROUP BY worker_name ORDER BY cost DESC`).bind(since),
      ]);
      const byTemplate = new Map<string, ScoredRow[]>();
      for (const row of scored!.results as unknown as ScoredRow[]) byTemplate.set(row.template_name, [...(byTemplate.get(row.template_name) ?? []), row]);
      const accuracy = (rows: ScoredRow[]) => ({
        runs: rows.length,
        cost_mape_percent: round2(mape(rows.map((r) => ({ predicted: r.predicted_cost_micros, actual: r.total_cost_micros })))),
        duration_mape_percent: round2(mape(rows.map((r) => ({ predicted: r.predicted_duration_ms, actual: r.total_execution_time_ms })))),
        within_cost_interval: rows.length === 0 ? null : round2(rows.filter((r) => r.total_cost_micros >= r.cost_low_micros && r.total_cost_micros <= r.cost_high_micros).length / rows.length),
      });
      return {
        target: { mape_percent: TARGET_MAPE_PERCENT, after_runs: TARGET_RUNS },
        templates: [...byTemplate].map(([template, rows]) => {
          const trained = rows.filter((r) => r.history_runs >= TARGET_RUNS);
          const after = accuracy(trained);
          return {
            template, ...accuracy(rows), after_20_runs: after,
            meets_target: after.runs === 0 || after.cost_mape_percent === null ? null : after.cost_mape_percent < TARGET_MAPE_PERCENT,
            by_basis: Object.fromEntries(["registry", "thin_history", "history"].map((b) => [b, accuracy(rows.filter((r) => r.basis === b))])),
          };
        }),
        cost_tracking: {
          since,
          daily: daily!.results.map((r) => ({ date: String(r.date), executions: Number(r.executions), cost_usd: microsToUsd(Number(r.cost)), tokens_input: Number(r.tin), tokens_output: Number(r.tout), execution_time_ms: Number(r.ms) })),
          by_worker: workers!.results.map((r) => ({ worker: String(r.worker_name), executions: Number(r.executions), cost_usd: microsToUsd(Number(r.cost)), execution_time_ms: Number(r.ms) })),
        },
      };
    },
  }),
  route({
    method: "GET", path: "/economy/pricing", access: ["admin", "support", "client", "worker"],
    summary: "Prices: each worker's base cost per execution and its learned cost and time per unit of input; the AI chain's model prices; and per template (those the caller's tier may use) the typical cost and duration of its recent runs.",
    response: EconomyPricingSchema,
    handler: async ({ env, principal }) => {
      const db = env.DB;
      const tier = await viewTier(env, principal);
      const [{ results: registry }, templates, prices] = await Promise.all([
        db.prepare(`SELECT worker_name, display_name, cost_per_execution_micros, avg_execution_time_ms FROM worker_registry WHERE is_active = 1 ORDER BY worker_name`)
          .all<Record<string, string | number>>(),
        listTemplates(db, tier), loadPriceBook(db),
      ]);
      // Each worker's and template's latest history by index, newest first, bounded.
      const [samples, runs] = await Promise.all([
        registry.length === 0 ? [] : db.batch<Record<string, number>>(registry.map((w) => sizedExecutions(db, String(w.worker_name), 300))),
        templates.length === 0 ? [] : db.batch<Record<string, number>>(templates.map((t) => db.prepare(
          `SELECT total_cost_micros, total_execution_time_ms FROM pipeline_executions WHERE template_name = ? AND status = 'completed' ORDER BY completed_at DESC LIMIT 50`,
        ).bind(t.template_name))),
      ]);
      return {
        currency: "USD" as const,
        workers: registry.map((w, i) => {
          const mine = samples[i]!.results.map((s) => ({ x: Number(s.input_units), cost: Number(s.cost_micros), ms: Number(s.execution_time_ms) }));
          const cost = fitLine(mine.map((s) => ({ x: s.x, y: s.cost })));
          const time = fitLine(mine.map((s) => ({ x: s.x, y: s.ms })));
          return {
            worker: String(w.worker_name), display_name: String(w.display_name), unit: WorkerSpecs.get(String(w.worker_name))?.unit ?? null,
            base_cost_micros: Number(w.cost_per_execution_micros), registry_avg_execution_time_ms: Number(w.avg_execution_time_ms),
            learned: cost && time ? { samples: cost.n, fixed_cost_micros: Math.round(cost.a), cost_per_unit_micros: round2(cost.b), fixed_time_ms: Math.round(time.a), time_per_unit_ms: round2(time.b) } : null,
          };
        }),
        ai_chain: chainPrices(env, prices),
        templates: templates.map((t, i) => {
          const recent = runs[i]!.results;
          return {
            template: t.template_name, display_name: t.display_name, registry_estimate_usd: t.estimated_cost_usd, registry_duration_ms: t.estimated_duration_ms,
            recent_runs: recent.length,
            typical_cost_usd: recent.length === 0 ? null : microsToUsd(Math.round(median(recent.map((r) => Number(r.total_cost_micros))))),
            typical_duration_ms: recent.length === 0 ? null : Math.round(median(recent.map((r) => Number(r.total_execution_time_ms)))),
          };
        }),
      };
    },
  }),
];

function round2(x: number | null): number | null {
  return x === null ? null : Math.round(x * 100) / 100;
}
