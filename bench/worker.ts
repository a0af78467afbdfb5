/**
 * The benchmark Worker. The same pipeline of no-op steps runs three ways:
 *   actor    – the PipelineActor with full accounting (hold, reserve, checkpoint, settle,
 *              release, broadcast) through the real ClientLedger and ResourcePool;
 *   workflow – a Cloudflare Workflow with one step.do per step;
 *   floor    – a bare Durable Object that calls the step and checkpoints its result, nothing else.
 * Every step calls the same no-op worker entrypoint (ScriptedWorker, mode succeed, no counting).
 * The payload bench runs the real research report through the router (`/bench/catalog` adds
 * its generated feeds to the catalog). scripts/bench.mjs drives it over HTTP and measures from outside.
 */
import { DurableObject, WorkflowEntrypoint, type WorkflowEvent, type WorkflowStep } from "cloudflare:workers";
import { Server } from "partyserver";
import app, { ClientLedger as ClientLedgerBase, PipelineActor as PipelineActorBase, ResourcePool as ResourcePoolBase } from "../src/index";
import type { PipelineSpec } from "../src/actors/pipeline";
import type { Handshake, WorkerResult } from "../src/workers/contract";
import type { PoolOp } from "../src/actors/resource-pool";

import { sourceStatements, type CatalogFeed } from "../src/seed/seed";

// Every actor and entrypoint of the real script (the payload and estimator benches run the real
// workers, and the actor's history write calls DeliverableRecorder): all of them, so none is missed.
export * from "../src/index";

// ---- metering (for `npm run bench`'s accounting phase) ---------------------------------------
// Under wrangler dev every object and entrypoint of this script runs in one isolate, so one
// module-level meter sees them all. It counts, while on: RPC calls into each Durable Object class
// (what Cloudflare bills as DO requests), alarms fired, SQLite rows written (cursor.rowsWritten, by
// the class that wrote them), alarm writes, D1 rows written and read, and how long each object had
// a request or alarm in flight. Off, it costs a flag check per call.
interface Meter {
  on: boolean; since: number;
  requests: Record<string, number>; alarms: Record<string, number>; benchCalls: Record<string, number>;
  sqlRows: Record<string, number>; sqlStatements: Record<string, number>; alarmWrites: Record<string, number>;
  d1: { rowsWritten: number; rowsRead: number; queries: number };
  activeMs: Record<string, number>; objects: Record<string, number>;
}
const freshMeter = (): Meter => ({ on: false, since: Date.now(), requests: {}, alarms: {}, benchCalls: {}, sqlRows: {}, sqlStatements: {}, alarmWrites: {}, d1: { rowsWritten: 0, rowsRead: 0, queries: 0 }, activeMs: {}, objects: {} });
let meter = freshMeter();
const bump = (table: Record<string, number>, key: string, n = 1) => { table[key] = (table[key] ?? 0) + n; };
/** Requests or alarms in flight per object, and since when the object has had one. */
const inFlight = new Map<string, { n: number; since: number; cls: string }>();
const seenObjects = new Set<string>();

function enter(cls: string, id: string): string {
  const key = `${cls}:${id}`;
  const e = inFlight.get(key);
  if (e) e.n += 1;
  else inFlight.set(key, { n: 1, since: Date.now(), cls });
  if (!seenObjects.has(key)) { seenObjects.add(key); bump(meter.objects, cls); }
  return key;
}
function leave(key: string): void {
  const e = inFlight.get(key);
  if (!e) return;
  if (--e.n > 0) return;
  inFlight.delete(key);
  if (meter.on) bump(meter.activeMs, e.cls, Date.now() - Math.max(e.since, meter.since));
}

/** Wraps a class's RPC methods (billed: counted as requests; bench: counted apart) and its alarm. */
function metered(cls: { prototype: object }, name: string, billed: string[], bench: string[]): void {
  // Looked up through the chain: the class's own method, or the one it inherits (the real actor's).
  const proto = cls.prototype as Record<string, (...a: unknown[]) => unknown>;
  for (const method of [...billed, ...bench, "alarm"]) {
    const original = proto[method];
    if (typeof original !== "function") continue;
    Object.defineProperty(cls.prototype, method, {
      configurable: true, writable: true, enumerable: false,
      // Named: `npm run profile` skips these frames to name the real caller.
      value: function meteredCall(this: { ctx: DurableObjectState }, ...args: unknown[]) {
        if (!meter.on) return original.apply(this, args);
        if (method === "alarm") bump(meter.alarms, name);
        else if (billed.includes(method)) bump(meter.requests, `${name}.${method}`);
        else bump(meter.benchCalls, `${name}.${method}`);
        const key = enter(name, this.ctx.id.toString());
        try {
          const r = original.apply(this, args);
          if (r instanceof Promise) return r.finally(() => leave(key));
          leave(key);
          return r;
        } catch (error) {
          leave(key);
          throw error;
        }
      },
    });
  }
}

