/**
 * Kills the real local runtime mid-run and restarts it on the same state (issue 12, finding 1).
 * `wrangler dev` runs on a persist directory of its own; its whole process group gets SIGKILL
 * 0.3 s, 1 s and 2 s after a batch of research reports starts. After each restart the actors
 * are left to wake by their alarms first (the case where the runtime gives them no name), then:
 * every pipeline completes, every replay of `POST /orchestrate` with the same Idempotency-Key
 * answers its original pipeline, every socket gets a snapshot, the admin reads answer 200, and
 * at the end the ledger holds exactly the sum of the runs' costs with no hold left. No answer
 * and no socket frame carries error text, a stack or a file path.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { DemoClients, DemoStaff } from "../../src/seed/demo-data";
import { LocalStack } from "./local-stack";

const client = DemoClients.find((c) => c.tier === "enterprise")!;
const admin = DemoStaff.find((s) => s.role === "admin")!;
const KILL_AFTER_MS = [300, 1_000, 2_000];
const RUNS_PER_ROUND = 8;
/** What no client may ever see: a stack frame, a file path, a raw exception name. */
const LEAK = /\bat [\w$.<>]+ \(|file:\/\/|\.js:\d+|\.ts:\d+|Error: |TypeError|RangeError/;

let stack: LocalStack;
let adminToken = "";
const seen = { runs: 0, restarts: 0, replays: 0, snapshots: 0, adminReads: 0 };

/** A call as the enterprise client (or with `auth` instead); never a 5xx, never error text. */
async function http(method: string, path: string, body?: unknown, auth: Record<string, string> = { "X-API-Key": client.api_key.key }, headers: Record<string, string> = {}) {
  const res = await fetch(`${stack.origin}${path}`, {
    method, headers: { ...auth, ...(body === undefined ? {} : { "Content-Type": "application/json" }), ...headers },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  expect(text, `${method} ${path} leaked error text`).not.toMatch(LEAK);
  expect(res.status, `${method} ${path}: ${text.slice(0, 300)}`).toBeLessThan(500);
  return { status: res.status, body: JSON.parse(text) as Record<string, any> };
}

/** The first frame of a pipeline's socket (a snapshot for a new subscriber). */
function firstFrame(pipelineId: string): Promise<Record<string, any>> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${stack.origin.replace("http", "ws")}/parties/pipeline-actor/${pipelineId}`, { headers: { "X-API-Key": client.api_key.key } });
    const timer = setTimeout(() => { ws.terminate(); reject(new Error(`no frame from ${pipelineId} within 10 s`)); }, 10_000);
    ws.once("message", (data) => {
      clearTimeout(timer);
      const text = String(data);
      ws.close();
      try {
        expect(text, "socket frame leaked error text").not.toMatch(LEAK);
        resolve(JSON.parse(text) as Record<string, any>);
      } catch (error) { reject(error); }
    });
    ws.once("error", (error) => { clearTimeout(timer); reject(error); });
    ws.once("unexpected-response", (_req, res) => { clearTimeout(timer); reject(new Error(`upgrade refused: ${res.statusCode}`)); });
  });
}

async function waitForEnd(pipelineId: string): Promise<Record<string, any>> {
  for (let i = 0; i < 12; i++) {
    const res = await http("GET", `/pipeline/${pipelineId}?wait_ms=10000`);
    const status = res.body.pipeline.status as string;
    if (["completed", "partial", "failed", "cancelled"].includes(status)) return res.body.pipeline;
  }
  throw new Error(`pipeline ${pipelineId} did not end within 2 minutes`);
}

describe("a killed and restarted runtime", () => {
  beforeAll(async () => {
    stack = await LocalStack.seeded();
    const login = await http("POST", "/auth/login", { email: admin.email, password: admin.password }, {});
    adminToken = login.body.session_token as string;
  }, 180_000);

  afterAll(async () => {
    console.log(`restart test: ${seen.runs} runs, ${seen.restarts} restarts (kill -9 of the process group), ${seen.replays} replays answered their original pipeline, ${seen.snapshots} socket snapshots, ${seen.adminReads} admin reads answered 200`);
    await stack?.dispose();
  }, 60_000);

  it("resumes every pipeline, answers every replay and socket, and keeps the ledger exact", async () => {
    const all: string[] = [];
    for (const [round, killAfter] of KILL_AFTER_MS.entries()) {
      const keys = Array.from({ length: RUNS_PER_ROUND }, (_, i) => `restart-${round}-${i}-key`);
      const started = await Promise.all(keys.map((key) => http("POST", "/orchestrate",
        { pipeline_template: "research_report", topic: "energy storage" }, undefined, { "Idempotency-Key": key })));
      const ids = started.map((r) => { expect(r.status).toBe(202); return r.body.pipeline.id as string; });
      all.push(...ids);
      seen.runs += ids.length;

      await new Promise((r) => setTimeout(r, killAfter));
      await stack.kill();
      await stack.start();
      seen.restarts++;
      // Let the alarms wake the actors first: the case where the runtime gives them no name.
      await new Promise((r) => setTimeout(r, 2_000));

      const replays = await Promise.all(keys.map((key) => http("POST", "/orchestrate",
        { pipeline_template: "research_report", topic: "energy storage" }, undefined, { "Idempotency-Key": key })));
      replays.forEach((r, i) => { expect(r.status).toBe(202); expect(r.body.pipeline.id).toBe(ids[i]); });
      seen.replays += replays.length;

      const ended = await Promise.all(ids.map(waitForEnd));
      for (const p of ended) expect(p.status, `${p.id}: ${p.reason}`).toBe("completed");

      const frames = await Promise.all(ids.map(firstFrame));
      for (const f of frames) { expect(f.type).toBe("snapshot"); expect(f.payload.status).toBe("completed"); }
      seen.snapshots += frames.length;

      const staff = { "x-bitware-session-token": adminToken };
      const reads = await Promise.all([
        http("GET", `/admin/actors/ledgers/${client.client_id}`, undefined, staff),
        http("GET", "/admin/actors/pools", undefined, staff),
        ...ids.map((id) => http("GET", `/admin/actors/pipelines/${id}`, undefined, staff)),
      ]);
      for (const r of reads) expect(r.status).toBe(200);
      seen.adminReads += reads.length;
    }

    // The ledger holds exactly what the runs cost, with no hold left.
    const staff = { "x-bitware-session-token": adminToken };
    const costs = await Promise.all(all.map((id) => http("GET", `/admin/actors/pipelines/${id}`, undefined, staff)));
    const total = costs.reduce((sum, r) => sum + Number(r.body.summary.cost_micros), 0);
    const ledger = await http("GET", `/admin/actors/ledgers/${client.client_id}`, undefined, staff);
    expect(ledger.body.balance.held).toBe(0);
    expect(ledger.body.open_holds).toEqual([]);
    expect(ledger.body.balance.settled).toBe(total);
    expect(total).toBeGreaterThan(0);
  }, 420_000);
});
