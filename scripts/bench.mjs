// `npm run bench`: the same pipeline of no-op steps three ways, under one workerd (wrangler dev,
// local, offline), measured from here with performance.now():
//   actor    – PipelineActor with full accounting (hold, reserve, checkpoint, settle, release, broadcast)
//   workflow – a Cloudflare Workflow, one step.do per step
//   floor    – a bare Durable Object that only checkpoints each step
// and then payloads by reference: a research report over 10 generated feeds of 20 articles,
// bytes through the PipelineActor against the payloads whole.
// Prints tables and writes bench/out/results.json. BENCH_QUICK=1 runs fewer repetitions;
// BENCH_ONLY=runtime or BENCH_ONLY=payload runs one part.
import { mkdirSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { performance } from "node:perf_hooks";
import { startBenchWorker } from "./bench-worker.mjs";
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

/** The runtime part: the same no-op pipeline as actor, Workflow and floor. */
async function runtimeBench() {
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
    return { results, targets };
  }
}

/**
 * The payload part: a research report (librarian, fetcher, classifier, report builder) over
 * FEEDS generated feeds of ITEMS articles, served from here, run through the router like a
 * client would (POST /orchestrate, then the result). Large step outputs travel by reference;
 * the actor counts what passed through it against the payloads whole.
 */
async function payloadBench() {
  const FEEDS = 10;
  const ITEMS = 20;
  const feeds = createServer((req, res) => {
    const m = /^\/synthetic\/feeds\/(\d+)\.xml$/.exec(req.url ?? "");
    if (!m) { res.writeHead(404).end(); return; }
    res.writeHead(200, { "Content-Type": "application/rss+xml; charset=utf-8" }).end(syntheticFeed(Number(m[1]), { items: ITEMS }));
  });
  await new Promise((resolve) => feeds.listen(0, "127.0.0.1", () => resolve(undefined)));
  const address = feeds.address();
  const feedOrigin = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
  try {
    const admin = { Authorization: "Bearer bench-shared-secret-not-for-production", "X-Worker-ID": "bench" };
    const seeded = await fetch(`${origin}/dev/seed`, { method: "POST", headers: admin });
    if (!seeded.ok) throw new Error(`/dev/seed: ${seeded.status} ${await seeded.text()}`);
    await post("/bench/catalog", { sources: syntheticSources(feedOrigin, FEEDS) });
    const key = { "X-API-Key": "aif_demoprem00_Vx3NqM7bLk1RzS5wPc9tGf2HjD8yUe4A", "Content-Type": "application/json" };
    const runs = [];
    for (let i = 0; i < (quick ? 2 : 4); i++) {
      const t0 = performance.now();
      const start = await fetch(`${origin}/orchestrate`, { method: "POST", headers: key, body: JSON.stringify({ pipeline_template: "research_report", topic: SYNTHETIC_TOPIC, template_parameters: { max_feeds: FEEDS, max_articles_per_feed: ITEMS } }) });
      if (start.status !== 202) throw new Error(`/orchestrate: ${start.status} ${await start.text()}`);
      const id = (await start.json()).pipeline.id;
      const summary = (await (await fetch(`${origin}/pipeline/${id}?wait_ms=30000`, { headers: key })).json()).pipeline;
      const ms = performance.now() - t0;
      if (summary.status !== "completed") throw new Error(`research report ended ${summary.status}: ${JSON.stringify(summary.reason)}`);
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
  } finally {
    feeds.close();
  }
}

async function main() {
  console.log("bench: applying migrations and starting wrangler dev (local, offline)…");
  const worker = await startBenchWorker({ port });
  try {
    const runtime = only === "payload" ? null : await runtimeBench();
    const payload = only === "runtime" ? null : await payloadBench();
    const targets = [...(runtime?.targets ?? []), ...(payload?.targets ?? [])];
    const results = { date: new Date().toISOString(), node: process.version, quick, ...(runtime?.results ?? {}), ...(payload ? { payloads_by_reference: payload.results } : {}) };
    mkdirSync("bench/out", { recursive: true });
    writeFileSync("bench/out/results.json", JSON.stringify({ ...results, targets: Object.fromEntries(targets) }, null, 2));
    console.log("\nJSON: bench/out/results.json");
    console.log(JSON.stringify(results));
  } finally {
    worker.stop();
  }
}

main().catch((error) => { console.error(error); process.exitCode = 1; });