/** The class that owns each object's SQLite and storage (set in the metered constructors). */
const sqlOwner = new WeakMap<object, string>();
let storagePatched = false;
/** Counts rows written (cursor.rowsWritten) and alarm writes by owning class: patched once on the prototypes. */
function ownStorage(ctx: DurableObjectState, name: string): void {
  sqlOwner.set(ctx.storage.sql, name);
  sqlOwner.set(ctx.storage, name);
  if (storagePatched) return;
  storagePatched = true;
  const sqlProto = Object.getPrototypeOf(ctx.storage.sql) as { exec: (...a: unknown[]) => SqlStorageCursor<Record<string, SqlStorageValue>> };
  const exec = sqlProto.exec;
  Object.defineProperty(sqlProto, "exec", {
    configurable: true, writable: true,
    value: function meteredExec(this: SqlStorage, ...args: unknown[]) {
      const cursor = exec.apply(this, args);
      if (meter.on) {
        const owner = sqlOwner.get(this) ?? "other";
        const rows = cursor.rowsWritten;
        if (rows > 0) { bump(meter.sqlRows, owner, rows); bump(meter.sqlStatements, owner); }
      }
      return cursor;
    },
  });
  const storageProto = Object.getPrototypeOf(ctx.storage) as Record<string, (...a: unknown[]) => unknown>;
  for (const method of ["setAlarm", "deleteAlarm"]) {
    const original = storageProto[method]!;
    Object.defineProperty(storageProto, method, {
      configurable: true, writable: true,
      value: function meteredAlarmWrite(this: DurableObjectStorage, ...args: unknown[]) {
        if (meter.on) bump(meter.alarmWrites, sqlOwner.get(this) ?? "other");
        return original.apply(this, args);
      },
    });
  }
}

let d1Patched = false;
/** Counts D1 rows written and read from the answers' meta (run, all, batch), whoever asked. */
function patchD1(db: D1Database): void {
  if (d1Patched) return;
  d1Patched = true;
  const count = (r: unknown) => {
    const m = (r as { meta?: { rows_written?: number; rows_read?: number } } | null)?.meta;
    if (!meter.on || !m) return;
    meter.d1.queries += 1;
    meter.d1.rowsWritten += m.rows_written ?? 0;
    meter.d1.rowsRead += m.rows_read ?? 0;
  };
  const dbProto = Object.getPrototypeOf(db) as Record<string, (...a: unknown[]) => Promise<unknown>>;
  const batch = dbProto.batch!;
  dbProto.batch = async function (this: D1Database, ...args: unknown[]) {
    const results = (await batch.apply(this, args)) as unknown[];
    for (const r of results) count(r);
    return results;
  };
  const stmtProto = Object.getPrototypeOf(db.prepare("SELECT 1")) as Record<string, (...a: unknown[]) => Promise<unknown>>;
  for (const method of ["run", "all"]) {
    const original = stmtProto[method]!;
    stmtProto[method] = async function (this: D1PreparedStatement, ...args: unknown[]) {
      const r = await original.apply(this, args);
      count(r);
      return r;
    };
  }
}

/** The real actors, metered (the same classes otherwise: these names shadow the star export). */
export class PipelineActor extends PipelineActorBase {
  constructor(ctx: DurableObjectState, env: Env) { patchD1(env.DB); super(ctx, env); ownStorage(ctx, "PipelineActor"); }
}
export class ResourcePool extends ResourcePoolBase {
  constructor(ctx: DurableObjectState, env: Env) { patchD1(env.DB); super(ctx, env); ownStorage(ctx, "ResourcePool"); }
}
export class ClientLedger extends ClientLedgerBase {
  constructor(ctx: DurableObjectState, env: Env) { patchD1(env.DB); super(ctx, env); ownStorage(ctx, "ClientLedger"); }
}
metered(PipelineActor, "PipelineActor",
  ["create", "waitForEnd", "capacityNotice", "stepProgress", "summary", "stepDetail", "result", "output", "owner", "pause", "resume", "cancel", "retry", "redrive", "ping", "fetch"],
  ["storageWritten", "inspect", "injectFault"]);
