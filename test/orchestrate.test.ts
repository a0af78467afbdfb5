import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiKeyHeaders, call, seed, sessionHeaders, workerHeaders } from "./helpers";
import { finished, quiesce, waitFor } from "./pipeline-helpers";

const startedIds = new Set<string>();
beforeAll(async () => { await seed(); });
afterAll(async () => { await quiesce(startedIds); });

/** Starts the runtime demo template for a tier's client and waits until it ends. */
async function runDemo(tier: "basic" | "premium", extra: Record<string, unknown> = {}, headers: Record<string, string> = {}) {
  const started = await call("POST", "/orchestrate", {
    headers: { ...apiKeyHeaders(tier), ...headers },
    body: { pipeline_template: "runtime_demo", topic: "solid-state batteries", urgency: "high", ...extra },
  });
  if (started.status === 202) startedIds.add(started.body.pipeline.id);
  return started;
}

/** Waits for the pipeline to end (the actor's long poll), then answers `GET /pipeline/:id` as the caller sees it. */
async function untilDone(id: string, headers: Record<string, string>) {
  await finished(id, 15_000);
  const res = await call("GET", `/pipeline/${id}`, { headers });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  expect(["completed", "partial", "failed", "cancelled"]).toContain(res.body.pipeline.status);
  return res.body;
}

describe("POST /orchestrate and GET /pipeline/:id", () => {
  it("starts a pipeline from a template and follows it to completion (seed OrchestrationResponse)", async () => {
    const started = await runDemo("premium");
    expect(started.status).toBe(202);
    expect(started.body).toMatchObject({ status: "ok", pipeline: { id: expect.stringMatching(/^pip_/) } });
    expect(started.headers.get("Location")).toBe(`/pipeline/${started.body.pipeline.id}`);
    const done = await untilDone(started.body.pipeline.id, apiKeyHeaders("premium"));
    expect(done.pipeline.status).toBe("completed");
    expect(done.pipeline.steps.map((s: { id: string }) => s.id)).toEqual(["collect", "analyse", "enrich", "compose", "deliver"]);
    expect(done.pipeline.cost_usd).toBe(0);
    const history = await waitFor(async () => {
      const res = await call("GET", "/pipeline-history?status=completed", { headers: apiKeyHeaders("premium") });
      return res.body.pipelines.find((p: { pipeline_id: string }) => p.pipeline_id === started.body.pipeline.id);
    }, 5_000, "history row");
    expect(history).toMatchObject({ template_name: "runtime_demo", client_id: "client_demo_premium", steps_succeeded: 5 });
  });

  it("long-polls with wait_ms: the answer comes when the pipeline ends", async () => {
    const started = await runDemo("premium");
    const id = started.body.pipeline.id;
    const done = await call("GET", `/pipeline/${id}?wait_ms=15000`, { headers: apiKeyHeaders("premium") });
    expect(done.status).toBe(200);
    expect(done.body.pipeline.status).toBe("completed");
    const bad = await call("GET", `/pipeline/${id}?wait_ms=60001`, { headers: apiKeyHeaders("premium") });
    expect(bad.status).toBe(422);
    expect(bad.body.error.message).toContain("wait_ms");
    expect(bad.body.error.message).toContain("at most 30000");
    // Authorised before waiting: another client gets its 404 at once.
    expect((await call("GET", `/pipeline/${id}?wait_ms=30000`, { headers: apiKeyHeaders("basic") })).status).toBe(404);
  });

  it("long-polls until the wait passes when the pipeline is still running, then answers its current state", async () => {
    const started = await runDemo("premium", { template_parameters: { scripts: { collect: { mode: "hang", ms: 1_500 } } } });
    const t0 = Date.now();
    const res = await call("GET", `/pipeline/${started.body.pipeline.id}?wait_ms=200`, { headers: apiKeyHeaders("premium") });
    expect(res.status).toBe(200);
    expect(res.body.pipeline.status).toBe("running");
    // It waited (a lower bound only: a slow machine cannot make it fail).
    expect(Date.now() - t0).toBeGreaterThanOrEqual(100);
  });

  it("answers 404 for another client's pipeline and keeps history scoped", async () => {
    const started = await runDemo("premium");
    const other = await call("GET", `/pipeline/${started.body.pipeline.id}`, { headers: apiKeyHeaders("basic") });
    expect(other.status).toBe(404);
    const missing = await call("GET", "/pipeline/pip_nope", { headers: apiKeyHeaders("basic") });
    expect(missing.body.error.message).toBe("pipeline 'pip_nope' was not found");
    const basicHistory = await call("GET", "/pipeline-history", { headers: apiKeyHeaders("basic") });
    expect(basicHistory.body.pipelines.every((p: { client_id: string }) => p.client_id === "client_demo_basic")).toBe(true);
    expect((await call("GET", `/pipeline/${started.body.pipeline.id}`, { headers: await sessionHeaders("support") })).status).toBe(200);
  });

  it("starts once per Idempotency-Key", async () => {
    const headers = { "Idempotency-Key": `demo-${Date.now()}` };
    const a = await runDemo("basic", {}, headers);
    const b = await runDemo("basic", {}, headers);
    expect(a.status).toBe(202);
    expect(b.body.pipeline.id).toBe(a.body.pipeline.id);
    const c = await runDemo("basic", {}, { "Idempotency-Key": "bad key!" });
    expect(c.status).toBe(422);
  });

  it("refuses templates outside the client's tier, unknown templates and bad fields", async () => {
    const tier = await call("POST", "/orchestrate", { headers: apiKeyHeaders("basic"), body: { pipeline_template: "research_report", topic: "batteries" } });
    expect(tier.status).toBe(403);
    expect(tier.body.error.message).toContain("basic tier");
    const unknown = await call("POST", "/orchestrate", { headers: apiKeyHeaders("basic"), body: { pipeline_template: "nope", topic: "batteries" } });
    expect(unknown.status).toBe(422);
    expect(unknown.body.error.message).toMatch(/^body\.pipeline_template/);
    const budget = await call("POST", "/orchestrate", { headers: apiKeyHeaders("basic"), body: { pipeline_template: "runtime_demo", topic: "batteries", budget_limit: -1 } });
    expect(budget.body.error.message).toBe("body.budget_limit: must be at least 0");
    const foreign = await call("POST", "/orchestrate", { headers: apiKeyHeaders("basic"), body: { pipeline_template: "runtime_demo", topic: "batteries", client_id: "client_demo_premium" } });
    expect(foreign.status).toBe(404);
    const staff = await call("POST", "/orchestrate", { headers: workerHeaders(), body: { pipeline_template: "runtime_demo", topic: "batteries" } });
    expect(staff.body.error.message).toContain("body.client_id");
  });

  it("stops with budget_exceeded when the pipeline's budget_limit is too small", async () => {
    // Each demo step holds 1,000 micro-USD (the scripted worker's registry cost): a 500 limit stops the first.
    const started = await runDemo("basic", { budget_limit: 0.0005 });
    const done = await untilDone(started.body.pipeline.id, apiKeyHeaders("basic"));
    expect(done.pipeline).toMatchObject({ status: "failed", reason: expect.stringMatching(/^budget_exceeded/) });
    expect(done.pipeline.steps[0].status).toBe("skipped");
  });
});

