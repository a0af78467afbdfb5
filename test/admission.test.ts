/**
 * Budget admission that holds under concurrency (issue 12, finding 2). A basic client with $0.30
 * left starts 60 quick briefs at once, through `/orchestrate` and through
 * `/requests/:id/execute`: each start places one hold for its estimate's upper bound before it
 * answers, so exactly as many runs are admitted as the budget covers at that figure, every
 * admitted run completes, every refusal is a 402 naming what is available and what the run needs,
 * a refused request is pending again, and the ledger ends with no hold and the runs' costs spent.
 */
import { env } from "cloudflare:workers";
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ClientLedger } from "../src/actors/client-ledger";
import { microsToUsd, usdToMicros } from "../src/lib/money";
import { apiKeyHeaders, call, demoClient, sessionHeaders } from "./helpers";
import { finished, quiesce, settledDown, waitFor } from "./pipeline-helpers";
import { seedWithFeeds } from "./workers/fixtures";

const started = new Set<string>();
const basic = demoClient("basic");
const LEFT_MICROS = 300_000;
const STARTS = 60;

beforeAll(async () => { await seedWithFeeds(); });
afterAll(async () => { await quiesce(started); });

/** Debits the basic client's ledger so that exactly `left` micro-USD is available. */
async function leaveAvailable(left: number, tag: string): Promise<void> {
  const ledger = env.ClientLedger.getByName(basic.client_id);
  const { available } = await ledger.balance();
  const admin = await sessionHeaders("admin");
  const res = await call("POST", `/admin/actors/ledgers/${basic.client_id}/adjust`, {
    headers: admin, body: { amount_usd: microsToUsd(available - left), reason: "leave a known balance for the admission test", idempotency_key: `admission-test-${tag}` },
  });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  expect((await ledger.balance()).available).toBe(left);
}

/** Every admitted run completes, and the books then hold exactly their costs. */
async function expectAllCompleted(ids: string[], settledBefore: number) {
  ids.forEach((id) => started.add(id));
  const ends = await Promise.all(ids.map((id) => finished(id, 60_000)));
  for (const end of ends) expect(end.status, String(end.reason)).toBe("completed");
  await expectBooksExact(settledBefore, ids);
}

/** After every run: nothing held, and what the runs cost is what was settled since `before`. */
async function expectBooksExact(settledBefore: number, ids: readonly string[]): Promise<void> {
  for (const id of ids) await settledDown(id);
  const costs = await Promise.all(ids.map(async (id) => Number((await env.PipelineActor.getByName(id).summary())!.cost_micros)));
  const ledger = env.ClientLedger.getByName(basic.client_id);
  await waitFor(async () => ((await ledger.balance()).held === 0 ? true : undefined), 10_000, "no hold left");
  const inspected = await ledger.inspect();
  expect(inspected.open_holds).toEqual([]);
  expect(inspected.balance.settled - settledBefore).toBe(costs.reduce((a, b) => a + b, 0));
  expect((await ledger.verify()).ok).toBe(true);
}

