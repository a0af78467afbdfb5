import { runInDurableObject } from "cloudflare:test";
import { EventLog } from "../../src/actors/shared/event-log";
import { env } from "cloudflare:workers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PipelineActor } from "../../src/actors/pipeline";
import { sourceStatements } from "../../src/seed/seed";
import { externalize, pipelineScope } from "../../src/storage/refs";
import { contentClassifier } from "../../src/workers/builtin/content-classifier";
import type { AnyWorkerSpec } from "../../src/workers/harness/define";
import { executeWorker } from "../../src/workers/harness/execute";
import { apiKeyHeaders, call, workerHeaders } from "../helpers";
import { quiesce } from "../pipeline-helpers";
import { ARTICLES, handshake, ok, origin, seedWithFeeds } from "./fixtures";

const FEEDS = 10;
const classifier = contentClassifier as unknown as AnyWorkerSpec;
const started = new Set<string>();
beforeAll(async () => {
  await seedWithFeeds();
  // Ten generated feeds of 20 articles each on tidal energy (test/node/stub-server.ts serves them).
  await env.DB.batch(sourceStatements(env.DB, Date.now(), Array.from({ length: FEEDS }, (_, n) => ({
    source_id: `src_synthetic_${n}`, url: `${origin}/synthetic/feeds/${n}.xml`, title: `Marine Power Report ${n + 1}`,
    description: "Tidal, wave and ocean energy: projects, engineering and markets.",
    topics: ["tidal energy", "wave energy", "marine renewables", "ocean power"], quality_score: 0.8, feed_format: "rss2",
  }))));
});
afterAll(async () => { await quiesce(started); });