metered(ResourcePool, "ResourcePool", ["batch", "reserve", "release", "renew", "position", "configure", "ping", "fetch"], ["inspect"]);
metered(ClientLedger, "ClientLedger", ["batch", "hold", "settle", "release", "adjust", "setBudget", "ping", "fetch"], ["inspect", "verify"]);

type BenchEnv = Env & { BENCH_WORKFLOW: Workflow<{ steps: number }>; BenchFloor: DurableObjectNamespace<BenchFloor>; BenchFloorParty: DurableObjectNamespace<BenchFloorParty>; BenchProbe: DurableObjectNamespace<BenchProbe>; BenchProtocol: DurableObjectNamespace<BenchProtocol> };

const NOOP_SCRIPT = { mode: "succeed", count: false, cost_micros: 1 } as const;

function handshake(pipelineId: string, i: number): Handshake {
  return {
    pipeline_id: pipelineId, step_id: `s${i}`, attempt: 1, idempotency_key: `${pipelineId}:s${i}:1`, worker: "bench-noop",
    client_id: "bench", input: { script: { ...NOOP_SCRIPT } }, deadline_at: Date.now() + 30_000,
  };
}

/** The floor: call each step and checkpoint its result in SQLite, nothing else. */
export class BenchFloor extends DurableObject<BenchEnv> {
  constructor(ctx: DurableObjectState, env: BenchEnv) { super(ctx, env); ownStorage(ctx, "BenchFloor"); }

  async run(steps: number, withAlarm = false, blobBytes = 0, extraRows = 0): Promise<{ bytes: number; rows: number }> {
    const sql = this.ctx.storage.sql;
    sql.exec(`CREATE TABLE IF NOT EXISTS checkpoints (step INTEGER PRIMARY KEY, result TEXT NOT NULL)`);
    // The micro bench's extra tables only when asked for (a schema write is a row written too).
    if (blobBytes > 0) sql.exec(`CREATE TABLE IF NOT EXISTS blob (id INTEGER PRIMARY KEY, data TEXT NOT NULL)`);
    if (extraRows > 0) sql.exec(`CREATE TABLE IF NOT EXISTS extra (seq INTEGER PRIMARY KEY AUTOINCREMENT, data TEXT NOT NULL)`);
    let bytes = 0;
    let rows = 0;
    for (let i = 1; i <= steps; i++) {
      const result: WorkerResult = await this.ctx.exports.ScriptedWorker.execute(handshake(this.ctx.id.toString(), i));
      const text = JSON.stringify(result);
      // Rows as SQLite counts them (what Cloudflare bills): the checkpoint row and its key.
      rows += sql.exec(`INSERT OR REPLACE INTO checkpoints (step, result) VALUES (?, ?)`, i, text).rowsWritten;
      if (withAlarm) void this.ctx.storage.setAlarm(Date.now() + 60_000);
      if (blobBytes > 0) sql.exec(`INSERT OR REPLACE INTO blob (id, data) VALUES (1, ?)`, "x".repeat(blobBytes) + i);
      for (let r = 0; r < extraRows; r++) sql.exec(`INSERT INTO extra (data) VALUES (?)`, `row ${r} of step ${i}`);
      bytes += text.length + 8;
    }
    return { bytes, rows };
  }
}
metered(BenchFloor, "BenchFloor", ["run"], []);

