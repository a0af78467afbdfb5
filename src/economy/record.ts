import { isoTime } from "../lib/ids";
import type { RunEstimate } from "./estimate";

/**
 * Records what the estimator predicted for a run, before the run starts, so the finished run can
 * be scored against it (`GET /economy/stats`). The first prediction for a pipeline id stands:
 * starting the same run again does not replace it.
 */
export function recordEstimateStatement(db: D1Database, pipelineId: string, clientId: string, e: RunEstimate, now: number): D1PreparedStatement {
  return db.prepare(
    `INSERT INTO pipeline_estimates (pipeline_id, template_name, client_id, predicted_cost_micros, predicted_duration_ms, raw_cost_micros,
       raw_duration_ms, cost_low_micros, cost_high_micros, basis, history_runs, created_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (pipeline_id) DO NOTHING`,
  ).bind(pipelineId, e.template_name, clientId, e.cost_micros, e.duration_ms, e.raw.cost_micros, e.raw.duration_ms,
    e.cost_interval.low_micros, e.cost_interval.high_micros, e.basis, e.history_runs, isoTime(now));
}

/**
 * Rebuilds the daily cost_tracking aggregates (per day, client, template and worker) of every
 * day from `sinceDay` (YYYY-MM-DD, UTC) on, from worker_execution_results. Recomputing whole
 * days makes it idempotent: running it twice, or after late results, gives the same rows.
 * Returns the number of rows written.
 */
export async function aggregateCosts(db: D1Database, sinceDay: string): Promise<number> {
  const result = await db.prepare(
    `INSERT INTO cost_tracking (date, client_id, template_name, worker_name, executions, total_cost_micros, total_tokens_input,
       total_tokens_output, total_execution_time_ms)
     SELECT substr(r.completed_at, 1, 10), e.client_id, e.template_name, r.worker_name, count(*), sum(r.cost_micros), sum(r.tokens_input),
       sum(r.tokens_output), sum(r.execution_time_ms)
     FROM worker_execution_results r JOIN pipeline_executions e ON e.pipeline_id = r.pipeline_id
     WHERE r.completed_at >= ?1
     GROUP BY 1, 2, 3, 4
     ON CONFLICT (date, client_id, template_name, worker_name) DO UPDATE SET executions = excluded.executions,
       total_cost_micros = excluded.total_cost_micros, total_tokens_input = excluded.total_tokens_input,
       total_tokens_output = excluded.total_tokens_output, total_execution_time_ms = excluded.total_execution_time_ms`,
  ).bind(sinceDay).run();
  return result.meta.changes ?? 0;
}