describe("admin actor inspection", () => {
  it("lists and inspects pipelines, and controls them with correct status codes", async () => {
    const admin = await sessionHeaders("admin");
    const started = await runDemo("premium", { template_parameters: { scripts: { collect: { mode: "hang", ms: 800 } } } });
    const id = started.body.pipeline.id;
    const active = await call("GET", "/admin/actors/pipelines?state=active", { headers: admin });
    expect(active.body.pipelines.map((p: { pipeline_id: string }) => p.pipeline_id)).toContain(id);
    const inspected = await call("GET", `/admin/actors/pipelines/${id}`, { headers: admin });
    expect(inspected.status).toBe(200);
    // The run's admission, and the running step's hold drawn on it (an admitted run holds nothing ahead).
    expect(inspected.body).toMatchObject({
      summary: { pipeline_id: id },
      holds: [{ step_id: "collect", key: `${id}:collect:1`, ahead: false }],
      admission: { key: `${id}:run`, status: "held", amount_micros: expect.any(Number) },
      leases: [{ step_id: "collect", worker: "scripted" }],
    });
    expect(inspected.body.checkpoints.length).toBeGreaterThan(0);
    expect(inspected.body.next_alarm).toEqual(expect.any(Number));
    expect((await call("POST", `/admin/actors/pipelines/${id}/cancel`, { headers: admin })).body.status).toBe("cancelled");
    expect((await call("POST", `/admin/actors/pipelines/${id}/cancel`, { headers: admin })).status).toBe(200);
    const paused = await call("POST", `/admin/actors/pipelines/${id}/pause`, { headers: admin });
    expect(paused.status).toBe(409);
    expect(paused.body.error.message).toBe("the pipeline already ended (cancelled); only a running pipeline can be paused");
    expect((await call("POST", `/admin/actors/pipelines/${id}/resume`, { headers: admin })).status).toBe(409);
    expect((await call("POST", `/admin/actors/pipelines/${id}/retry`, { headers: admin, body: { step_id: "nope" } })).status).toBe(404);
    expect((await call("POST", "/admin/actors/pipelines/pip_missing/cancel", { headers: admin })).status).toBe(404);
    expect((await call("GET", `/admin/actors/pipelines/${id}`, { headers: apiKeyHeaders("premium") })).status).toBe(403);
  });

  it("inspects and reconfigures pools (admin only), and releases leases by hand", async () => {
    const support = await sessionHeaders("support");
    const admin = await sessionHeaders("admin");
    const list = await call("GET", "/admin/actors/pools", { headers: support });
    expect(list.body.pools.map((p: { worker: string }) => p.worker)).toEqual(expect.arrayContaining(["feed-fetcher", "scripted"]));
    const pool = await call("GET", "/admin/actors/pools/content-classifier", { headers: support });
    expect(pool.body).toMatchObject({ worker: "content-classifier", config: { maxConcurrent: 4 }, stats: { in_flight: 0 } });
    expect((await call("GET", "/admin/actors/pools/not-a-worker", { headers: support })).status).toBe(404);
    expect((await call("PUT", "/admin/actors/pools/content-classifier", { headers: support, body: { max_concurrent: 6 } })).status).toBe(403);
    const changed = await call("PUT", "/admin/actors/pools/content-classifier", { headers: admin, body: { max_concurrent: 6 } });
    expect(changed.body.config.maxConcurrent).toBe(6);
    expect((await call("PUT", "/admin/actors/pools/content-classifier", { headers: admin, body: {} })).status).toBe(422);
    expect((await call("POST", "/admin/actors/pools/content-classifier/leases/nope:x:1/release", { headers: admin })).status).toBe(404);
  });

  it("inspects ledgers and makes idempotent adjustments", async () => {
    const admin = await sessionHeaders("admin");
    const ledger = await call("GET", "/admin/actors/ledgers/client_demo_standard", { headers: admin });
    expect(ledger.body.balance).toMatchObject({ client_id: "client_demo_standard", budget: 100_000_000 });
    expect(ledger.body.balance_usd.budget).toBe(100);
    const key = `adj-${Date.now()}`;
    const debit = await call("POST", "/admin/actors/ledgers/client_demo_standard/adjust", { headers: admin, body: { amount_usd: 1.25, reason: "manual report", idempotency_key: key } });
    expect(debit.body).toMatchObject({ status: "adjusted", amount: 1_250_000, replayed: false });
    const again = await call("POST", "/admin/actors/ledgers/client_demo_standard/adjust", { headers: admin, body: { amount_usd: 1.25, reason: "manual report", idempotency_key: key } });
    expect(again.body.replayed).toBe(true);
    const conflict = await call("POST", "/admin/actors/ledgers/client_demo_standard/adjust", { headers: admin, body: { amount_usd: 2, reason: "manual report", idempotency_key: key } });
    expect(conflict.status).toBe(409);
    const tooBig = await call("POST", "/admin/actors/ledgers/client_demo_standard/adjust", { headers: admin, body: { amount_usd: 1_000_000, reason: "oops", idempotency_key: `${key}-2` } });
    expect(tooBig.status).toBe(422);
    expect(tooBig.body.error.message).toMatch(/^body\.amount_usd: adjustment/);
    expect((await call("GET", "/admin/actors/ledgers/client_nope", { headers: admin })).status).toBe(404);
    expect((await call("POST", "/admin/actors/ledgers/client_demo_standard/adjust", { headers: await sessionHeaders("support"), body: { amount_usd: 1, reason: "x y z", idempotency_key: `${key}-3` } })).status).toBe(403);
  });
});

