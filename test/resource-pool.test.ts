import { env } from "cloudflare:workers";
import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import type { ResourcePool } from "../src/actors/resource-pool";
import { seed } from "./helpers";

let n = 0;
/** A pool for a fresh worker type registered with the given capacity. */
async function poolFor(maxConcurrent: number, leaseTtlMs = 60_000, queueLimit = 100) {
  const worker = `test-worker-${Date.now()}-${n++}`;
  const at = new Date().toISOString();
  await env.DB.prepare(
    `INSERT INTO worker_registry (worker_name, display_name, kind, binding, input_format, output_format, max_concurrent,
       queue_limit, lease_ttl_ms, avg_execution_time_ms, created_at, updated_at)
     VALUES (?, ?, 'builtin', 'Test', 'a', 'b', ?, ?, ?, 500, ?, ?)`,
  ).bind(worker, worker, maxConcurrent, queueLimit, leaseTtlMs, at, at).run();
  return { worker, pool: env.ResourcePool.getByName(worker) };
}

beforeAll(async () => { await seed(); });

describe("ResourcePool", () => {
  it("takes its capacity from the worker registry", async () => {
    const pool = env.ResourcePool.getByName("feed-fetcher");
    expect((await pool.inspect()).config).toMatchObject({ maxConcurrent: 8, queueLimit: 500, leaseTtlMs: 60_000 });
  });

  it("grants exactly max_concurrent of 50 concurrent reservations and queues the rest in order", async () => {
    const { pool } = await poolFor(4);
    const answers = await Promise.all(Array.from({ length: 50 }, (_, i) =>
      pool.reserve({ key: `r${i}`, pipelineId: `pip-${i}`, priority: 0, maxWaitMs: 3_600_000 })));
    expect(answers.filter((a) => a.status === "granted")).toHaveLength(4);
    expect(answers.filter((a) => a.status === "queued").map((a) => a.status === "queued" && a.position).sort((a, b) => Number(a) - Number(b)))
      .toEqual(Array.from({ length: 46 }, (_, i) => i + 1));
    const inspected = await pool.inspect();
    expect(inspected.leases).toHaveLength(4);
    expect(inspected.queue).toHaveLength(46);
    expect(inspected.stats).toMatchObject({ in_flight: 4, queue_depth: 46, load: 1 });
  });

  it("hands a released slot to the next waiter and calls its pipeline back (delivered, outbox empty)", async () => {
    const { pool } = await poolFor(1);
    await pool.reserve({ key: "first", pipelineId: "pip-first", priority: 0, maxWaitMs: 60_000 });
    expect(await pool.reserve({ key: "second", pipelineId: "pip-second", priority: 0, maxWaitMs: 60_000 })).toMatchObject({ status: "queued", position: 1 });
    expect(await pool.release("first", 120)).toEqual({ released: true });
    const inspected = await pool.inspect();
    expect(inspected.leases.map((l) => l.key)).toEqual(["second"]);
    // Delivery runs right after the commit; give it a turn, then the outbox must be empty.
    await runDurableObjectAlarm(pool);
    expect((await pool.inspect()).outbox).toEqual([]);
    expect(await pool.release("first", 120)).toEqual({ released: false });
  });

  it("refuses a reserve that arrives after its release, also after the pool restarts", async () => {
    const { pool } = await poolFor(2);
    // A release that overtook its reserve (a cancel racing the acquisition) leaves a tombstone.
    expect(await pool.release("overtaken", null)).toEqual({ released: false });
    expect(await pool.reserve({ key: "overtaken", pipelineId: "pip-o", priority: 0, maxWaitMs: 0 })).toMatchObject({ status: "rejected", reason: "already_released" });
    await evictDurableObject(pool);
    expect(await pool.reserve({ key: "overtaken", pipelineId: "pip-o", priority: 0, maxWaitMs: 0 })).toMatchObject({ status: "rejected", reason: "already_released" });
    expect((await pool.inspect()).leases).toEqual([]);
    // A lease's own release writes no tombstone (keys are per attempt): the table stays as it was.
    await pool.reserve({ key: "normal", pipelineId: "pip-n", priority: 0, maxWaitMs: 0 });
    expect(await pool.release("normal", 5)).toEqual({ released: true });
    await runInDurableObject(pool, async (_: ResourcePool, state) => {
      expect(state.storage.sql.exec<{ key: string }>(`SELECT key FROM released`).toArray().map((r) => r.key)).toEqual(["overtaken"]);
    });
  });

  it("reclaims a crashed holder's lease by alarm and grants it to the next waiter", async () => {
    const { pool } = await poolFor(1, 1_000);
    await pool.reserve({ key: "crashed", pipelineId: "pip-crashed", priority: 0, maxWaitMs: 0 });
    await pool.reserve({ key: "waiting", pipelineId: "pip-waiting", priority: 0, maxWaitMs: 600_000 });
    await runInDurableObject(pool, async (_: ResourcePool, state) => {
      // Time travel: the lease's TTL has run out.
      const row = state.storage.sql.exec<{ state: string }>(`SELECT state FROM pool`).one();
      const s = JSON.parse(row.state);
      s.leases[0].expiresAt = Date.now() - 1;
      state.storage.sql.exec(`UPDATE pool SET state = ?`, JSON.stringify(s));
    });
    await evictDurableObject(pool);
    await runDurableObjectAlarm(pool);
    const inspected = await pool.inspect();
    expect(inspected.leases.map((l) => l.key)).toEqual(["waiting"]);
    expect(inspected.stats.expired_total).toBe(1);
    expect(inspected.recent_events.map((e) => e.type)).toEqual(expect.arrayContaining(["expired", "granted"]));
  });

  it("keeps leases and queue across eviction", async () => {
    const { pool, worker } = await poolFor(2);
    for (let i = 0; i < 5; i++) await pool.reserve({ key: `e${i}`, pipelineId: "p", priority: i, maxWaitMs: 600_000 });
    const before = await pool.inspect();
    await evictDurableObject(pool);
    const after = await env.ResourcePool.getByName(worker).inspect();
    expect(after.leases).toEqual(before.leases);
    expect(after.queue.map((w) => w.key)).toEqual(before.queue.map((w) => w.key));
    expect(after.queue.map((w) => w.key)).toEqual(["e4", "e3", "e2"]);
  });

  it("changes capacity at run time: raising max_concurrent grants waiters at once; the registry follows", async () => {
    const { pool, worker } = await poolFor(1);
    for (let i = 0; i < 4; i++) await pool.reserve({ key: `c${i}`, pipelineId: "p", priority: 0, maxWaitMs: 600_000 });
    const config = await pool.configure({ maxConcurrent: 3 });
    expect(config.maxConcurrent).toBe(3);
    expect((await pool.inspect()).leases).toHaveLength(3);
    const row = await env.DB.prepare(`SELECT max_concurrent FROM worker_registry WHERE worker_name = ?`).bind(worker).first();
    expect(row).toEqual({ max_concurrent: 3 });
  });
});
