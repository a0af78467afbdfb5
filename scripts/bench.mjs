// `npm run bench`: the same pipeline of no-op steps three ways, under one workerd (wrangler dev,
// local, offline), measured from here with performance.now():
//   actor    – PipelineActor with full accounting (hold, reserve, checkpoint, settle, release, broadcast)
//   workflow – a Cloudflare Workflow, one step.do per step
//   floor    – a bare Durable Object that only checkpoints each step
// then payloads by reference: a research report over 10 generated feeds of 20 articles,
// bytes through the PipelineActor against the payloads whole; then the economy estimator's
// accuracy over a scripted history of research reports with varied parameters, against the
// template's static estimate (the seed's).
// First, without wrangler: the offline classifier's relevance ranking against a keyword matcher on
// the labelled corpus of test/fixtures/relevance (scripts/relevance-bench.ts).
// Prints tables and writes bench/out/results.json. BENCH_QUICK=1 runs fewer repetitions;
// BENCH_ONLY=relevance, runtime, payload or estimator runs one part.
import { mkdirSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { register } from "tsx/esm/api";
import { readdirSync, statSync } from "node:fs";
import path from "node:path";
import { startBenchWorker } from "./bench-worker.mjs";
import { costPerMillion, PRICES } from "./lib/prices.mjs";
import { CLK_TCK, cpuMs, workerdPids } from "./lib/proc-cpu.mjs";
import { SYNTHETIC_TOPIC, syntheticFeed, syntheticSources } from "./lib/synthetic-feeds.mjs";

const quick = process.env.BENCH_QUICK === "1";
const only = process.env.BENCH_ONLY ?? "";
const port = Number(process.env.BENCH_PORT ?? 8799);
const origin = `http://127.0.0.1:${port}`;
const MODES = ["actor", "workflow", "floor"];
const R = quick ? 5 : 15; // runs per (mode, steps) for the slope
const N = quick ? 20 : 60; // runs per mode for latency percentiles
const M = quick ? 16 : 48; // pipelines per (mode, concurrency) for throughput
const CRASHES = quick ? 3 : 10;
const CPU_PIPELINES = quick ? 60 : 200; // five-step pipelines per (variant, round) for CPU per pipeline
const CPU_CONCURRENCY = 8;
const METERED = quick ? 24 : 60; // five-step pipelines per variant for requests, rows, duration, storage

let seq = 0;
const id = (/** @type {string} */ mode) => `${mode}-${Date.now().toString(36)}-${(seq++).toString(36)}`;

/** @param {string} route @param {unknown} body */
async function post(route, body) {
  const res = await fetch(`${origin}${route}`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
  if (!res.ok) throw new Error(`${route}: ${res.status} ${await res.text()}`);
  return res.json();
}

/**
 * One pipeline, start to finish, timed from here. With `storage`, the actor is asked afterwards
 * what it wrote (one more call: left out of the timed and CPU phases).
 * @param {string} mode @param {number} steps @param {boolean} [storage]
 */
async function timed(mode, steps, storage = false) {
  const t0 = performance.now();
  const r = await post("/bench/run", { mode, steps, id: id(mode), storage });
  const ms = performance.now() - t0;
  if (r.status !== "completed") throw new Error(`${mode} pipeline ended ${r.status}: ${JSON.stringify(r)}`);
  return { ms, bytes: Number(r.bytes), result: r };
}

/** @param {number[]} xs @param {number} p */
function percentile(xs, p) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
}
/** @param {number[]} xs */
const median = (xs) => percentile(xs, 50);
/** Least-squares slope of y over x. @param {number[]} xs @param {number[]} ys */
function slope(xs, ys) {
  const mx = xs.reduce((a, b) => a + b, 0) / xs.length;
  const my = ys.reduce((a, b) => a + b, 0) / ys.length;
  let num = 0;
  let den = 0;
  for (let i = 0; i < xs.length; i++) { num += (xs[i] - mx) * (ys[i] - my); den += (xs[i] - mx) ** 2; }
  return num / den;
}

const sleep = (/** @type {number} */ ms) => new Promise((r) => setTimeout(r, ms));

/** Runs `count` five-step pipelines of one mode, `concurrency` at a time. @param {string} mode @param {number} count @param {number} concurrency */
async function batchOf(mode, count, concurrency, storage = false) {
  let next = 0;
  /** @type {Record<string, any>[]} */
  const results = [];
  await Promise.all(Array.from({ length: concurrency }, async () => { while (next++ < count) results.push((await timed(mode, 5, storage)).result); }));
  return results;
}

/** Where each variant's per-pipeline SQLite files live under wrangler dev's persistence directory. */
const STORE_DIRS = { actor: "v3/do/ai-factory-bench-PipelineActor", workflow: "v3/workflows/miniflare-workflows-bench-pipeline", floor: "v3/do/ai-factory-bench-BenchFloor" };
/** Sizes of a directory's SQLite files (database and WAL), by name. @param {string} dir */
function sqliteFiles(dir) {
  /** @type {Map<string, number>} */
  const out = new Map();
  try {
    for (const name of readdirSync(dir)) if (/\.sqlite(-wal)?$/.test(name) && !name.startsWith("metadata")) out.set(name, statSync(path.join(dir, name)).size);
  } catch { /* none yet */ }
  return out;
}

/**
 * CPU per completed pipeline, measured from outside: the workerd processes' own CPU time (user +
 * system, all threads, from /proc) over a phase that runs one variant only, CPU_PIPELINES
 * five-step pipelines CPU_CONCURRENCY at a time, then a quiet tail for trailing work (alarms,
 * history, the ledger's D1 mirror). Idle CPU over the same time is subtracted. Two rounds,
 * the second in reverse order; each variant's figure is the lower of its two rounds (the round
 * least disturbed by others on a shared machine), the same rule for every variant. Only workerd processes under the wrangler this bench started
 * count; wrangler dev restarts workerd when a watched source file changes (others edit src/
 * meanwhile), so a phase whose process set changed, or whose count went backwards, is run again.
 * @param {number} root
 */
async function cpuPerPipeline(root) {
  const TAIL_MS = 1500;
  const same = (/** @type {number[]} */ a, /** @type {number[]} */ b) => a.length === b.length && a.every((x, i) => x === b[i]);
  let idlePerMs = 0;
  for (let attempt = 0; attempt < 5; attempt++) {
    const pids = workerdPids(root).sort();
    const idle0 = cpuMs(pids);
    const i0 = performance.now();
    await sleep(2000);
    const used = cpuMs(pids) - idle0;
    if (same(pids, workerdPids(root).sort()) && used >= 0) { idlePerMs = used / (performance.now() - i0); break; }
  }
  /** @type {Record<string, number[]>} */
  const rounds = Object.fromEntries(MODES.map((m) => [m, []]));
  let restarts = 0;
  for (let round = 0; round < 2; round++) {
    for (const mode of round % 2 ? [...MODES].reverse() : MODES) {
      for (let attempt = 0; ; attempt++) {
        const pids = workerdPids(root).sort();
        if (pids.length === 0) throw new Error(`no workerd process found under pid ${root}`);
        const c0 = cpuMs(pids);
        const t0 = performance.now();
        await batchOf(mode, CPU_PIPELINES, CPU_CONCURRENCY);
        await sleep(TAIL_MS);
        const elapsed = performance.now() - t0;
        const used = cpuMs(pids) - c0;
        if (same(pids, workerdPids(root).sort()) && used > 0) {
          rounds[mode].push((used - idlePerMs * elapsed) / CPU_PIPELINES);
          break;
        }
        restarts += 1;
        if (attempt >= 3) throw new Error(`workerd kept restarting during the CPU phase (${mode})`);
        console.log(`bench: workerd restarted during the CPU phase of ${mode} (a watched source changed?); running it again`);
        await batchOf(mode, 5, 1); // warm the new process
      }
    }
  }
  return { rounds, lower: Object.fromEntries(MODES.map((m) => [m, Math.min(...rounds[m])])), idle_cpu_ms_per_s: idlePerMs * 1000, workerd_restarts: restarts, workerd_pids: workerdPids(root).length };
}

/**
 * Accounting: METERED five-step pipelines per variant (CPU_CONCURRENCY at a time) with the bench
 * Worker's meter on: RPC calls into each Durable Object class and alarms fired (DO requests),
 * SQLite rows written by every object (cursor.rowsWritten, schema writes included) and alarm
 * writes, D1 rows, the time each object had a request in flight, and the SQLite files the run
 * left on disk.
 * @param {string} persist
 */
async function accounting(persist) {
  /** @type {Record<string, any>} */
  const out = {};
  for (const mode of MODES) {
    const dir = path.join(persist, STORE_DIRS[/** @type {keyof typeof STORE_DIRS} */ (mode)]);
    const before = sqliteFiles(dir);
    await post("/bench/meter", { action: "start" });
    const results = await batchOf(mode, METERED, CPU_CONCURRENCY, true);
    await sleep(2000); // trailing alarms and the ledger's D1 mirror
    const meter = await post("/bench/meter", { action: "stop" });
    const after = sqliteFiles(dir);
    let stored = 0;
    for (const [name, size] of after) if (!before.has(name)) stored += size;
    out[mode] = { pipelines: METERED, meter, results, stored_bytes_per_pipeline: stored / METERED };
  }
  return out;
}

/** The runtime part: the same no-op pipeline as actor, Workflow and floor. @param {{ pid: number, persist: string }} worker */
async function runtimeBench(worker) {
  {
    await post("/bench/setup", {});
    for (const mode of MODES) for (let i = 0; i < 5; i++) await timed(mode, 5); // warm-up

    // Marginal overhead per step: slope of median latency over 1, 5 and 20 steps.
    const stepCounts = [1, 5, 20];
    /** @type {Record<string, Record<number, number>>} */
    const medians = Object.fromEntries(MODES.map((m) => [m, {}]));
    for (const steps of stepCounts) {
      /** @type {Record<string, number[]>} */
      const samples = Object.fromEntries(MODES.map((m) => [m, []]));
      for (let r = 0; r < R; r++) for (const mode of r % 2 ? [...MODES].reverse() : MODES) samples[mode].push((await timed(mode, steps)).ms);
      for (const mode of MODES) medians[mode][steps] = median(samples[mode]);
    }
    const perStep = Object.fromEntries(MODES.map((m) => [m, slope(stepCounts, stepCounts.map((s) => medians[m][s]))]));

    // Latency of the 5-step pipeline (what each wrote is measured in the accounting phase).
    /** @type {Record<string, number[]>} */
    const lat = Object.fromEntries(MODES.map((m) => [m, []]));
    for (let r = 0; r < N; r++) {
      for (const mode of r % 2 ? [...MODES].reverse() : MODES) lat[mode].push((await timed(mode, 5)).ms);
    }

    // Throughput at 1, 4 and 16 concurrent.
    /** @type {Record<string, Record<number, number>>} */
    const throughput = Object.fromEntries(MODES.map((m) => [m, {}]));
    for (const c of [1, 4, 16]) {
      for (const mode of MODES) {
        let next = 0;
        const t0 = performance.now();
        await Promise.all(Array.from({ length: c }, async () => { while (next++ < M) await timed(mode, 5); }));
        throughput[mode][c] = M / ((performance.now() - t0) / 1000);
      }
    }

    // Crash to resumed (actor only).
    const crashes = [];
    for (let i = 0; i < CRASHES; i++) crashes.push((await post("/bench/crash", { id: id("crash") })).resumed_ms);

    // What a per-step reservation costs at least, measured inside one object (see BenchProtocol).
    const protocol = (await post("/bench/protocol", { runs: quick ? 5 : 15 })).per_step_ms;

    // CPU per completed pipeline, from the operating system's count of workerd's CPU time.
    const cpu = await cpuPerPipeline(worker.pid);

    // Requests, rows, duration and storage per pipeline, then cost per million at published prices.
    const acct = await accounting(worker.persist);
    const sum = (/** @type {Record<string, number>} */ o, /** @type {(k: string) => boolean} */ f = () => true) => Object.entries(o ?? {}).filter(([k]) => f(k)).reduce((n, [, v]) => n + v, 0);
    /** @type {Record<string, any>} */
    const usage = {};
    for (const mode of MODES) {
      const a = acct[mode];
      const n = a.pipelines;
      const m = a.meter;
      const doRequests = (sum(m.requests) + sum(m.alarms)) / n;
      usage[mode] = {
        // One Worker request per pipeline (the request that starts it and waits for it); a Workflow
        // instance is one more (its invocation; its steps and status reads are not requests).
        worker_requests: mode === "workflow" ? 2 : 1,
        do_requests: doRequests,
        do_requests_by_method: Object.fromEntries(Object.entries({ ...m.requests, ...Object.fromEntries(Object.entries(m.alarms).map(([k, v]) => [`${k}.alarm`, v])) }).map(([k, v]) => [k, /** @type {number} */ (v) / n])),
        cpu_ms: cpu.lower[mode],
        // Every SQLite row written by every object (the pipeline's own, the ledger's, the pool's,
        // schema writes) plus one per alarm write (assumed billed as a row written).
        sqlite_rows_written: (sum(m.sqlRows) + sum(m.alarmWrites)) / n,
        sqlite_rows_by_class: Object.fromEntries(Object.entries(m.sqlRows).map(([k, v]) => [k, /** @type {number} */ (v) / n])),
        alarm_writes: sum(m.alarmWrites) / n,
        alarm_writes_by_class: Object.fromEntries(Object.entries(m.alarmWrites).map(([k, v]) => [k, /** @type {number} */ (v) / n])),
        sqlite_statements_by_class: Object.fromEntries(Object.entries(m.sqlStatements).map(([k, v]) => [k, /** @type {number} */ (v) / n])),
        d1_rows_written: m.d1.rowsWritten / n,
        d1_rows_read: m.d1.rowsRead / n,
        // Wall time with a request or alarm in flight, per object, summed over objects (128 MB each).
        active_ms_by_class: Object.fromEntries(Object.entries(m.activeMs).map(([k, v]) => [k, /** @type {number} */ (v) / n])),
        duration_gb_s: (sum(m.activeMs) / n / 1000) * PRICES.durable_objects.gb_per_object,
        stored_bytes: a.stored_bytes_per_pipeline,
      };
      usage[mode].cost_per_million_usd = costPerMillion({
        workerRequests: usage[mode].worker_requests, doRequests, cpuMs: usage[mode].cpu_ms, sqliteRowsWritten: mode === "workflow" ? 0 : usage[mode].sqlite_rows_written,
        d1RowsWritten: usage[mode].d1_rows_written, d1RowsRead: usage[mode].d1_rows_read, durationGbS: usage[mode].duration_gb_s, storedBytes: usage[mode].stored_bytes,
      });
    }
    // Storage written per step as the actors count it (5-step pipelines).
    /** @type {Record<string, any>[]} */
    const actorRuns = acct.actor.results;
    /** @type {Record<string, any>[]} */
    const workflowRuns = acct.workflow.results;
    /** @type {Record<string, any>[]} */
    const floorRuns = acct.floor.results;
    const avg = (/** @type {number[]} */ xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
    /** @type {Record<string, { rows: number, bytes: number }>} */
    const byTable = {};
    for (const r of actorRuns) for (const [t, v] of Object.entries(r.storage.byTable)) {
      const e = (byTable[t] ??= { rows: 0, bytes: 0 });
      e.rows += v.rows / actorRuns.length / 5;
      e.bytes += v.bytes / actorRuns.length / 5;
    }
    /** @type {Record<string, any>} */
    const storagePerStep = {
      actor: { rows: avg(actorRuns.map((r) => r.storage.rows)) / 5, bytes: avg(actorRuns.map((r) => r.storage.bytes)) / 5, statements: avg(actorRuns.map((r) => r.storage.statements)) / 5,
        alarm_writes: avg(actorRuns.map((r) => r.storage.alarmWrites)) / 5, by_table: byTable },
      workflow: { rows: null, bytes: avg(workflowRuns.map((r) => r.bytes)) / 5 },
      floor: { rows: avg(floorRuns.map((r) => r.rows)) / 5, bytes: avg(floorRuns.map((r) => r.bytes)) / 5 },
    };

    /** @type {Record<string, any>} */
    const results = {
      date: new Date().toISOString(), node: process.version, quick,
      protocol_per_step_ms_inside_an_object: protocol,
      per_step_overhead_ms: perStep, median_latency_by_steps_ms: medians,
      latency_5_steps_ms: Object.fromEntries(MODES.map((m) => [m, { p50: percentile(lat[m], 50), p99: percentile(lat[m], 99) }])),
      pipelines_per_second: throughput,
      crash_to_resumed_ms: { p50: median(crashes), max: Math.max(...crashes), samples: crashes },
      bytes_written_per_step: Object.fromEntries(MODES.map((m) => [m, storagePerStep[m].bytes])),
      cpu_ms_per_pipeline: { ...cpu, pipelines_per_round: CPU_PIPELINES, concurrency: CPU_CONCURRENCY, clk_tck: CLK_TCK },
      storage_written_per_step: storagePerStep,
      accounting: { pipelines_per_variant: METERED, concurrency: CPU_CONCURRENCY, per_pipeline: usage },
      prices: PRICES,
      ratios: {
        actor_vs_workflow_per_step: perStep.actor / perStep.workflow,
        actor_vs_floor_per_step: perStep.actor / perStep.floor,
        actor_vs_workflow_throughput_16: throughput.actor[16] / throughput.workflow[16],
        actor_vs_workflow_cpu: cpu.lower.actor / cpu.lower.workflow,
        actor_vs_floor_cpu: cpu.lower.actor / cpu.lower.floor,
        actor_vs_workflow_cost: usage.actor.cost_per_million_usd.total / usage.workflow.cost_per_million_usd.total,
      },
    };
    const r = results.ratios;
    /** [target, met, what was measured] */
    const detailed = [
      ["overhead per step ≤ 0.8 × Workflow's", r.actor_vs_workflow_per_step <= 0.8, `${r.actor_vs_workflow_per_step.toFixed(2)} ×`],
      ["pipelines/s at 16 concurrent ≥ 1.0 × Workflow's", r.actor_vs_workflow_throughput_16 >= 1, `${r.actor_vs_workflow_throughput_16.toFixed(2)} ×`],
      ["CPU per completed pipeline ≤ Workflow's", r.actor_vs_workflow_cpu <= 1, `${r.actor_vs_workflow_cpu.toFixed(2)} × (${r.actor_vs_floor_cpu.toFixed(2)} × the floor's)`],
      ["storage written per step ≤ 1 KB", storagePerStep.actor.bytes <= 1024, `${storagePerStep.actor.bytes.toFixed(0)} B (${(storagePerStep.actor.bytes / 1024).toFixed(2)} × 1 KB), ${storagePerStep.actor.rows.toFixed(1)} rows`],
      ["crash to resumed < 300 ms", results.crash_to_resumed_ms.max < 300, `${results.crash_to_resumed_ms.max.toFixed(0)} ms worst (${(results.crash_to_resumed_ms.max / 300).toFixed(2)} × 300 ms)`],
    ];
    results.runtime_targets = detailed.map(([target, met, measured]) => ({ target, met, measured }));
    const targets = detailed.map(([name, ok]) => [name, ok]);
    const f = (/** @type {number} */ n, d = 2) => n.toFixed(d);
    const rows = [
      ["", "actor", "workflow", "floor"],
      ["overhead per step (ms, slope 1/5/20)", ...MODES.map((m) => f(perStep[m]))],
      ["5-step latency p50 (ms)", ...MODES.map((m) => f(results.latency_5_steps_ms[m].p50))],
      ["5-step latency p99 (ms)", ...MODES.map((m) => f(results.latency_5_steps_ms[m].p99))],
      ["pipelines/s at 1", ...MODES.map((m) => f(throughput[m][1], 1))],
      ["pipelines/s at 4", ...MODES.map((m) => f(throughput[m][4], 1))],
      ["pipelines/s at 16", ...MODES.map((m) => f(throughput[m][16], 1))],
      ["CPU per pipeline (ms, workerd, lower of 2 rounds)", ...MODES.map((m) => f(cpu.lower[m], 1))],
      ["  per round", ...MODES.map((m) => cpu.rounds[m].map((x) => f(x, 1)).join(" / "))],
      ["rows written per step (SQLite)", f(storagePerStep.actor.rows, 1), "n/a (not SQLite-billed)", f(storagePerStep.floor.rows, 1)],
      ["bytes written per step", ...MODES.map((m) => f(storagePerStep[m].bytes, 0))],
      ["crash to resumed (ms, p50 / max)", `${f(results.crash_to_resumed_ms.p50, 0)} / ${f(results.crash_to_resumed_ms.max, 0)}`, "n/a", "n/a"],
    ];
    printTable(rows);
    console.log(`\nCPU: workerd's user + system time (${cpu.workerd_pids} processes under the bench's wrangler, /proc, ${CLK_TCK} ticks/s; ${cpu.workerd_restarts} phases run again after a workerd restart) over ${CPU_PIPELINES} five-step pipelines at ${CPU_CONCURRENCY} concurrent per variant and round, idle ${f(cpu.idle_cpu_ms_per_s, 1)} ms/s subtracted`);
    console.log(`\nactor storage per step by table (rows / bytes bound), ${storagePerStep.actor.statements.toFixed(1)} statements and ${storagePerStep.actor.alarm_writes.toFixed(2)} alarm writes per step:`);
    console.log(`  ${Object.entries(storagePerStep.actor.by_table).sort((a, b) => b[1].bytes - a[1].bytes).map(([t, v]) => `${t} ${f(v.rows, 1)} / ${f(v.bytes, 0)}`).join(", ")}`);

    const u = usage;
    const money = (/** @type {number} */ x) => `$${x < 10 ? x.toFixed(3) : x.toFixed(2)}`;
    console.log(`\nper 5-step pipeline (${METERED} per variant at ${CPU_CONCURRENCY} concurrent, metered), and $ per million pipelines at published prices (${PRICES.as_of}):`);
    printTable([
      ["", "actor", "workflow", "floor"],
      ["Worker requests", ...MODES.map((m) => String(u[m].worker_requests))],
      ["Durable Object requests (RPC calls + alarms)", ...MODES.map((m) => (m === "workflow" ? "n/a" : f(u[m].do_requests, 2)))],
      ["CPU ms (workerd, measured)", ...MODES.map((m) => f(u[m].cpu_ms, 1))],
      ["SQLite rows written (all objects)", f(u.actor.sqlite_rows_written, 1), "n/a", f(u.floor.sqlite_rows_written, 1)],
      ["D1 rows written", ...MODES.map((m) => f(u[m].d1_rows_written, 1))],
      ["DO duration (GB-s, 128 MB × active time)", ...MODES.map((m) => (m === "workflow" ? "n/a" : u[m].duration_gb_s.toExponential(2)))],
      ["stored on disk (KB, SQLite files left)", ...MODES.map((m) => f(u[m].stored_bytes / 1024, 1))],
      ["$ requests", ...MODES.map((m) => money(u[m].cost_per_million_usd.requests))],
      ["$ CPU", ...MODES.map((m) => money(u[m].cost_per_million_usd.cpu))],
      ["$ rows written (SQLite + D1)", ...MODES.map((m) => money(u[m].cost_per_million_usd.rows_written + u[m].cost_per_million_usd.d1))],
      ["$ duration", ...MODES.map((m) => money(u[m].cost_per_million_usd.duration))],
      ["$ total per million pipelines", ...MODES.map((m) => money(u[m].cost_per_million_usd.total))],
      ["  + storage, per month kept", ...MODES.map((m) => money(u[m].cost_per_million_usd.storage_month))],
    ]);
    console.log(`  actor DO requests by method per pipeline: ${Object.entries(u.actor.do_requests_by_method).map(([k, v]) => `${k} ${f(Number(v), 2)}`).join(", ")}`);
    console.log(`  actor SQLite rows by class per pipeline: ${Object.entries(u.actor.sqlite_rows_by_class).map(([k, v]) => `${k} ${f(Number(v), 1)}`).join(", ")} (+ ${f(u.actor.alarm_writes, 1)} alarm writes)`);
    console.log(`  actor write statements by class per pipeline: ${Object.entries(u.actor.sqlite_statements_by_class).map(([k, v]) => `${k} ${f(Number(v), 1)}`).join(", ")}; alarm writes: ${Object.entries(u.actor.alarm_writes_by_class).map(([k, v]) => `${k} ${f(Number(v), 2)}`).join(", ")}`);
    console.log(`  active ms per pipeline by class: ${MODES.filter((m) => m !== "workflow").map((m) => `${m}: ${Object.entries(u[m].active_ms_by_class).map(([k, v]) => `${k} ${f(Number(v), 1)}`).join(", ")}`).join("; ")}`);
    console.log(`\nratios: actor/workflow per step ${f(r.actor_vs_workflow_per_step)}, actor/floor per step ${f(r.actor_vs_floor_per_step)}, actor/workflow throughput at 16 ${f(r.actor_vs_workflow_throughput_16)}, actor/workflow CPU ${f(r.actor_vs_workflow_cpu)} (actor/floor ${f(r.actor_vs_floor_cpu)}), actor/workflow $ ${f(r.actor_vs_workflow_cost)}`);
    console.log(`\nper step inside one object (ms): ${Object.entries(protocol).map(([k, v]) => `${k} ${f(Number(v))}`).join(", ")}`);
    for (const [name, ok, measured] of detailed) console.log(`${ok ? "MET " : "MISS"}  ${name}: ${measured}`);
    return { results, targets };
  }
}

/** Prints rows as a Markdown table. @param {string[][]} rows */
function printTable(rows) {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => String(r[i]).length)));
  const line = (/** @type {string[]} */ r) => `| ${r.map((c, i) => String(c).padEnd(widths[i])).join(" | ")} |`;
  console.log(`\n${line(rows[0])}\n| ${widths.map((w) => "-".repeat(w)).join(" | ")} |`);
  for (const r of rows.slice(1)) console.log(line(r));
}

