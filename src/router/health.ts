import type * as v from "valibot";
import type { CheckResultSchema, HealthReport } from "../contracts/health";
import { describeError, log } from "../lib/log";

/** One dependency's health. */
export type CheckResult = v.InferOutput<typeof CheckResultSchema>;
export type { HealthReport };

async function check(name: string, probe: () => Promise<void>): Promise<[string, CheckResult]> {
  const started = Date.now();
  try {
    await probe();
    return [name, { ok: true, latency_ms: Date.now() - started }];
  } catch (error) {
    // Details go to the log only: /health is public and must not describe internals.
    log("warn", "health check failed", { check: name, ...describeError(error) });
    return [name, { ok: false, latency_ms: Date.now() - started, error: error instanceof Error ? error.name : "Error" }];
  }
}

/** Probes every binding the runtime needs, in parallel. */
export async function runHealthChecks(env: Env, now: number): Promise<HealthReport> {
  const results = await Promise.all([
    check("d1", async () => {
      const row = await env.DB.prepare(`SELECT count(*) AS n FROM sqlite_master WHERE type = 'table' AND name = 'clients'`).first<{ n: number }>();
      if (row?.n !== 1) throw new Error("migrations not applied (no clients table)");
    }),
    check("kv", async () => { await env.PAYLOADS.get("__health__"); }),
    check("r2", async () => { await env.DELIVERABLES.head("__health__"); }),
    check("pipeline_actor", async () => { await env.PipelineActor.getByName("__health__").ping(); }),
    check("resource_pool", async () => { await env.ResourcePool.getByName("__health__").ping(); }),
    check("client_ledger", async () => { await env.ClientLedger.getByName("__health__").ping(); }),
  ]);
  const checks = Object.fromEntries(results);
  return {
    status: results.every(([, r]) => r.ok) ? "healthy" : "degraded",
    service: "ai-factory",
    version: env.VERSION,
    timestamp: new Date(now).toISOString(),
    checks,
  };
}
