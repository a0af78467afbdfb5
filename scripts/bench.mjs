// `npm run bench`: the same pipeline of no-op steps three ways, under one workerd (wrangler dev,
// local, offline), measured from here with performance.now():
//   actor    – PipelineActor with full accounting (hold, reserve, checkpoint, settle, release, broadcast)
//   workflow – a Cloudflare Workflow, one step.do per step
//   floor    – a bare Durable Object that only checkpoints each step
// Prints a table and writes bench/out/results.json. BENCH_QUICK=1 runs fewer repetitions.
import { mkdirSync, writeFileSync } from "node:fs";
import { performance } from "node:perf_hooks";
import { startBenchWorker } from "./bench-worker.mjs";

const quick = process.env.BENCH_QUICK === "1";
const port = Number(process.env.BENCH_PORT ?? 8799);
const origin = `http://127.0.0.1:${port}`;
const MODES = ["actor", "workflow", "floor"];
const R = quick ? 5 : 15; // runs per (mode, steps) for the slope
const N = quick ? 20 : 60; // runs per mode for latency percentiles
const M = quick ? 16 : 48; // pipelines per (mode, concurrency) for throughput
const CRASHES = quick ? 3 : 10;

let seq = 0;
const id = (/** @type {string} */ mode) => `${mode}-${Date.now().toString(36)}-${(seq++).toString(36)}`;

/** @param {string} route @param {unknown} body */
async function post(route, body) {
  const res = await fetch(`${origin}${route}`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
  if (!res.ok) throw new Error(`${route}: ${res.status} ${await res.text()}`);
  return res.json();
}

/** One pipeline, start to finish, timed from here. @param {string} mode @param {number} steps */
async function timed(mode, steps) {
  const t0 = performance.now();
  const r = await post("/bench/run", { mode, steps, id: id(mode) });
  const ms = performance.now() - t0;
  if (r.status !== "completed") throw new Error(`${mode} pipeline ended ${r.status}: ${JSON.stringify(r)}`);
  return { ms, bytes: Number(r.bytes) };
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

async function main() {
  console.log("bench: applying migrations and starting wrangler dev (local, offline)…");
  const worker = await startBenchWorker({ port });
  try {
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

    // Latency of the 5-step pipeline; bytes written per step.
    /** @type {Record<string, number[]>} */
    const lat = Object.fromEntries(MODES.map((m) => [m, []]));
    /** @type {Record<string, number>} */
    const bytesPerStep = {};
    for (let r = 0; r < N; r++) {
      for (const mode of r % 2 ? [...MODES].reverse() : MODES) {
        const t = await timed(mode, 5);
        lat[mode].push(t.ms);
        bytesPerStep[mode] = t.bytes / 5;
      }
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

    const results = {
      date: new Date().toISOString(), node: process.version, quick,
      protocol_per_step_ms_inside_an_object: protocol,
      per_step_overhead_ms: perStep, median_latency_by_steps_ms: medians,
      latency_5_steps_ms: Object.fromEntries(MODES.map((m) => [m, { p50: percentile(lat[m], 50), p99: percentile(lat[m], 99) }])),
      pipelines_per_second: throughput,
      crash_to_resumed_ms: { p50: median(crashes), max: Math.max(...crashes), samples: crashes },
      bytes_written_per_step: bytesPerStep,
      ratios: {
        actor_vs_workflow_per_step: perStep.actor / perStep.workflow,
        actor_vs_floor_per_step: perStep.actor / perStep.floor,
        actor_vs_workflow_throughput_16: throughput.actor[16] / throughput.workflow[16],
      },
    };
    const targets = [
      ["overhead per step ≤ ½ × Workflow", results.ratios.actor_vs_workflow_per_step <= 0.5],
      ["overhead per step ≤ 3 × floor", results.ratios.actor_vs_floor_per_step <= 3],
      ["throughput at 16 ≥ 2 × Workflow", results.ratios.actor_vs_workflow_throughput_16 >= 2],
      ["crash to resumed < 300 ms", results.crash_to_resumed_ms.max < 300],
    ];
    const f = (/** @type {number} */ n, d = 2) => n.toFixed(d);
    const rows = [
      ["", "actor", "workflow", "floor"],
      ["overhead per step (ms, slope 1/5/20)", ...MODES.map((m) => f(perStep[m]))],
      ["5-step latency p50 (ms)", ...MODES.map((m) => f(results.latency_5_steps_ms[m].p50))],
      ["5-step latency p99 (ms)", ...MODES.map((m) => f(results.latency_5_steps_ms[m].p99))],
      ["pipelines/s at 1", ...MODES.map((m) => f(throughput[m][1], 1))],
      ["pipelines/s at 4", ...MODES.map((m) => f(throughput[m][4], 1))],
      ["pipelines/s at 16", ...MODES.map((m) => f(throughput[m][16], 1))],
      ["bytes written per step", ...MODES.map((m) => f(bytesPerStep[m], 0))],
      ["crash to resumed (ms, p50 / max)", `${f(results.crash_to_resumed_ms.p50, 0)} / ${f(results.crash_to_resumed_ms.max, 0)}`, "n/a", "n/a"],
    ];
    const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => String(r[i]).length)));
    const line = (/** @type {string[]} */ r) => `| ${r.map((c, i) => String(c).padEnd(widths[i])).join(" | ")} |`;
    console.log(`\n${line(rows[0])}\n| ${widths.map((w) => "-".repeat(w)).join(" | ")} |`);
    for (const r of rows.slice(1)) console.log(line(r));
    console.log(`\nratios: actor/workflow per step ${f(results.ratios.actor_vs_workflow_per_step)}, actor/floor per step ${f(results.ratios.actor_vs_floor_per_step)}, actor/workflow throughput at 16 ${f(results.ratios.actor_vs_workflow_throughput_16)}`);
    console.log(`\nper step inside one object (ms): ${Object.entries(protocol).map(([k, v]) => `${k} ${f(Number(v))}`).join(", ")}`);
    for (const [name, ok] of targets) console.log(`${ok ? "PASS" : "MISS"}  ${name}`);
    mkdirSync("bench/out", { recursive: true });
    writeFileSync("bench/out/results.json", JSON.stringify({ ...results, targets: Object.fromEntries(targets) }, null, 2));
    console.log("\nJSON: bench/out/results.json");
    console.log(JSON.stringify(results));
  } finally {
    worker.stop();
  }
}

main().catch((error) => { console.error(error); process.exitCode = 1; });
