import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { ExternalWorker } from "../../src/workers/external";
import { apiKeyHeaders, call, sessionHeaders, workerHeaders } from "../helpers";
import { finished, quiesce, scriptedSpec, testClient } from "../pipeline-helpers";
import { handshake, origin, seedWithFeeds } from "./fixtures";

beforeAll(async () => { await seedWithFeeds(); });

describe("external workers (any language, over HTTP with worker auth)", () => {
  it("calls <endpoint>/api/execute with the shared secret and the attempt's Idempotency-Key", async () => {
    const hs = handshake("shouter", { text: "hello" });
    const result = await new ExternalWorker(env, `${origin}/external`).execute(hs);
    expect(result).toMatchObject({ ok: true, output: { shout: "HELLO", key: hs.idempotency_key, idempotency_header: hs.idempotency_key }, cost_micros: 2_500, usage: { input_tokens: 3, output_tokens: 2 } });
  });

  it("runs as a pipeline step when the registry names an external endpoint", async () => {
    const clientId = await testClient();
    const worker = `shouter-${Date.now()}`;
    const at = new Date().toISOString();
    await env.DB.prepare(`INSERT INTO worker_registry (worker_name, display_name, kind, endpoint, input_format, output_format, created_at, updated_at)
      VALUES (?, 'Shouter', 'external', ?, 'text', 'text', ?, ?)`).bind(worker, `${origin}/external`, at, at).run();
    const base = scriptedSpec(clientId, [{ id: "shout", workers: [worker], input: { text: "=hello from the actor" }, output: { shout: "shout" } }]);
    const spec = { ...base, steps: base.steps.map((st) => ({ ...st, workers: [{ name: worker, binding: `external:${origin}/external` }] })) };
    await env.PipelineActor.getByName(spec.pipelineId).create(spec);
    const done = await finished(spec.pipelineId);
    expect(done.status).toBe("completed");
    const result = await env.PipelineActor.getByName(spec.pipelineId).result();
    expect(result).toMatchObject({ context: { shout: "HELLO FROM THE ACTOR" }, cost_micros: 2_500 });
    await quiesce([spec.pipelineId]);
  });

  it("maps 429 to retry_after, a 4xx refusal to fatal, and a private endpoint outside development to fatal", async () => {
    expect(await new ExternalWorker(env, `${origin}/external-busy`).execute(handshake("shouter", { text: "x" }))).toMatchObject({ ok: false, error: { kind: "retry_after", retry_after_ms: 2_000 } });
    expect(await new ExternalWorker(env, `${origin}/external`).execute(handshake("shouter", {}))).toMatchObject({ ok: false, error: { kind: "fatal", code: "invalid_input" } });
    expect(await new ExternalWorker({ ...env, WORKER_SHARED_SECRET: "wrong-secret-0123456789" }, `${origin}/external`).execute(handshake("shouter", { text: "x" }))).toMatchObject({ ok: false, error: { kind: "fatal" } });
    expect(await new ExternalWorker({ ...env, ENVIRONMENT: "production" }, `${origin}/external`).execute(handshake("shouter", { text: "x" }))).toMatchObject({ ok: false, error: { kind: "fatal", code: "endpoint_private_address" } });
  });
});