/** Component costs measured from inside a Durable Object (as the PipelineActor sees them). */
export class BenchProbe extends DurableObject<BenchEnv> {
  async probe(n: number, tag: string): Promise<Record<string, number>> {
    const sql = this.ctx.storage.sql;
    sql.exec(`CREATE TABLE IF NOT EXISTS t (k INTEGER PRIMARY KEY, v TEXT)`);
    const ledger = this.env.ClientLedger.getByName("client_bench");
    const pool = this.env.ResourcePool.getByName("bench-noop");
    const time = async (f: (i: number) => Promise<unknown>) => { const t0 = performance.now(); for (let i = 0; i < n; i++) await f(i); return (performance.now() - t0) / n; };
    return {
      execute_no_write: await time((i) => this.ctx.exports.ScriptedWorker.execute(handshake(tag, i))),
      execute_after_write: await time((i) => { sql.exec(`INSERT OR REPLACE INTO t VALUES (?, ?)`, i, "x"); return this.ctx.exports.ScriptedWorker.execute(handshake(tag, i)); }),
      ledger_hold: await time((i) => ledger.hold(`p-${tag}-${i}`, 1)),
      round_ledger_and_pool_batches: await time((i) => Promise.all([
        ledger.batch([{ type: "settle", key: `p-${tag}-${i}`, actual: 1 }, { type: "hold", key: `q-${tag}-${i}`, amount: 1 }]),
        pool.batch([{ op: "release", key: `q-${tag}-${i - 1}`, observedMs: 1 }, { op: "reserve", request: { key: `q-${tag}-${i}`, pipelineId: "x", priority: 0, maxWaitMs: 1000 } }]),
      ])),
    };
  }
}

/**
 * What a per-step reservation costs at least: a pipeline of no-op steps run inside one object,
 * with, before each step, nothing (`floor`), an RPC to a second object that writes nothing
 * (`rpc`), an RPC whose callee writes one row (`remote_write`: the cheapest durable reservation
 * there can be), or the real ResourcePool round the PipelineActor makes (`pool`: release the
 * previous step's slot, reserve this one). Returns the median time of `runs` pipelines.
 */
export class BenchProtocol extends DurableObject<BenchEnv> {
  async run(variant: string, steps: number, runs: number): Promise<number> {
    const sql = this.ctx.storage.sql;
    sql.exec(`CREATE TABLE IF NOT EXISTS cp (step INTEGER PRIMARY KEY, result TEXT NOT NULL)`);
    const pool = this.env.ResourcePool.getByName("bench-noop");
    const peer = this.env.BenchProtocol.getByName("peer");
    const times: number[] = [];
    for (let r = 0; r < runs; r++) {
      const tag = `${variant}-${steps}-${r}-${Date.now()}`;
      const t0 = performance.now();
      for (let i = 1; i <= steps; i++) {
        const key = `${tag}:s${i}`;
        if (variant === "rpc") await peer.ping();
        if (variant === "remote_write") await peer.write(key);
        if (variant === "pool") {
          const ops: PoolOp[] = i > 1 ? [{ op: "release", key: `${tag}:s${i - 1}`, observedMs: 1 }] : [];
          await pool.batch([...ops, { op: "reserve", request: { key, pipelineId: tag, priority: 0, maxWaitMs: 1000 } }]);
        }
        const result: WorkerResult = await this.ctx.exports.ScriptedWorker.execute(handshake(tag, i));
        sql.exec(`INSERT OR REPLACE INTO cp (step, result) VALUES (?, ?)`, i, JSON.stringify(result));
      }
      if (variant === "pool") await pool.release(`${tag}:s${steps}`, 1);
      times.push(performance.now() - t0);
    }
    times.sort((a, b) => a - b);
    return times[Math.floor(times.length / 2)]!;
  }

  ping(): number {
    return 1;
  }

  private hasTable = false;

  write(key: string): number {
    if (!this.hasTable) this.ctx.storage.sql.exec(`CREATE TABLE IF NOT EXISTS w (k TEXT PRIMARY KEY)`);
    this.hasTable = true;
    this.ctx.storage.sql.exec(`INSERT OR REPLACE INTO w (k) VALUES (?)`, key);
    return 1;
  }
}

/** The floor again, as a partyserver Server (to measure the base class). */
export class BenchFloorParty extends Server<BenchEnv> {
  static override options = { hibernate: true };
  async run(steps: number): Promise<{ bytes: number }> {
    const sql = this.ctx.storage.sql;
    sql.exec(`CREATE TABLE IF NOT EXISTS checkpoints (step INTEGER PRIMARY KEY, result TEXT NOT NULL)`);
    let bytes = 0;
    for (let i = 1; i <= steps; i++) {
      const result: WorkerResult = await this.ctx.exports.ScriptedWorker.execute(handshake(this.ctx.id.toString(), i));
      const text = JSON.stringify(result);
      sql.exec(`INSERT OR REPLACE INTO checkpoints (step, result) VALUES (?, ?)`, i, text);
      bytes += text.length + 8;
    }
    return { bytes };
  }
}

