import { isoTime } from "../lib/ids";

/**
 * A worker type as registered in `worker_registry`. A built-in worker declares its own row in its
 * file (src/workers/builtin/<name>.ts); costs are the per-execution base in micro-USD before AI tokens;
 * concurrency, queue and lease defaults are what each ResourcePool starts with and an admin may
 * change at run time.
 */
export interface WorkerDef {
  worker_name: string;
  display_name: string;
  description: string;
  /** The named entrypoint of this script that implements it (built-in workers). */
  binding: string;
  input_format: string;
  output_format: string;
  capabilities: string[];
  cost_per_execution_micros: number;
  avg_execution_time_ms: number;
  max_concurrent: number;
  queue_limit: number;
  lease_ttl_ms: number;
  timeout_ms: number;
}

/** The scripted worker (test and demo only; refuses to run in production). */
export const ScriptedWorkerDef: WorkerDef = {
  worker_name: "scripted", display_name: "Scripted worker", binding: "ScriptedWorker",
  description: "Does what its input script says (succeed, fail N times, fail, retry after, hang); for tests and demos.",
  input_format: "Script", output_format: "Any", capabilities: ["testing"],
  cost_per_execution_micros: 1_000, avg_execution_time_ms: 50, max_concurrent: 4, queue_limit: 1000, lease_ttl_ms: 60_000, timeout_ms: 30_000,
};

/** Upserts workers (the built-in ones are BuiltinWorkers in workers/specs.ts), keeping any run-time changes an admin made to capacity. */
export function installWorkerStatements(db: D1Database, now: number, workers: readonly WorkerDef[]): D1PreparedStatement[] {
  return workers.map((w) => db.prepare(
    `INSERT INTO worker_registry (worker_name, display_name, description, kind, binding, input_format, output_format,
       capabilities, cost_per_execution_micros, avg_execution_time_ms, max_concurrent, queue_limit, lease_ttl_ms,
       timeout_ms, created_at, updated_at)
     VALUES (?, ?, ?, 'builtin', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (worker_name) DO UPDATE SET display_name = excluded.display_name, description = excluded.description,
       binding = excluded.binding, input_format = excluded.input_format, output_format = excluded.output_format,
       capabilities = excluded.capabilities, updated_at = excluded.updated_at`,
  ).bind(w.worker_name, w.display_name, w.description, w.binding, w.input_format, w.output_format,
    JSON.stringify(w.capabilities), w.cost_per_execution_micros, w.avg_execution_time_ms, w.max_concurrent,
    w.queue_limit, w.lease_ttl_ms, w.timeout_ms, isoTime(now), isoTime(now)));
}
