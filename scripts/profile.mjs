// `npm run profile [-- actor|workflow|floor] [count]`: CPU-profiles the benchmark Worker while it
// runs `count` 5-step pipelines (8 at a time) in one mode, through the V8 inspector of wrangler
// dev, and prints the functions with the most self time. Under wrangler dev every object shares
// one isolate thread, so this is where a pipeline's time goes.
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
  ws.close();

  /** @type {{ nodes: { id: number, children?: number[], callFrame: { functionName: string, url: string, lineNumber: number } }[], samples: number[], timeDeltas: number[] }} */
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
      // Skip the small SQL helpers to name the code that wanted the statement.
      while (p !== undefined && /^(first|rows) /.test(name(p))) p = parent.get(p);
      const key = `${frame.functionName} <- ${name(p)}`;
      nativeByCaller.set(key, (nativeByCaller.get(key) ?? 0) + us);
    }
  });
  console.log(`${mode}: ${count} five-step pipelines in ${wall} ms wall; self time by function (ms):`);
  for (const [key, us] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 25)) console.log(`${(us / 1000).toFixed(1).padStart(9)}  ${key}`);
  console.log("\nstorage time by caller (ms):");
  for (const [key, us] of [...nativeByCaller].sort((a, b) => b[1] - a[1]).slice(0, 20)) console.log(`${(us / 1000).toFixed(1).padStart(9)}  ${key}`);
} finally {
  worker.stop();
}