describe("payloads by reference between the PipelineActor and the workers", () => {
  it("runs a research report over 10 feeds of 20 articles with large outputs by reference: ≥ 80 % fewer bytes through the actor", { timeout: 60_000 }, async () => {
    const headers = apiKeyHeaders("premium");
    const start = await call("POST", "/orchestrate", { headers, body: { pipeline_template: "research_report", topic: "tidal energy", template_parameters: { max_feeds: FEEDS, max_articles_per_feed: 20 } } });
    expect(start.status, JSON.stringify(start.body)).toBe(202);
    const id = start.body.pipeline.id as string;
    started.add(id);
    const done = await call("GET", `/pipeline/${id}/result?wait_ms=30000`, { headers });
    expect(done.body.status, JSON.stringify(done.body.reason)).toBe("completed");

    const actor = env.PipelineActor.getByName(id);
    const fetched = (await actor.output("fetcher"))!;
    // 200 articles of ~2 KB: over 128 KB, so the articles went to R2; the small fields stayed inline.
    expect(fetched.articles_count).toBe(FEEDS * 20);
    expect(fetched.articles).toMatchObject({ $ref: { tier: "r2", items: FEEDS * 20 } });
    expect((await actor.output("classifier"))!.analyzed_articles).toMatchObject({ $ref: { tier: expect.stringMatching(/^(kv|r2)$/) } });

    // The result route reads the references back (checksums verified): whole values for the caller.
    expect(done.body.context.articles).toHaveLength(FEEDS * 20);
    const report = done.body.context.report;
    expect(report.citations.length).toBeGreaterThan(5);
    for (const c of report.citations as { url: string }[]) expect(c.url).toMatch(/^https:\/\/marine-power\.example\/feed-\d+\/article-\d+$/);
    expect(report.markdown).toContain("## Executive summary");

    // Bytes through the actor against the payloads whole, per pipeline: in the summary and the D1 history.
    const summary = (await call("GET", `/pipeline/${id}`, { headers })).body.pipeline.transfer;
    expect(summary.payload_bytes).toBeGreaterThan(FEEDS * 20 * 2_000);
    expect(summary.bytes_through_actor / summary.payload_bytes).toBeLessThan(0.2);
    const row = await env.DB.prepare(`SELECT bytes_through_actor, payload_bytes FROM pipeline_executions WHERE pipeline_id = ?`).bind(id).first();
    expect(row).toEqual({ bytes_through_actor: summary.bytes_through_actor, payload_bytes: summary.payload_bytes });

    // The fetcher and classifier reported progress while they ran, streamed as step_progress events.
    const progress = await runInDurableObject(actor, (_: PipelineActor, state) =>
      new EventLog(state.storage.sql).since(0)!.filter((e) => e.type === "step_progress").map((e) => e.payload as { step_id: string; done: number; total: number }));
    expect(progress.some((p) => p.step_id === "fetcher" && p.total === FEEDS)).toBe(true);
    expect(progress.some((p) => p.step_id === "classifier" && p.total === FEEDS * 20)).toBe(true);
    const seqs = await runInDurableObject(actor, (_: PipelineActor, state) =>
      new EventLog(state.storage.sql).since(0)!.map((e) => ({ type: e.type, payload: JSON.stringify(e.payload) })));
    // Each step's progress comes after its step_started and before its step_succeeded.
    for (const step of ["fetcher", "classifier"]) {
      const at = (type: string) => seqs.findIndex((e) => e.type === type && (JSON.parse(e.payload) as { step_id: string }).step_id === step);
      const first = at("step_progress");
      expect(first).toBeGreaterThan(at("step_started"));
      expect(first).toBeLessThan(at("step_succeeded"));
    }

    // A stored value altered in storage is never served: that field is null and says why; one
    // not readable yet (KV may lag in another location) answers 503 with Retry-After.
    const key = (fetched.articles as { $ref: { key: string } }).$ref.key;
    const original = await (await env.DELIVERABLES.get(key))!.text();
    await env.DELIVERABLES.put(key, original.replace("tidal", "TIDAL"));
    const altered = await call("GET", `/pipeline/${id}/result`, { headers });
    expect(altered.status).toBe(200);
    expect(altered.body.context.articles).toBeNull();
    expect(altered.body.unavailable).toEqual([{ field: "articles", code: "checksum_mismatch" }]);
    expect(altered.body.context.report.citations.length).toBe(report.citations.length);
    await env.DELIVERABLES.delete(key);
    const missing = await call("GET", `/pipeline/${id}/result`, { headers });
    expect(missing.status).toBe(503);
    expect(missing.headers.get("Retry-After")).toBe("5");
    await env.DELIVERABLES.put(key, original);
    expect((await call("GET", `/pipeline/${id}/result`, { headers })).body.context.articles).toHaveLength(FEEDS * 20);
  });

  it("a worker called by an actor reads its input by reference and refuses one from another pipeline or altered", async () => {
    const pipeline = `pip_byref_${Date.now()}`;
    const many = Array.from({ length: 60 }, (_, i) => ({ ...ARTICLES[i % 3]!, id: `x${i}`, content_hash: `h${i}`, url: `https://example.com/x${i}`, canonical_url: `https://example.com/x${i}` }));
    const stored = await externalize(env, `${pipelineScope(pipeline)}fetcher/1`, { articles: many });
    expect(stored.refs).toBe(1);
    const input = { articles: stored.output.articles!, target_topic: "battery storage" };
    const result = await executeWorker(classifier, env, handshake("content-classifier", input, { pipeline_id: pipeline }), { viaActor: true });
    expect(ok(result).articles_in).toBe(60);
    expect(result.metadata?.payload).toMatchObject({ refs_in: 1, read_bytes: stored.bytes - '{"articles":}'.length });

    const foreign = await executeWorker(classifier, env, handshake("content-classifier", input, { pipeline_id: `${pipeline}_other` }), { viaActor: true });
    expect(foreign).toMatchObject({ ok: false, error: { kind: "fatal", code: "payload_out_of_scope" } });

    const key = (stored.output.articles as { $ref: { key: string } }).$ref.key;
    await env.PAYLOADS.put(key, JSON.stringify(many.slice(1)));
    const altered = await executeWorker(classifier, env, handshake("content-classifier", input, { pipeline_id: pipeline }), { viaActor: true });
    expect(altered).toMatchObject({ ok: false, error: { kind: "fatal", code: "payload_corrupt" } });
    await env.PAYLOADS.delete(key);
    const gone = await executeWorker(classifier, env, handshake("content-classifier", input, { pipeline_id: pipeline }), { viaActor: true });
    expect(gone).toMatchObject({ ok: false, error: { kind: "transient", code: "payload_unavailable" } });
  });

  it("never reads references sent over HTTP: a $ref in POST /workers/:name/api/execute is just invalid input", async () => {
    const pipeline = `pip_byref_http_${Date.now()}`;
    const stored = await externalize(env, `${pipelineScope(pipeline)}fetcher/1`, { articles: Array.from({ length: 60 }, (_, i) => ({ ...ARTICLES[0]!, id: `y${i}` })) });
    const res = await call("POST", "/workers/content-classifier/api/execute", {
      headers: workerHeaders(), body: { input: { articles: stored.output.articles, target_topic: "batteries" } },
    });
    expect(res.status).toBe(422);
    expect(JSON.stringify(res.body)).toContain("articles");
  });
});