describe("admission under concurrency", () => {
  it("60 parallel /orchestrate against $0.30: admits what the budget covers at the estimate, and every admitted run completes", async () => {
    await leaveAvailable(LEFT_MICROS, "orchestrate");
    const settledBefore = (await env.ClientLedger.getByName(basic.client_id).balance()).settled;
    const answers = await Promise.all(Array.from({ length: STARTS }, () => call("POST", "/orchestrate", {
      headers: apiKeyHeaders("basic"), body: { pipeline_template: "quick_brief", topic: "energy storage" },
    })));
    const admitted = answers.filter((a) => a.status === 202);
    const refused = answers.filter((a) => a.status !== 202);
    for (const r of refused) {
      expect(r.status).toBe(402);
      expect(r.body.error.code).toBe("insufficient_budget");
      expect(r.body.error.message).toMatch(/has \$[\d.]+ available this month; this run of 'quick_brief' needs up to \$[\d.]+/);
    }
    // Every start computed the same estimate (no history changed meanwhile): its upper bound is what each admission holds.
    const needed = usdToMicros(admitted[0]!.body.estimate.cost_interval_usd[1]);
    expect(new Set(admitted.map((a) => a.body.estimate.cost_interval_usd[1])).size).toBe(1);
    expect(refused[0]!.body.error.details.needed_micros).toBe(needed);
    expect(admitted.length).toBe(Math.floor(LEFT_MICROS / needed));
    console.log(`admission: ${admitted.length} of ${STARTS} /orchestrate admitted at ${needed} micro-USD each against ${LEFT_MICROS}; ${refused.length} answered 402`);
    expect(admitted.length).toBeGreaterThan(0);
    expect(refused.length).toBeGreaterThan(0);

    await expectAllCompleted(admitted.map((a) => a.body.pipeline.id as string), settledBefore);
  }, 120_000);

  it("60 parallel /requests/:id/execute against $0.30: the same, and a refused request stays pending", async () => {
    const headers = apiKeyHeaders("basic");
    const requests = await Promise.all(Array.from({ length: STARTS }, async (_, i) => {
      const created = await call("POST", "/requests", { headers, body: { request_type: "pipeline_execution", message: `Brief me on energy storage, please (${i})` } });
      expect(created.status, JSON.stringify(created.body)).toBe(201);
      const id = created.body.request.request_id as string;
      const assigned = await call("PUT", `/requests/${id}`, { headers, body: { selected_template: "quick_brief", template_parameters: { topic: "energy storage" } } });
      expect(assigned.status, JSON.stringify(assigned.body)).toBe(200);
      return id;
    }));
    await leaveAvailable(LEFT_MICROS, "execute");
    const settledBefore = (await env.ClientLedger.getByName(basic.client_id).balance()).settled;
    const answers = await Promise.all(requests.map((id) => call("POST", `/requests/${id}/execute`, { headers, body: {} })));
    const admitted = answers.filter((a) => a.status === 202);
    const refused = answers.map((a, i) => ({ a, id: requests[i]! })).filter(({ a }) => a.status !== 202);
    const needed = usdToMicros(admitted[0]!.body.estimate.cost_interval_usd[1]);
    expect(admitted.length).toBe(Math.floor(LEFT_MICROS / needed));
    console.log(`admission: ${admitted.length} of ${STARTS} executions admitted at ${needed} micro-USD each against ${LEFT_MICROS}; ${refused.length} answered 402`);
    for (const { a, id } of refused) {
      expect(a.status).toBe(402);
      expect(a.body.error.details).toMatchObject({ available_micros: expect.any(Number), needed_micros: needed });
      const request = await call("GET", `/requests/${id}`, { headers });
      expect(request.body.request.request_status).toBe("pending");
    }
    await expectAllCompleted(admitted.map((a) => a.body.pipeline_id as string), settledBefore);
  }, 120_000);

  it("a run whose real cost overruns its estimate and uses up the budget stops with budget_exceeded, saying so, and its unbilled work is reported", async () => {
    await leaveAvailable(50_000, "overrun");
    const settledBefore = (await env.ClientLedger.getByName(basic.client_id).balance()).settled;
    const headers = apiKeyHeaders("basic");
    // Each step costs 30,000 micro-USD: far above the scripted worker's registry estimate.
    const costly = { mode: "succeed", cost_micros: 30_000 };
    const start = await call("POST", "/orchestrate", { headers, body: {
      pipeline_template: "runtime_demo", topic: "overrun",
      template_parameters: { scripts: { collect: costly, analyse: costly, enrich: costly, compose: costly, deliver: costly } },
    } });
    expect(start.status, JSON.stringify(start.body)).toBe(202);
    const id = start.body.pipeline.id as string;
    started.add(id);
    const end = await finished(id, 30_000);
    expect(end.status).toBe("failed");
    expect(end.reason).toMatch(/^budget_exceeded: the run's real cost overran its estimate .* and the client's budget is used up/);
    // The event says so too.
    const events = (await env.PipelineActor.getByName(id).inspect())!.recent_events;
    expect(events.find((e) => e.type === "pipeline_status" && e.payload.status === "failed")?.payload.reason).toBe(end.reason);
    await settledDown(id);

    const ledger = env.ClientLedger.getByName(basic.client_id);
    const inspected = await ledger.inspect();
    // Never overdrawn: what was charged and what is left add up to the 50,000 there was.
    expect(inspected.balance.held).toBe(0);
    expect(inspected.balance.settled - settledBefore + inspected.balance.available).toBe(50_000);
    expect(inspected.balance.unbilled).toBeGreaterThan(0);
    expect(inspected.unbilled.reduce((n, u) => n + u.unbilled, 0)).toBe(inspected.balance.unbilled);
    expect(inspected.unbilled.every((u) => u.key.startsWith(`${id}:`))).toBe(true);
    expect((await ledger.verify()).ok).toBe(true);

    // Staff see it per client in the ledger's inspection and in /dashboard/stats (mirrored to D1 by the ledger's alarm).
    const admin = await sessionHeaders("admin");
    const inspection = await call("GET", `/admin/actors/ledgers/${basic.client_id}`, { headers: admin });
    expect(inspection.body.balance.unbilled).toBe(inspected.balance.unbilled);
    // The mirror is due a second after the last change: made due now and its alarm run here, not
    // waited for. (If the alarm already ran, the due row is gone and the mirror is written.)
    await runInDurableObject(ledger, (_: ClientLedger, state) => {
      state.storage.sql.exec(`UPDATE due SET at = ? WHERE kind = 'mirror'`, Date.now() - 1);
    });
    await runDurableObjectAlarm(ledger);
    const stats = await call("GET", "/dashboard/stats", { headers: admin });
    expect(stats.body.unbilled_this_month).toContainEqual({ client_id: basic.client_id, unbilled_micros: inspected.balance.unbilled, unbilled_usd: microsToUsd(inspected.balance.unbilled) });
    // The client sees its own figure.
    const own = await call("GET", "/dashboard/stats", { headers });
    expect(own.body.unbilled_this_month).toEqual([{ client_id: basic.client_id, unbilled_micros: inspected.balance.unbilled, unbilled_usd: microsToUsd(inspected.balance.unbilled) }]);
  }, 60_000);
});