/**
 * The payload part: a research report (librarian, fetcher, classifier, report builder) over
 * FEEDS generated feeds of ITEMS articles, served from here, run through the router like a
 * client would (POST /orchestrate, then the result). Large step outputs travel by reference;
 * the actor counts what passed through it against the payloads whole.
 */
const FEEDS = 10;
const ITEMS = 20;
const PREMIUM = { "X-API-Key": "aif_demoprem00_Vx3NqM7bLk1RzS5wPc9tGf2HjD8yUe4A", "Content-Type": "application/json" };
const BENCH_WORKER = { Authorization: "Bearer bench-shared-secret-not-for-production", "X-Worker-ID": "bench" };

/** Serves FEEDS generated feeds of ITEMS articles from here, seeds the demo data and puts the feeds in the catalog. */
async function demoCatalog() {
  const feeds = createServer((req, res) => {
    const m = /^\/synthetic\/feeds\/(\d+)\.xml$/.exec(req.url ?? "");
    if (!m) { res.writeHead(404).end(); return; }
    res.writeHead(200, { "Content-Type": "application/rss+xml; charset=utf-8" }).end(syntheticFeed(Number(m[1]), { items: ITEMS }));
  });
  await new Promise((resolve) => feeds.listen(0, "127.0.0.1", () => resolve(undefined)));
  const address = feeds.address();
  const feedOrigin = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
  const seeded = await fetch(`${origin}/dev/seed`, { method: "POST", headers: BENCH_WORKER });
  if (!seeded.ok) throw new Error(`/dev/seed: ${seeded.status} ${await seeded.text()}`);
  await post("/bench/catalog", { sources: syntheticSources(feedOrigin, FEEDS) });
  return feeds;
}