describe("GET /pipeline/:id/steps/:step", () => {
  it("shows a step's input, output and every attempt with its error; another client's pipeline and an unknown step are 404", async () => {
    const started = await runDemo("premium", { template_parameters: { scripts: { collect: { mode: "fail_times", times: 1, cost_micros: 700 } } } });
    expect(started.status).toBe(202);
    const id = started.body.pipeline.id as string;
    await untilDone(id, apiKeyHeaders("premium"));
    const step = await call("GET", `/pipeline/${id}/steps/collect`, { headers: apiKeyHeaders("premium") });
    expect(step.status).toBe(200);
    expect(step.body).toMatchObject({ step_id: "collect", status: "succeeded", output: { step: "collect", attempt: 2 } });
    expect(step.body.input).toMatchObject({ script: { mode: "fail_times" } });
    expect(step.body.attempts.map((a: any) => [a.attempt, a.success, a.error?.code ?? null])).toEqual([[1, false, "scripted_failure"], [2, true, null]]);
    expect(step.body.attempts[1].cost_micros).toBe(700);
    const downstream = await call("GET", `/pipeline/${id}/steps/compose`, { headers: await sessionHeaders("support") });
    expect(downstream.status).toBe(200);
    expect(downstream.body.attempts).toHaveLength(1);
    expect((await call("GET", `/pipeline/${id}/steps/collect`, { headers: apiKeyHeaders("basic") })).status).toBe(404);
    expect((await call("GET", `/pipeline/${id}/steps/nope`, { headers: apiKeyHeaders("premium") })).status).toBe(404);
    expect((await call("GET", `/pipeline/${id}/steps/..%2Fx`, { headers: apiKeyHeaders("premium") })).status).toBe(422);
  });
});
