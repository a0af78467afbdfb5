/** A worker's execution statistics from the history the PipelineActors write to D1. */
export interface WorkerStats {
  executions: number; succeeded: number; failed: number; success_rate: number | null;
  avg_execution_time_ms: number | null; p95_execution_time_ms: number | null;
  total_cost_micros: number; total_tokens_input: number; total_tokens_output: number;
  last_24h: { executions: number; cost_micros: number };
}

/** How many recent executions the p95 is taken over. */
const P95_WINDOW = 1_000;

/** Statistics of a worker over its recorded executions (worker_execution_results). */
export async function workerStats(db: D1Database, worker: string, now: number): Promise<WorkerStats> {
  const since = new Date(now - 86_400_000).toISOString();
  const [totals, recent, day] = await db.batch([
    db.prepare(`SELECT count(*) AS n, coalesce(sum(success), 0) AS ok, avg(execution_time_ms) AS avg_ms, coalesce(sum(cost_micros), 0) AS cost,
      coalesce(sum(tokens_input), 0) AS tin, coalesce(sum(tokens_output), 0) AS tout FROM worker_execution_results WHERE worker_name = ?`).bind(worker),
    db.prepare(`SELECT execution_time_ms AS ms FROM worker_execution_results WHERE worker_name = ? AND success = 1
      ORDER BY completed_at DESC LIMIT ${P95_WINDOW}`).bind(worker),
    db.prepare(`SELECT count(*) AS n, coalesce(sum(cost_micros), 0) AS cost FROM worker_execution_results WHERE worker_name = ? AND completed_at >= ?`).bind(worker, since),
  ]);
  const t = totals!.results[0] as { n: number; ok: number; avg_ms: number | null; cost: number; tin: number; tout: number };
  const times = (recent!.results as { ms: number }[]).map((r) => r.ms).sort((a, b) => a - b);
  const d = day!.results[0] as { n: number; cost: number };
  return {
    executions: t.n, succeeded: t.ok, failed: t.n - t.ok, success_rate: t.n > 0 ? t.ok / t.n : null,
    avg_execution_time_ms: t.avg_ms === null ? null : Math.round(t.avg_ms),
    p95_execution_time_ms: times.length > 0 ? times[Math.min(times.length - 1, Math.ceil(times.length * 0.95) - 1)]! : null,
    total_cost_micros: t.cost, total_tokens_input: t.tin, total_tokens_output: t.tout,
    last_24h: { executions: d.n, cost_micros: d.cost },
  };
}

/** Spend by client for a worker (admin view). */
export async function workerSpendByClient(db: D1Database, worker: string): Promise<{ client_id: string; executions: number; cost_micros: number }[]> {
  const { results } = await db.prepare(`SELECT e.client_id AS client_id, count(*) AS executions, coalesce(sum(r.cost_micros), 0) AS cost_micros
    FROM worker_execution_results r JOIN pipeline_executions e ON e.pipeline_id = r.pipeline_id
    WHERE r.worker_name = ? GROUP BY e.client_id ORDER BY cost_micros DESC LIMIT 100`).bind(worker).all<{ client_id: string; executions: number; cost_micros: number }>();
  return results;
}