/** Starts a research report as the premium demo client and waits for its end. @param {Record<string, unknown>} parameters */
async function researchReport(parameters) {
  const start = await fetch(`${origin}/orchestrate`, { method: "POST", headers: PREMIUM, body: JSON.stringify({ pipeline_template: "research_report", topic: SYNTHETIC_TOPIC, template_parameters: parameters }) });
  if (start.status !== 202) throw new Error(`/orchestrate: ${start.status} ${await start.text()}`);
  const started = await start.json();
  const summary = (await (await fetch(`${origin}/pipeline/${started.pipeline.id}?wait_ms=30000`, { headers: PREMIUM })).json()).pipeline;
  if (summary.status !== "completed") throw new Error(`research report ended ${summary.status}: ${JSON.stringify(summary.reason)}`);
  return { id: started.pipeline.id, estimate: started.estimate, summary };
}

async function payloadBench() {
  {
    const key = PREMIUM;
    const runs = [];
    for (let i = 0; i < (quick ? 2 : 4); i++) {
      const t0 = performance.now();
      const { id, summary } = await researchReport({ max_feeds: FEEDS, max_articles_per_feed: ITEMS });
      const ms = performance.now() - t0;
      const result = await (await fetch(`${origin}/pipeline/${id}/result`, { headers: key })).json();
      runs.push({ ms, ...summary.transfer, articles: result.context.articles.length, citations: result.context.report.citations.length });
    }
    const last = runs[runs.length - 1];
    const reduction = 1 - last.bytes_through_actor / last.payload_bytes;
    const results = {
      feeds: FEEDS, articles_per_feed: ITEMS, articles: last.articles, citations: last.citations,
      bytes_through_actor: last.bytes_through_actor, payload_bytes: last.payload_bytes, reduction,
      duration_ms: { median: median(runs.map((r) => r.ms)), samples: runs.map((r) => Math.round(r.ms)) },
    };
    const targets = [["bytes through the actor ≥ 80 % less than the payloads (research report, 10 feeds × 20 articles)", reduction >= 0.8]];
    console.log(`\npayloads by reference: research report over ${FEEDS} feeds × ${ITEMS} articles (${last.articles} articles, ${last.citations} citations)`);
    console.log(`  bytes through the actor ${last.bytes_through_actor}, payloads whole ${last.payload_bytes}: ${(reduction * 100).toFixed(1)} % less`);
    console.log(`  end to end (orchestrate to completed) median ${median(runs.map((r) => r.ms)).toFixed(0)} ms over ${runs.length} runs`);
    for (const [name, ok] of targets) console.log(`${ok ? "PASS" : "MISS"}  ${name}`);
    return { results, targets };
  }
}