/** The Workflow baseline: one step.do per step. */
export class BenchWorkflow extends WorkflowEntrypoint<BenchEnv, { steps: number }> {
  override async run(event: Readonly<WorkflowEvent<{ steps: number }>>, step: WorkflowStep): Promise<{ bytes: number }> {
    let bytes = 0;
    for (let i = 1; i <= event.payload.steps; i++) {
      const result = await step.do(`s${i}`, async () => {
        const r: WorkerResult = await this.ctx.exports.ScriptedWorker.execute(handshake(event.instanceId, i));
        return JSON.parse(JSON.stringify(r)) as { ok: boolean };
      });
      bytes += JSON.stringify(result).length;
    }
    // Tells the bench's waiter (same isolate under wrangler dev) that the run is over, so it need
    // not poll the engine meanwhile; it still reads the instance's status to see it complete.
    workflowDone.get(event.instanceId)?.();
    return { bytes };
  }
}

/** Waiters for Workflow runs, by instance id (see BenchWorkflow.run). */
const workflowDone = new Map<string, () => void>();

function actorSpec(pipelineId: string, steps: number): PipelineSpec {
  return {
    pipelineId, templateName: "bench", clientId: "client_bench", requestId: null, priority: 8, budgetLimitMicros: null,
    deadlineAt: null, maxWaitMs: 600_000, inputs: { script: { ...NOOP_SCRIPT } },
    // Admitted first, as every run the API starts: one hold for the run, the steps' holds draw on it.
    admissionMicros: steps * 20,
    steps: Array.from({ length: steps }, (_, i) => ({
      id: `s${i + 1}`, workers: [{ name: "bench-noop", binding: "ScriptedWorker" }], dependsOn: i === 0 ? [] : [`s${i}`],
      input: { script: "$.inputs.script" }, output: {}, condition: null, optional: false, timeoutMs: 30_000,
      retry: { maxAttempts: 3, baseMs: 50, capMs: 500 }, estimateMicros: 10,
    })),
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const TERMINAL = new Set(["completed", "partial", "failed", "cancelled"]);
/**
 * A Workflow instance has no completion signal: its status is polled every POLL_MS once its run
 * has returned (BenchWorkflow tells the waiter), and every IDLE_POLL_MS before, in case the
 * signal is missed (a replayed run), so the polling costs the engine little.
 */
const POLL_MS = 1;
const IDLE_POLL_MS = 25;

async function runOne(env: BenchEnv, mode: string, steps: number, id: string, storage: boolean): Promise<Record<string, unknown>> {
  switch (mode) {
    case "floor": {
      const t0 = Date.now();
      const r = await env.BenchFloor.getByName(id).run(steps);
      return { status: "completed", bytes: r.bytes, rows: r.rows, active_ms: Date.now() - t0 };
    }
    case "workflow": {
      let done = false;
      const signalled = new Promise<void>((resolve) => workflowDone.set(id, () => { done = true; resolve(); }));
      try {
        const instance = await env.BENCH_WORKFLOW.create({ id, params: { steps } });
        for (;;) {
          const s = await instance.status();
          if (s.status === "complete") return { status: "completed", bytes: (s.output as { bytes: number }).bytes, signalled: done };
          if (s.status === "errored" || s.status === "terminated") return { status: s.status, error: s.error?.message ?? null };
          await (done ? sleep(POLL_MS) : Promise.race([signalled, sleep(IDLE_POLL_MS)]));
        }
      } finally {
        workflowDone.delete(id);
      }
    }
    case "actor": {
      const t0 = Date.now();
      const stub = env.PipelineActor.getByName(id);
      await stub.create(actorSpec(id, steps));
      // The actor's own completion signal (the long poll behind GET /pipeline/:id?wait_ms=).
      for (;;) {
        const s = await stub.waitForEnd(60_000);
        if (s && TERMINAL.has(String(s.status))) {
          const activeMs = Date.now() - t0;
          // What it wrote, only when asked: left out of the timed and CPU phases, and read once
          // the run's trailing writes (settlements, the admission's release, the history) are in.
          if (!storage) return { status: s.status, active_ms: activeMs };
          await settled(stub);
          const written = await stub.storageWritten();
          return { status: s.status, bytes: written.bytes, rows: written.rows, storage: written, active_ms: activeMs };
        }
      }
    }
    default:
      throw new Error(`unknown mode ${mode}`);
  }
}

/** Waits until an ended run's trailing writes are in: its cleanup done and its history written (the last checkpoint). */
async function settled(stub: DurableObjectStub<PipelineActor>): Promise<void> {
  const until = Date.now() + 30_000;
  for (;;) {
    const i = await stub.inspect(1);
    if (i && i.cleanup.length === 0 && i.checkpoints.at(-1)?.label === "history") return;
    if (Date.now() > until) throw new Error(`pipeline ${i?.summary.pipeline_id ?? "?"} did not settle within 30 s`);
    await sleep(IDLE_POLL_MS);
  }
}

/** Crash to resumed: a pipeline aborted at a checkpoint; the time from that checkpoint to the next one. */
async function crashOnce(env: BenchEnv, id: string): Promise<number> {
  const stub = env.PipelineActor.getByName(id);
  await stub.injectFault("result:s3");
  try { await stub.create(actorSpec(id, 5)); } catch { /* the abort may land in create */ }
  // The run resumes by its own alarm; its end is waited for on a fresh stub (the aborted one is
  // broken), not polled: polling would wake the object itself and flush its deferred writes.
  const until = Date.now() + 30_000;
  let ended = false;
  while (!ended) {
    if (Date.now() > until) throw new Error(`crashed pipeline ${id} did not resume within 30 s`);
    try {
      const s = await env.PipelineActor.getByName(id).waitForEnd(5_000);
      ended = s !== null && TERMINAL.has(String(s.status));
    } catch { /* aborted object restarting */ await sleep(POLL_MS); }
  }
  const cps = (await env.PipelineActor.getByName(id).inspect(500))!.checkpoints;
  const i = cps.findIndex((c) => c.label.split(" ").includes("result:s3"));
  if (i < 0 || i + 1 >= cps.length) throw new Error(`crashed pipeline ${id}: no checkpoint after result:s3 (${cps.map((c) => c.label).join(" | ")})`);
  return cps[i + 1]!.at - cps[i]!.at;
}

export default {
  async fetch(request, env, ctx): Promise<Response> {
    const url = new URL(request.url);
    if (url.pathname === "/bench/setup" && request.method === "POST") {
      const at = new Date().toISOString();
      await env.DB.batch([
        env.DB.prepare(`INSERT OR IGNORE INTO clients (client_id, company_name, contact_email, subscription_tier, monthly_budget_micros, created_at, updated_at)
          VALUES ('client_bench', 'Bench', 'bench@example.com', 'enterprise', 1000000000000, ?, ?)`).bind(at, at),
        env.DB.prepare(`INSERT OR IGNORE INTO worker_registry (worker_name, display_name, kind, binding, input_format, output_format, max_concurrent,
          queue_limit, lease_ttl_ms, avg_execution_time_ms, created_at, updated_at) VALUES ('bench-noop', 'Bench no-op', 'builtin', 'ScriptedWorker', 'any', 'any', 1000, 100000, 60000, 1, ?, ?)`).bind(at, at),
      ]);
      return Response.json({ ok: true });
    }
    if (url.pathname === "/bench/catalog" && request.method === "POST") {
      // The payload bench's generated feeds, in the catalog (after /dev/seed installed the workers and templates).
      const { sources } = (await request.json()) as { sources: CatalogFeed[] };
      await env.DB.batch(sourceStatements(env.DB, Date.now(), sources));
      return Response.json({ ok: true, sources: sources.length });
    }
    if (url.pathname === "/bench/meter" && request.method === "POST") {
      // start: a fresh meter, on; stop: the meter as it is (objects still busy counted to now), off.
      const { action } = (await request.json()) as { action: "start" | "stop" };
      if (action === "start") {
        meter = freshMeter();
        seenObjects.clear();
        meter.on = true;
        meter.since = Date.now();
        return Response.json({ ok: true });
      }
      const now = Date.now();
      for (const e of inFlight.values()) bump(meter.activeMs, e.cls, now - Math.max(e.since, meter.since));
      meter.on = false;
      return Response.json({ ...meter, wall_ms: now - meter.since });
    }
    if (url.pathname === "/bench/run" && request.method === "POST") {
      const { mode, steps, id, storage } = (await request.json()) as { mode: string; steps: number; id: string; storage?: boolean };
      return Response.json(await runOne(env, mode, steps, id, storage === true));
    }
    if (url.pathname === "/bench/micro" && request.method === "POST") {
      // Component costs: N sequential calls of each kind, timed here.
      const n = 200;
      const tag = `${Date.now()}`;
      const time = async (f: (i: number) => Promise<unknown>) => { const t0 = performance.now(); for (let i = 0; i < n; i++) await f(i); return (performance.now() - t0) / n; };
      const ledger = env.ClientLedger.getByName("client_bench");
      const pool = env.ResourcePool.getByName("bench-noop");
      const floor = env.BenchFloor.getByName(`micro-${tag}`);
      const actor = env.PipelineActor.getByName(`micro-${tag}`);
      await actor.create(actorSpec(`micro-${tag}`, 1));
      return Response.json({
        per_call_ms: {
          ledger_hold: await time((i) => ledger.hold(`m-${tag}-${i}`, 1)),
          ledger_settle: await time((i) => ledger.settle(`m-${tag}-${i}`, 1)),
          pool_reserve: await time((i) => pool.reserve({ key: `m-${tag}-${i}`, pipelineId: "x", priority: 0, maxWaitMs: 1000 })),
          pool_release: await time((i) => pool.release(`m-${tag}-${i}`, 1)),
          worker_execute: await time((i) => ctx.exports.ScriptedWorker.execute(handshake(`m-${tag}`, i))),
          floor_run_1_step: await time(() => floor.run(1)),
          floor_run_1_step_with_alarm: await time(() => floor.run(1, true)),
          floor_1_step_10kb_blob: await time(() => floor.run(1, false, 10_000)),
          floor_1_step_10kb_blob_x5: await time(() => floor.run(1, false, 50_000)),
          floor_1_step_8_rows: await time(() => floor.run(1, false, 0, 8)),
          floor_party_1_step: await time(() => env.BenchFloorParty.getByName(`fp-${tag}`).run(1)),
          floor_20_steps: await time(() => floor.run(20)),
          floor_party_20_steps: await time(() => env.BenchFloorParty.getByName(`fp-${tag}`).run(20)),
          actor_summary: await time(() => actor.summary()),
          from_a_durable_object: await env.BenchProbe.getByName(`probe-${tag}`).probe(100, tag),
          round_of_4_parallel: await time((i) => Promise.all([
            ledger.hold(`r-${tag}-${i}`, 1), ledger.settle(`m-${tag}-${i}`, 1),
            pool.reserve({ key: `r-${tag}-${i}`, pipelineId: "x", priority: 0, maxWaitMs: 1000 }), pool.release(`r-${tag}-${i - 1}`, 1),
          ])),
          two_ledger_parallel: await time((i) => Promise.all([ledger.hold(`t-${tag}-${i}`, 1), ledger.hold(`u-${tag}-${i}`, 1)])),
        },
      });
    }
    if (url.pathname === "/bench/protocol" && request.method === "POST") {
      // Per-step cost of each variant inside one object: slope of the median over 1, 5 and 20 steps.
      const { runs } = (await request.json()) as { runs: number };
      const out: Record<string, number> = {};
      for (const variant of ["floor", "rpc", "remote_write", "pool"]) {
        const stub = env.BenchProtocol.getByName(`protocol-${variant}-${Date.now()}`);
        const m = [await stub.run(variant, 1, runs), await stub.run(variant, 5, runs), await stub.run(variant, 20, runs)];
        const xs = [1, 5, 20];
        const mx = 26 / 3;
        const my = (m[0]! + m[1]! + m[2]!) / 3;
        out[variant] = xs.reduce((n, x, i) => n + (x - mx) * (m[i]! - my), 0) / xs.reduce((n, x) => n + (x - mx) ** 2, 0);
      }
      return Response.json({ per_step_ms: out });
    }
    if (url.pathname === "/bench/crash" && request.method === "POST") {
      const { id } = (await request.json()) as { id: string };
      return Response.json({ resumed_ms: await crashOnce(env, id) });
    }
    return app.fetch(request, env, ctx);
  },
} satisfies ExportedHandler<BenchEnv>;
