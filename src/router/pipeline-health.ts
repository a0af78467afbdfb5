import * as v from "valibot";
import { chainComplete } from "../ai";
import { readJsonColumn } from "../catalog/json-columns";
import type { PipelineHealth, SeedCheckSchema } from "../contracts/seed";
import { describeError, log } from "../lib/log";
import { allowsPrivateFetch, safeFetch } from "../net/safe-fetch";
import { workerEntrypoint } from "../workers/registry";
import { WorkerSpecs } from "../workers/specs";

type Check = v.InferOutput<typeof SeedCheckSchema>;
type WorkerHealth = PipelineHealth["workers"][number];

/** An external worker's `GET <endpoint>/health` must answer within this long. */
const ENDPOINT_TIMEOUT_MS = 3_000;

/** A failed check this module describes itself (its message is ours, safe to show staff). */
class HealthProblem extends Error {}

/** Runs a probe and times it; a failure is named by our own message, or else by its error class only (details go to the log). */
async function check(name: string, worker: string | null, probe: () => Promise<void> | void): Promise<Check> {
  const started = Date.now();
  try {
    await probe();
    return { ok: true, latency_ms: Date.now() - started };
  } catch (error) {
    log("warn", "worker health check failed", { check: name, worker, ...describeError(error) });
    return { ok: false, latency_ms: Date.now() - started, error: error instanceof HealthProblem ? error.message : error instanceof Error ? error.name : "Error" };
  }
}

interface RegistryRow { worker_name: string; kind: "builtin" | "external"; binding: string | null; endpoint: string | null; capabilities: string }
interface RecentRow { worker_name: string; n: number; ok: number; avg_ms: number | null }

/**
 * The health of every active worker in the registry (the seed's `GET /pipeline-health`): for a
 * built-in worker, that this script exports its entrypoint, that the AI chain is complete (for
 * workers that use it) and that its ResourcePool answers (with its load); for an external
 * worker, that `GET <endpoint>/health` answers 2xx within 3 s. D1 and KV, which every worker
 * needs, are checked once. Executions of the last 24 hours come from pipeline history.
 */
export async function pipelineHealth(env: Env, exports: Cloudflare.Exports, now: number): Promise<PipelineHealth> {
  const db = env.DB;
  const [d1, kv] = await Promise.all([
    check("d1", null, async () => { await db.prepare("SELECT 1").first(); }),
    check("kv", null, async () => { await env.PAYLOADS.get("__health__"); }),
  ]);
  // Without D1 there is no registry to read: degraded, with no worker listed.
  if (!d1.ok) return { status: "degraded", timestamp: new Date(now).toISOString(), checks: { d1, kv }, workers: [], summary: { healthy: 0, degraded: 0 } };
  const [registry, recent] = await Promise.all([
    db.prepare(`SELECT worker_name, kind, binding, endpoint, capabilities FROM worker_registry WHERE is_active = 1 ORDER BY worker_name`).all<RegistryRow>(),
    db.prepare(`SELECT worker_name, count(*) AS n, coalesce(sum(success), 0) AS ok, avg(execution_time_ms) AS avg_ms
      FROM worker_execution_results WHERE completed_at >= ? GROUP BY worker_name`).bind(new Date(now - 86_400_000).toISOString()).all<RecentRow>(),
  ]);
  const byWorker = new Map(recent.results.map((r) => [r.worker_name, r]));
  // Built-in workers in their chain order (as GET /capabilities lists them), then the others by name.
  const order = [...WorkerSpecs.keys()];
  const rank = (name: string) => (order.includes(name) ? order.indexOf(name) : order.length);
  const rows = registry.results.sort((a, b) => rank(a.worker_name) - rank(b.worker_name) || a.worker_name.localeCompare(b.worker_name));
  const workers = await Promise.all(rows.map(async (row): Promise<WorkerHealth> => {
    const name = row.worker_name;
    const checks: Record<string, Check> = {};
    let pool: WorkerHealth["pool"] = null;
    if (row.kind === "builtin") {
      checks.entrypoint = await check("entrypoint", name, () => {
        if (!row.binding || !workerEntrypoint(exports, row.binding)) throw new HealthProblem(`this script exports no entrypoint '${row.binding ?? ""}'`);
      });
      if (readJsonColumn(v.array(v.string()), row.capabilities, "worker_registry.capabilities").includes("ai")) {
        checks.ai_chain = await check("ai_chain", name, () => { if (!chainComplete(env)) throw new HealthProblem("a configured AI provider is unavailable"); });
      }
      const stats: { load?: WorkerHealth["pool"] } = {};
      checks.pool = await check("pool", name, async () => {
        const s = await env.ResourcePool.getByName(name).stats();
        stats.load = { in_flight: s.in_flight, max_concurrent: s.max_concurrent, load: s.load, queue_depth: s.queue_depth, utilization: s.utilization, ewma_ms: s.ewma_ms, p95_ms: s.p95_ms };
      });
      pool = stats.load ?? null;
    } else {
      checks.endpoint = await check("endpoint", name, async () => {
        const res = await safeFetch(`${(row.endpoint ?? "").replace(/\/+$/, "")}/health`, {
          allowPrivate: allowsPrivateFetch(env), timeoutMs: ENDPOINT_TIMEOUT_MS, maxBytes: 65_536, maxRedirects: 0,
        });
        if (res.status < 200 || res.status >= 300) throw new HealthProblem(`GET /health answered HTTP ${res.status}`);
      });
    }
    const r = byWorker.get(name);
    const healthy = kv.ok && Object.values(checks).every((c) => c.ok);
    return {
      worker_name: name, kind: row.kind, status: healthy ? "healthy" : "degraded", checks, pool,
      last_24h: {
        executions: r?.n ?? 0, failed: r ? r.n - r.ok : 0,
        success_rate: r && r.n > 0 ? r.ok / r.n : null, avg_execution_time_ms: r?.avg_ms == null ? null : Math.round(r.avg_ms),
      },
    };
  }));
  const healthy = workers.filter((w) => w.status === "healthy").length;
  return {
    status: kv.ok && healthy === workers.length ? "healthy" : "degraded",
    timestamp: new Date(now).toISOString(),
    checks: { d1, kv },
    workers,
    summary: { healthy, degraded: workers.length - healthy },
  };
}
