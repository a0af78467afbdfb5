// `npm run profile [-- actor|workflow|floor] [count]`: CPU-profiles the benchmark Worker while it
// runs `count` 5-step pipelines (8 at a time) in one mode, through the V8 inspector of wrangler
// dev, and prints the functions with the most self time. Under wrangler dev every object shares
// one isolate thread, so this is where a pipeline's time goes. Last, the same samples by category
// (object creation, SQLite, D1 history, events, the pool and ledger, RPC and the runtime, …).
import WS from "ws";
import { startBenchWorker } from "./bench-worker.mjs";

const mode = process.argv[2] ?? "actor";
const count = Number(process.argv[3] ?? 80);
const inspectorPort = Number(process.env.PROFILE_INSPECTOR_PORT ?? 9331);
const worker = await startBenchWorker({ port: Number(process.env.BENCH_PORT ?? 8799), inspectorPort });
try {
  /** @param {string} route @param {unknown} body */
  const post = (route, body) => fetch(`${worker.origin}${route}`, { method: "POST", body: JSON.stringify(body) });
  await post("/bench/setup", {});
  for (let i = 0; i < 5; i++) await post("/bench/run", { mode, steps: 5, id: `warm-${mode}-${i}-${Date.now()}` });

  const targets = /** @type {{ webSocketDebuggerUrl: string }[]} */ (await (await fetch(`http://127.0.0.1:${inspectorPort}/json`)).json());
  const ws = new WS(targets[0].webSocketDebuggerUrl);
  await new Promise((r) => ws.on("open", r));
  let next = 0;
  /** @type {Map<number, (msg: any) => void>} */
  const pending = new Map();
  ws.on("message", (data) => { const msg = JSON.parse(String(data)); pending.get(msg.id)?.(msg); pending.delete(msg.id); });
  /** @param {string} method @param {object} [params] @returns {Promise<any>} */
  const send = (method, params = {}) => new Promise((r) => { const id = ++next; pending.set(id, r); ws.send(JSON.stringify({ id, method, params })); });

  await send("Profiler.enable");
  await send("Profiler.setSamplingInterval", { interval: 100 });
  await send("Profiler.start");
  const t0 = Date.now();
  let started = 0;
  await Promise.all(Array.from({ length: 8 }, async () => {
    while (started++ < count) await post("/bench/run", { mode, steps: 5, id: `prof-${mode}-${started}-${Date.now()}` });
  }));
  const wall = Date.now() - t0;
  const { result } = await send("Profiler.stop");
  // The bundle's text, to show where anonymous functions are (PROFILE_SOURCE=1).
  /** @type {Map<string, string[]>} */
  const scripts = new Map();
  if (process.env.PROFILE_SOURCE) {
    await send("Debugger.enable");
    for (const n of result.profile.nodes) {
      const id = n.callFrame.scriptId;
      if (n.callFrame.url !== "worker.js" || scripts.has(id)) continue;
      const src = await send("Debugger.getScriptSource", { scriptId: id });
      scripts.set(id, String(src.result?.scriptSource ?? "").split("\n"));
    }
  }
  ws.close();

  /** @type {{ nodes: { id: number, children?: number[], callFrame: { functionName: string, url: string, lineNumber: number, scriptId: string } }[], samples: number[], timeDeltas: number[] }} */
  const profile = result.profile;
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  /** @type {Map<number, number>} */
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  /** @param {number | undefined} id */
  const name = (id) => {
    const f = id === undefined ? undefined : nodes.get(id)?.callFrame;
    return f ? `${f.functionName || "(anonymous)"} ${f.url.split("/").slice(-2).join("/")}:${f.lineNumber + 1}` : "?";
  };
  /** @type {Map<string, number>} */
  const self = new Map();
  /** Native time (SQLite, storage) by the JavaScript function that called it. @type {Map<string, number>} */
  const nativeByCaller = new Map();
  profile.samples.forEach((nodeId, i) => {
    const us = profile.timeDeltas[i] ?? 0;
    self.set(name(nodeId), (self.get(name(nodeId)) ?? 0) + us);
    const frame = nodes.get(nodeId)?.callFrame;
    if (frame && frame.url === "" && /^(exec|transactionSync|setAlarm|toArray|one|sync)$/.test(frame.functionName)) {
      let p = parent.get(nodeId);
      while (p !== undefined && nodes.get(p)?.callFrame.url === "") p = parent.get(p);
      // Skip the small SQL helpers (and the bench's meter wrappers) to name the code that wanted the statement.
      while (p !== undefined && /^(first|rows|meteredExec|meteredAlarmWrite|meteredCall) /.test(name(p))) p = parent.get(p);
      const key = `${frame.functionName} <- ${name(p)}`;
      nativeByCaller.set(key, (nativeByCaller.get(key) ?? 0) + us);
    }
  });
  // By category: each sample goes to the innermost frame of its stack that a rule names (rules in
  // order: the first rule a frame matches wins), else to "other JavaScript". Patterns are on the
  // function's name; under wrangler dev the whole script is one bundle (worker.js), so names are
  // what there is. A summary, not an exact account: inlined functions take their caller's name.
  /** @type {[string, (f: { functionName: string, url: string }) => boolean][]} */
  const CATEGORIES = [
    ["SQLite statements and commits (native)", (f) => f.url === "" && /^(exec|transactionSync|setAlarm|deleteAlarm|getAlarm|toArray|one|sync|get|put|next|raw)$/.test(f.functionName)],
    ["D1 history and registration", (f) => /d1/i.test(f.url) || /^(writeHistory|historyStatements|registerStatement|register|record|DeliverableRecorder)$/.test(f.functionName)],
    ["events and broadcast", (f) => /^(diffEvents|appendMany|append|broadcast|summarize|greet|tail|notes)$/.test(f.functionName)],
    ["object creation (constructor, migrations, load)", (f) => /^(PipelineActor|ResourcePool|ClientLedger|BenchFloor|Server|ActorServer|start|migrate|loadState|decodeRaw|applyDelta|applyFields|loadName|load|__unsafe_ensureInitialized|blockConcurrencyWhile)$/.test(f.functionName)],
    ["state checkpoint (the journal's state change, snapshots, encode)", (f) => /^(stateDelta|fieldChanges|arrayEdit|same|metaObject|stepObject|attemptObject|saveSnapshot|saveOutputs|encodeNote|encodeSpec|encodeCleanup|withoutUsual|persist|write|commit|flush|metaText|writeRound|store)$/.test(f.functionName)],
    ["resource pool and ledger logic", (f) => /^(batch|runOps|applyAll|addToBucket|reserve|release|hold|settle|schedule\w*|grant\w*)$/.test(f.functionName)],
    ["pipeline logic (plan, apply, drive)", (f) => /^(driveOnce|drive|planRound|applyRound|onResult|onWorkerResult|dispatch|plan|onTimers|onCapacity|stepInput|nextTimer|scheduleNextAlarm|armWatchdog)$/.test(f.functionName)],
    ["worker call (ScriptedWorker, harness)", (f) => /^(execute|ScriptedWorker|run)$/.test(f.functionName) && f.url !== ""],
    ["bench driver (runOne: its stub calls and their serialization; the fetch handler)", (f) => /^(runOne|fetch)$/.test(f.functionName) && f.url !== ""],
    ["RPC, timers and other native calls", (f) => f.url === "" && !/^\(/.test(f.functionName)],
    ["runtime outside JavaScript ((program): RPC transport, I/O, isolate entry)", (f) => f.functionName === "(program)"],
    ["garbage collector", (f) => f.functionName === "(garbage collector)"],
  ];
  /** @type {Map<string, number>} */
  const byCategory = new Map();
  let busyUs = 0;
  profile.samples.forEach((nodeId, i) => {
    const us = profile.timeDeltas[i] ?? 0;
    if (nodes.get(nodeId)?.callFrame.functionName === "(idle)") return;
    busyUs += us;
    let category = "other JavaScript";
    for (let p = /** @type {number | undefined} */ (nodeId); p !== undefined; p = parent.get(p)) {
      const frame = nodes.get(p)?.callFrame;
      if (!frame || /^(meteredExec|meteredAlarmWrite|meteredCall)$/.test(frame.functionName)) continue;
      const hit = CATEGORIES.find(([, test]) => test(frame));
      if (hit) { category = hit[0]; break; }
    }
    byCategory.set(category, (byCategory.get(category) ?? 0) + us);
  });

  console.log(`${mode}: ${count} five-step pipelines in ${wall} ms wall; self time by function (ms):`);
  const where = new Map([...nodes.values()].map((n) => [name(n.id), n.callFrame]));
  const source = (/** @type {string} */ key) => {
    const f = where.get(key);
    const line = f ? scripts.get(f.scriptId)?.[f.lineNumber] : undefined;
    return line === undefined ? "" : `  ⟶ ${line.trim().slice(0, 100)}`;
  };
  for (const [key, us] of [...self].sort((a, b) => b[1] - a[1]).slice(0, Number(process.env.PROFILE_TOP ?? 25))) console.log(`${(us / 1000).toFixed(1).padStart(9)}  ${key}${source(key)}`);
  console.log("\nstorage time by caller (ms):");
  for (const [key, us] of [...nativeByCaller].sort((a, b) => b[1] - a[1]).slice(0, 20)) console.log(`${(us / 1000).toFixed(1).padStart(9)}  ${key}`);
  console.log(`\nthread time by category (ms; ${(busyUs / 1000).toFixed(0)} ms busy, ${(busyUs / 1000 / count).toFixed(2)} ms per pipeline; idle left out):`);
  for (const [key, us] of [...byCategory].sort((a, b) => b[1] - a[1])) console.log(`${(us / 1000).toFixed(1).padStart(9)}  ${(us / busyUs * 100).toFixed(1).padStart(5)} %  ${key}`);
} finally {
  worker.stop();
}