describe("the harness's HTTP surface under /workers/:name/", () => {
  it("serves public health and help with JSON Schemas, for every built-in worker", async () => {
    const list = await call("GET", "/workers");
    expect(list.body.workers.map((w: { name: string }) => w.name)).toEqual(["rss-librarian", "topic-researcher", "feed-fetcher", "content-classifier", "report-builder", "content-granulator", "content-generator", "content-packager"]);
    for (const { name } of list.body.workers as { name: string }[]) {
      expect((await call("GET", `/workers/${name}`)).body).toMatchObject({ status: "healthy", service: name });
      expect((await call("GET", `/workers/${name}/health`)).body.checks).toEqual({ database: true, kv: true, ai_chain: true });
      const help = await call("GET", `/workers/${name}/help`);
      expect(help.body.input_schema.type).toBe("object");
      expect(help.body.endpoints).toContain(`POST /workers/${name}/api/execute`);
    }
    expect((await call("GET", "/workers/no-such-worker/help")).status).toBe(404);
  });

  it("executes in the seed's ExecuteRequest/ExecuteResponse shape, for staff and workers only", async () => {
    const body = { action: "curate", input: { topic: "energy storage" }, params: { max_feeds: 2 } };
    const res = await call("POST", "/workers/rss-librarian/api/execute", { headers: workerHeaders(), body });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ success: true, output: { sources_count: 2, readyForNext: true }, usage: { tokens: { input: 0, output: 0 } }, cost_micros: 500, cost: 0.0005 });
    expect(res.body.metadata.worker_chain).toEqual({ current: "rss-librarian", next: ["topic-researcher", "feed-fetcher"] });
    expect((await call("POST", "/workers/rss-librarian/api/execute", { headers: apiKeyHeaders("enterprise"), body })).status).toBe(403);
    const bad = await call("POST", "/workers/rss-librarian/api/execute", { headers: workerHeaders(), body: { input: { topic: 7 } } });
    expect(bad.status).toBe(422);
    expect(bad.body).toMatchObject({ success: false, error: { kind: "fatal", code: "invalid_input" } });
    expect(bad.body.error.message).toMatch(/^input\.topic/);
  });

  it("charges the registry's base cost (D1), so an admin's edit applies to the next run, over HTTP and in a pipeline", async () => {
    const set = (micros: number) => env.DB.prepare(`UPDATE worker_registry SET cost_per_execution_micros = ? WHERE worker_name = 'rss-librarian'`).bind(micros).run();
    await set(1_234);
    try {
      const res = await call("POST", "/workers/rss-librarian/api/execute", { headers: workerHeaders(), body: { input: { topic: "energy storage", max_feeds: 1 } } });
      expect(res.body).toMatchObject({ success: true, cost_micros: 1_234 });
      expect((await call("GET", "/workers/rss-librarian/api/economy/pricing", { headers: apiKeyHeaders("basic") })).body.base_cost_micros).toBe(1_234);
      const start = await call("POST", "/orchestrate", { headers: apiKeyHeaders("premium"), body: { pipeline_template: "quick_brief", topic: "energy storage" } });
      const done = await call("GET", `/pipeline/${start.body.pipeline.id}/result?wait_ms=25000`, { headers: apiKeyHeaders("premium") });
      expect(done.body.status).toBe("completed");
      expect(done.body.step_costs.librarian).toBe(1_234);
      await quiesce([start.body.pipeline.id]);
    } finally {
      await set(500);
    }
  });

  it("replays an execute with the same Idempotency-Key", async () => {
    const headers = { ...workerHeaders(), "Idempotency-Key": `idem-${crypto.randomUUID()}` };
    const body = { input: { topic: "batteries" } };
    const first = await call("POST", "/workers/rss-librarian/api/execute", { headers, body });
    const second = await call("POST", "/workers/rss-librarian/api/execute", { headers, body });
    expect(second.body.metadata.replayed).toBe(true);
    expect(second.body.output).toEqual(first.body.output);
  });

  it("estimates cost from the input and the AI price table; lists templates and pricing; keeps stats for staff", async () => {
    const est = await call("POST", "/workers/content-classifier/api/economy/estimate", { headers: apiKeyHeaders("basic"), body: { input: { target_topic: "batteries", articles: [] } } });
    expect(est.status).toBe(200);
    expect(est.body).toMatchObject({ units: 0, unit: "articles", base_cost_micros: 10_000, estimated_cost_micros: 10_000, ai: { provider: "offline" } });
    const invalid = await call("POST", "/workers/content-classifier/api/economy/estimate", { headers: apiKeyHeaders("basic"), body: { input: { articles: [] } } });
    expect(invalid.status).toBe(422);
    expect(invalid.body.error.message).toMatch(/^body\.input\.target_topic: is required/);
    expect((await call("GET", "/workers/report-builder/api/templates", { headers: apiKeyHeaders("basic") })).body.templates.map((t: { name: string }) => t.name)).toEqual(["full", "brief"]);
    expect((await call("GET", "/workers/report-builder/api/templates/brief", { headers: apiKeyHeaders("basic") })).body.template.parameters.report_style).toBe("brief");
    const pricing = await call("GET", "/workers/report-builder/api/economy/pricing", { headers: apiKeyHeaders("basic") });
    expect(pricing.body.ai_chain[0]).toMatchObject({ provider: "offline", price: { input_micros_per_mtok: 100_000 } });
    expect((await call("GET", "/workers/report-builder/api/stats", { headers: apiKeyHeaders("basic") })).status).toBe(403);
    const admin = await sessionHeaders("admin");
    expect((await call("GET", "/workers/report-builder/api/stats", { headers: admin })).body.stats).toMatchObject({ executions: expect.any(Number) });
    expect((await call("GET", "/workers/report-builder/api/admin/stats", { headers: admin })).body.registry).toMatchObject({ worker_name: "report-builder" });
  });

  it("lets an admin edit the AI price table; support may read it", async () => {
    const admin = await sessionHeaders("admin");
    const put = await call("PUT", "/admin/ai/prices/openai/gpt-test", { headers: admin, body: { input_micros_per_mtok: 1_000, output_micros_per_mtok: 2_000 } });
    expect(put.body.price).toMatchObject({ provider: "openai", model: "gpt-test", input_micros_per_mtok: 1_000 });
    const list = await call("GET", "/admin/ai/prices", { headers: await sessionHeaders("support") });
    expect(list.body.prices.some((p: { model: string }) => p.model === "gpt-test")).toBe(true);
    expect((await call("PUT", "/admin/ai/prices/openai/gpt-test", { headers: await sessionHeaders("support"), body: { input_micros_per_mtok: 1, output_micros_per_mtok: 1 } })).status).toBe(403);
    expect((await call("PUT", "/admin/ai/prices/openai/gpt-test", { headers: admin, body: { input_micros_per_mtok: 1.5, output_micros_per_mtok: 1 } })).status).toBe(422);
  });
});