/**
 * The estimator part: a scripted history of research reports (a fixed pseudo-random schedule of
 * feeds 3-10, articles per feed 2-20 and the three analysis depths), each started with the
 * estimator's prediction (made before it ran, from the runs before it) and scored against what
 * it cost. Accuracy is the mean absolute percentage error over the runs predicted once the
 * template had 20 completed runs; the baseline is the template's static estimate.
 */
async function estimatorBench() {
  const RUNS = quick ? 28 : 40;
  let state = 20261122;
  const random = () => (state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const depths = ["basic", "standard", "detailed"];
  const template = (await (await fetch(`${origin}/templates/research_report`, { headers: PREMIUM })).json()).template;
  /** @type {Map<string, number>} */
  const baseCost = new Map((await (await fetch(`${origin}/economy/pricing`, { headers: PREMIUM })).json()).workers.map((/** @type {{ worker: string, base_cost_micros: number }} */ w) => [w.worker, w.base_cost_micros / 1e6]));
  /** @type {({ history_runs: number, basis: string, predicted: number, actual: number, fixed: number, low: number, high: number, predicted_ms: number, actual_ms: number } & Record<string, unknown>)[]} */
  const rows = [];
  for (let i = 0; i < RUNS; i++) {
    const parameters = { max_feeds: 3 + Math.floor(random() * 8), max_articles_per_feed: 2 + Math.floor(random() * 19), analysis_depth: depths[Math.floor(random() * 3)] };
    const { estimate, summary } = await researchReport(parameters);
    const ms = Date.parse(summary.finished_at) - Date.parse(summary.started_at);
    // The fixed part: the base costs of the steps that ran (the rest is AI tokens, which grow with the input).
    const fixed = summary.steps.filter((/** @type {{ status: string }} */ st) => st.status === "succeeded").reduce((/** @type {number} */ n, /** @type {{ worker: string }} */ st) => n + (baseCost.get(st.worker) ?? 0), 0);
    rows.push({ ...parameters, fixed, history_runs: estimate.history_runs, basis: estimate.basis, predicted: estimate.cost_usd, actual: summary.cost_usd,
      low: estimate.cost_interval_usd[0], high: estimate.cost_interval_usd[1], predicted_ms: estimate.duration_ms, actual_ms: ms });
  }
  const err = (/** @type {number} */ p, /** @type {number} */ a) => Math.abs(p - a) / a * 100;
  const mean = (/** @type {number[]} */ xs) => xs.reduce((s, x) => s + x, 0) / xs.length;
  const trained = rows.filter((r) => r.history_runs >= 20 && r.actual > 0);
  const learned = mean(trained.map((r) => err(r.predicted, r.actual)));
  const baseline = mean(trained.map((r) => err(template.estimated_cost_usd, r.actual)));
  // A second baseline that does learn, but not per size: the mean cost of the runs before.
  const priorMean = mean(rows.map((r, i) => ({ r, i })).filter(({ r }) => r.history_runs >= 20 && r.actual > 0)
    .map(({ r, i }) => err(mean(rows.slice(0, i).map((p) => p.actual)), r.actual)));
  // The same over the variable part alone (cost above the fixed base costs), where size matters most.
  const variable = (/** @type {(r: typeof rows[number], i: number) => number} */ predict) => mean(rows.map((r, i) => ({ r, i })).filter(({ r }) => r.history_runs >= 20 && r.actual > r.fixed)
    .map(({ r, i }) => err(predict(r, i) - r.fixed, r.actual - r.fixed)));
  const variableLearned = variable((r) => r.predicted);
  const variableMean = variable((r, i) => mean(rows.slice(0, i).map((p) => p.actual - p.fixed)) + r.fixed);
  const durationMape = mean(trained.filter((r) => r.actual_ms > 0).map((r) => err(r.predicted_ms, r.actual_ms)));
  const coverage = trained.filter((r) => r.actual >= r.low && r.actual <= r.high).length / trained.length;
  const server = (await (await fetch(`${origin}/economy/stats`, { headers: BENCH_WORKER })).json()).templates.find((/** @type {{ template: string }} */ t) => t.template === "research_report");
  const results = {
    runs: RUNS, scored_runs: trained.length, cost_mape_percent: learned, static_estimate_mape_percent: baseline, ratio_vs_static: learned / baseline,
    history_mean_mape_percent: priorMean, ratio_vs_history_mean: learned / priorMean,
    variable_part_mape_percent: variableLearned, variable_part_history_mean_mape_percent: variableMean,
    duration_mape_percent: durationMape, interval_coverage: coverage, server_after_20_runs: server?.after_20_runs ?? null,
    actual_cost_usd: { min: Math.min(...rows.map((r) => r.actual)), max: Math.max(...rows.map((r) => r.actual)) },
  };
  const targets = [["estimator cost MAPE < 10 % once the template has 20 runs (research report, scripted history)", learned < 10]];
  console.log(`\neconomy estimator: ${RUNS} research reports (feeds 3-10, articles per feed 2-20, three analysis depths), ${trained.length} predicted with ≥ 20 runs of history`);
  console.log(`  actual cost $${results.actual_cost_usd.min}-$${results.actual_cost_usd.max}`);
  console.log(`  cost MAPE ${learned.toFixed(2)} %; baselines: the template's static estimate ${baseline.toFixed(1)} % (ratio ${(learned / baseline).toFixed(3)}), the mean cost of earlier runs ${priorMean.toFixed(1)} % (ratio ${(learned / priorMean).toFixed(3)})`);
  console.log(`  variable part (cost above the steps' base costs): MAPE ${variableLearned.toFixed(1)} % against ${variableMean.toFixed(1)} % for the mean of earlier runs (ratio ${(variableLearned / variableMean).toFixed(3)})`);
  console.log(`  actual cost inside the 90 % interval: ${(coverage * 100).toFixed(0)} % of runs`);
  console.log(`  duration MAPE ${durationMape.toFixed(1)} % (wall-clock on a shared machine)`);
  console.log(`  GET /economy/stats after_20_runs: ${JSON.stringify(results.server_after_20_runs)}`);
  for (const [name, ok] of targets) console.log(`${ok ? "PASS" : "MISS"}  ${name}`);
  return { results, targets };
}

/** The relevance ranking (pure TypeScript, run through tsx: no wrangler needed). */
async function relevanceBench() {
  register({ tsconfig: fileURLToPath(new URL("../tsconfig.cli.json", import.meta.url)) });
  // (A computed specifier: the TypeScript is type-checked by tsconfig.cli.json, not with this file.)
  const specifier = "./relevance-bench.ts";
  const { relevanceBench: run } = await import(specifier);
  return run();
}

async function main() {
  const relevance = only === "" || only === "relevance" ? await relevanceBench() : null;
  if (only === "relevance") {
    mkdirSync("bench/out", { recursive: true });
    writeFileSync("bench/out/relevance.json", JSON.stringify(relevance, null, 2));
    console.log("\nJSON: bench/out/relevance.json");
    return;
  }
  console.log("bench: applying migrations and starting wrangler dev (local, offline)…");
  const worker = await startBenchWorker({ port });
  try {
    const runtime = only === "" || only === "runtime" ? await runtimeBench(worker) : null;
    const feeds = only === "runtime" ? null : await demoCatalog();
    let payload = null;
    let estimator = null;
    try {
      payload = only === "" || only === "payload" ? await payloadBench() : null;
      estimator = only === "" || only === "estimator" ? await estimatorBench() : null;
    } finally {
      feeds?.close();
    }
    const targets = [...Object.entries(relevance?.targets ?? {}), ...(runtime?.targets ?? []), ...(payload?.targets ?? []), ...(estimator?.targets ?? [])];
    /** @type {Record<string, any>} */
    const results = {
      date: new Date().toISOString(), node: process.version, quick, ...(runtime?.results ?? {}),
      ...(relevance ? { relevance } : {}), ...(payload ? { payloads_by_reference: payload.results } : {}), ...(estimator ? { estimator: estimator.results } : {}),
    };
    mkdirSync("bench/out", { recursive: true });
    writeFileSync("bench/out/results.json", JSON.stringify({ ...results, targets: Object.fromEntries(targets) }, null, 2));
    console.log("\nJSON: bench/out/results.json");
    console.log(JSON.stringify(results));
  } finally {
    worker.stop();
  }
}

main().catch((error) => { console.error(error); process.exitCode = 1; });
