import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { BuiltinWorkers } from "../src/workers/specs";
import { apiKeyHeaders, call, sessionHeaders, workerHeaders } from "./helpers";
import { ARTICLES, origin, seedWithFeeds } from "./workers/fixtures";

beforeAll(async () => { await seedWithFeeds(); });

const feed = (file: string) => `${origin}/demo/feeds/${file}`;
/** The built-in workers in chain order, as each declares itself (and as the seed's system has them). */
const BUILTIN = BuiltinWorkers.map((w) => w.worker_name);
it("declares the seed's eight built-in workers, in chain order", () => {
  expect(BUILTIN).toEqual(["rss-librarian", "topic-researcher", "feed-fetcher", "content-classifier", "report-builder", "content-granulator", "content-generator", "content-packager"]);
});
const AI_WORKERS = ["topic-researcher", "content-classifier", "report-builder", "content-granulator", "content-generator"];

/** The seed's article shape: only url, title and content. */
const seedArticles = ARTICLES.map((a) => ({ url: a.url, title: a.title, content: a.content }));

/** Every way a caller that may not run a worker is refused: none (401), a client key or session (403), support (403). */
async function expectRunnersOnly(method: string, path: string, body?: unknown) {
  expect((await call(method, path, { body })).status).toBe(401);
  expect((await call(method, path, { body, headers: apiKeyHeaders("enterprise") })).status).toBe(403);
  expect((await call(method, path, { body, headers: await sessionHeaders("premium") })).status).toBe(403);
  expect((await call(method, path, { body, headers: await sessionHeaders("support") })).status).toBe(403);
}

describe("GET /capabilities", () => {
  it("lists every active worker with its contract, and the templates of the caller's tier", async () => {
    const res = await call("GET", "/capabilities", { headers: apiKeyHeaders("basic") });
    expect(res.status).toBe(200);
    expect(res.body.tier).toBe("basic");
    const names = res.body.workers.map((w: { worker_name: string }) => w.worker_name);
    expect(names.slice(0, BUILTIN.length)).toEqual(BUILTIN);
    const classifier = res.body.workers.find((w: { worker_name: string }) => w.worker_name === "content-classifier");
    expect(classifier).toMatchObject({
      kind: "builtin", version: "1.0.0", input_format: "ArticleList", output_format: "AnalyzedArticleList", next_workers: ["report-builder"],
      capabilities: expect.arrayContaining(["classification"]), cost_per_execution_usd: 0.01,
      limits: { timeout_ms: 120_000, max_concurrent: 4 },
    });
    expect(classifier.input_schema.required).toEqual(expect.arrayContaining(["articles", "target_topic"]));
    expect(classifier.output_schema.properties.analyzed_articles.type).toBe("array");
    expect(classifier.endpoints).toContain("POST /workers/content-classifier/analyze");
    expect(res.body.workers.find((w: { worker_name: string }) => w.worker_name === "report-builder").templates.map((t: { name: string }) => t.name)).toEqual(["full", "brief"]);
    // A basic client sees the templates open to basic only.
    const templates = res.body.templates.map((t: { template_name: string }) => t.template_name);
    expect(templates).toContain("quick_brief");
    expect(templates).not.toContain("research_report");
    expect(templates).not.toContain("course_builder");
    for (const t of res.body.templates) expect(t.allowed_tiers).toContain("basic");
    // A client cannot widen its view with ?tier=.
    expect((await call("GET", "/capabilities?tier=enterprise", { headers: apiKeyHeaders("basic") })).body.templates.map((t: { template_name: string }) => t.template_name)).toEqual(templates);
  });

  it("shows staff every template, or one tier's; refuses a bad tier naming the field and anonymous callers", async () => {
    const admin = await sessionHeaders("admin");
    const all = await call("GET", "/capabilities", { headers: admin });
    expect(all.body.tier).toBeNull();
    expect(all.body.templates.map((t: { template_name: string }) => t.template_name)).toEqual(expect.arrayContaining(["research_report", "quick_brief", "topic_discovery", "course_builder"]));
    const premium = await call("GET", "/capabilities?tier=premium", { headers: workerHeaders() });
    expect(premium.body.tier).toBe("premium");
    expect(premium.body.templates.map((t: { template_name: string }) => t.template_name)).toContain("course_builder");
    const bad = await call("GET", "/capabilities?tier=gold", { headers: admin });
    expect(bad.status).toBe(422);
    expect(bad.body.error.message).toMatch(/^query\.tier/);
    expect((await call("GET", "/capabilities")).status).toBe(401);
  });
});

describe("GET /pipeline-health", () => {
  it("reports each worker's checks, pool load and recent executions; a degraded external worker makes it 503", async () => {
    const res = await call("GET", "/pipeline-health", { headers: await sessionHeaders("support") });
    expect([200, 503]).toContain(res.status);
    expect(res.body.checks).toMatchObject({ d1: { ok: true }, kv: { ok: true } });
    for (const name of BUILTIN) {
      const w = res.body.workers.find((x: { worker_name: string }) => x.worker_name === name);
      expect(w, name).toMatchObject({ kind: "builtin", status: "healthy", checks: { entrypoint: { ok: true }, pool: { ok: true } }, pool: { in_flight: 0, queue_depth: 0 } });
      expect(w.pool.max_concurrent).toBeGreaterThan(0);
      expect("ai_chain" in w.checks, name).toBe(AI_WORKERS.includes(name));
      expect(w.last_24h).toMatchObject({ executions: expect.any(Number), failed: expect.any(Number) });
    }
    expect(res.status).toBe(res.body.status === "healthy" ? 200 : 503);

    // An external worker whose endpoint has no /health (the stub answers 404) is degraded, and so is the whole.
    const name = `ext-health-${Date.now()}`;
    const at = new Date().toISOString();
    await env.DB.prepare(`INSERT INTO worker_registry (worker_name, display_name, kind, endpoint, input_format, output_format, created_at, updated_at)
      VALUES (?, 'External', 'external', ?, 'text', 'text', ?, ?)`).bind(name, `${origin}/external`, at, at).run();
    try {
      const degraded = await call("GET", "/pipeline-health", { headers: workerHeaders() });
      expect(degraded.status).toBe(503);
      expect(degraded.body.status).toBe("degraded");
      const ext = degraded.body.workers.find((x: { worker_name: string }) => x.worker_name === name);
      expect(ext).toMatchObject({ kind: "external", status: "degraded", pool: null, checks: { endpoint: { ok: false, error: expect.stringContaining("404") } } });
      expect(degraded.body.summary.degraded).toBeGreaterThanOrEqual(1);
    } finally {
      await env.DB.prepare(`UPDATE worker_registry SET is_active = 0 WHERE worker_name = ?`).bind(name).run();
    }
  });

  it("is for staff and workers; a query parameter is an unknown field", async () => {
    expect((await call("GET", "/pipeline-health")).status).toBe(401);
    expect((await call("GET", "/pipeline-health", { headers: apiKeyHeaders("enterprise") })).status).toBe(403);
    const bad = await call("GET", "/pipeline-health?verbose=1", { headers: await sessionHeaders("admin") });
    expect(bad.status).toBe(422);
    expect(bad.body.error.message).toMatch(/^query\.verbose: unknown field/);
  });
});

describe("GET /workers/topic-researcher?topic=&depth=&min_quality=", () => {
  it("runs the researcher (the seed's TopicResearcherOutput) for staff and workers", async () => {
    const res = await call("GET", "/workers/topic-researcher?topic=solid-state%20batteries&depth=2&min_quality=0.5&max_sources=1", { headers: workerHeaders("orchestrator") });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      topic: "solid-state batteries", sources_discovered: expect.any(Number), avg_quality_score: expect.any(Number), total_execution_time_ms: expect.any(Number),
      run: { worker: "topic-researcher", action: "research", client_id: "worker:orchestrator", replayed: false, cost_micros: expect.any(Number) },
    });
    expect(res.body.sources_discovered).toBeGreaterThanOrEqual(1);
    expect(res.body.sources).toHaveLength(1);
    expect(res.body.sources[0]).toMatchObject({ url: expect.stringMatching(/^http/), domain: expect.any(String), title: expect.any(String), quality_score: expect.any(Number), reasoning: expect.any(String) });
    expect(res.body.sources[0].quality_score).toBeGreaterThanOrEqual(0.5);
    expect(res.body.avg_quality_score).toBe(res.body.sources[0].quality_score);
  });

  it("without a query is still the worker's public health check", async () => {
    for (const name of ["topic-researcher", "rss-librarian", "feed-fetcher"]) {
      const res = await call("GET", `/workers/${name}`);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ status: "healthy", service: name, version: "1.0.0" });
    }
  });

  it("refuses bad input naming the field, and callers that may not run workers", async () => {
    const worker = workerHeaders();
    const deep = await call("GET", "/workers/topic-researcher?topic=batteries&depth=9", { headers: worker });
    expect(deep.status).toBe(422);
    expect(deep.body.error.message).toBe("query.depth: must be at most 5");
    const quality = await call("GET", "/workers/topic-researcher?topic=batteries&min_quality=1.5", { headers: worker });
    expect(quality.body.error.message).toMatch(/^query\.min_quality: must be a number from 0 to 1/);
    const noTopic = await call("GET", "/workers/topic-researcher?depth=2", { headers: worker });
    expect(noTopic.status).toBe(422);
    expect(noTopic.body.error.message).toMatch(/^query\.topic: is required/);
    await expectRunnersOnly("GET", "/workers/topic-researcher?topic=batteries");
  });
});

describe("GET /workers/rss-librarian?topic=&max_feeds=", () => {
  it("answers curated sources (the seed's {sources, sources_count}), run for the client an admin names", async () => {
    const res = await call("GET", "/workers/rss-librarian?topic=energy%20storage&max_feeds=2&client_id=client_demo_basic", { headers: await sessionHeaders("admin") });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ topic: "energy storage", sources_count: 2, run: { worker: "rss-librarian", client_id: "client_demo_basic", cost_micros: 500, cost_usd: 0.0005, ready_for_next: true } });
    expect(res.body.sources.map((s: { url: string }) => s.url)).toContain(feed("energy-storage.xml"));
    const bad = await call("GET", "/workers/rss-librarian?topic=energy&max_feeds=0", { headers: workerHeaders() });
    expect(bad.status).toBe(422);
    expect(bad.body.error.message).toBe("query.max_feeds: must be at least 1");
    const unknown = await call("GET", "/workers/rss-librarian?topic=energy&feeds=2", { headers: workerHeaders() });
    expect(unknown.body.error.message).toMatch(/^query\.feeds: unknown field/);
    await expectRunnersOnly("GET", "/workers/rss-librarian?topic=energy");
  });
});

describe("the feed fetcher: GET ?feed_url=&max_articles= and POST /batch", () => {
  it("fetches one feed into the seed's FeedFetcherOutput", async () => {
    const res = await call("GET", `/workers/feed-fetcher?feed_url=${encodeURIComponent(feed("energy-storage.xml"))}&max_articles=2`, { headers: workerHeaders() });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ articles_processed: 2, feeds_processed: 1, feeds_ok: 1, feeds_failed: 0, run: { worker: "feed-fetcher", action: "fetch" } });
    expect(res.body.articles).toHaveLength(2);
    for (const a of res.body.articles) {
      expect(a).toMatchObject({ url: expect.any(String), title: expect.any(String), content: expect.any(String), source_url: feed("energy-storage.xml") });
      expect(a.published_date).toMatch(/^\d{4}-\d\d-\d\dT/);
    }
    const bad = await call("GET", "/workers/feed-fetcher?feed_url=ftp%3A%2F%2Fexample.com%2Ffeed", { headers: workerHeaders() });
    expect(bad.status).toBe(422);
    expect(bad.body.error.message).toMatch(/^query\.feed_url: must be an http or https URL/);
    await expectRunnersOnly("GET", `/workers/feed-fetcher?feed_url=${encodeURIComponent(feed("energy-storage.xml"))}`);
  });

  it("fetches a batch, replays it for a repeated Idempotency-Key, and says when every feed failed", async () => {
    const headers = { ...workerHeaders(), "Idempotency-Key": `batch-${crypto.randomUUID()}` };
    const body = { feed_urls: [feed("energy-storage.xml"), feed("battery-lab.atom")], max_articles_per_feed: 2 };
    const first = await call("POST", "/workers/feed-fetcher/batch", { headers, body });
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ feeds_processed: 2, feeds_ok: 2, run: { action: "batch", replayed: false } });
    expect(first.body.articles_processed).toBe(first.body.articles.length);
    expect(first.body.articles.length).toBeLessThanOrEqual(4);
    const second = await call("POST", "/workers/feed-fetcher/batch", { headers, body });
    expect(second.body.run.replayed).toBe(true);
    expect(second.body.articles).toEqual(first.body.articles);

    const failed = await call("POST", "/workers/feed-fetcher/batch", { headers: workerHeaders(), body: { feed_urls: [`${origin}/feeds/error`] } });
    expect(failed.status).toBe(503);
    expect(failed.headers.get("Retry-After")).toBe("1");
    expect(failed.body.error).toMatchObject({ code: "service_unavailable", details: { worker: "feed-fetcher", kind: "transient", code: "all_feeds_failed" } });
  });

  it("refuses an empty batch naming the field, and callers that may not run workers", async () => {
    const empty = await call("POST", "/workers/feed-fetcher/batch", { headers: workerHeaders(), body: { feed_urls: [] } });
    expect(empty.status).toBe(422);
    expect(empty.body.error.message).toBe("body.feed_urls: needs at least one feed URL");
    const badKey = await call("POST", "/workers/feed-fetcher/batch", { headers: { ...workerHeaders(), "Idempotency-Key": "short" }, body: { feed_urls: [feed("energy-storage.xml")] } });
    expect(badKey.status).toBe(422);
    expect(badKey.body.error.message).toMatch(/^Idempotency-Key header/);
    await expectRunnersOnly("POST", "/workers/feed-fetcher/batch", { feed_urls: [feed("energy-storage.xml")] });
  });
});

describe("POST /workers/content-classifier/analyze and POST /workers/report-builder/generate", () => {
  it("analyses the seed's {articles: [{url, title, content}]} and builds a report from the analysis as it comes", async () => {
    const analyzed = await call("POST", "/workers/content-classifier/analyze", { headers: workerHeaders(), body: { articles: seedArticles, target_topic: "battery storage", analysis_depth: "basic" } });
    expect(analyzed.status).toBe(200);
    expect(analyzed.body).toMatchObject({ topic: "battery storage", articles_in: 3, analysis_depth: "basic", relevant_count: 2, avg_relevance_score: expect.any(Number), run: { worker: "content-classifier", action: "analyze" } });
    const titles = analyzed.body.analyzed_articles.map((a: { title: string }) => a.title);
    expect(titles).not.toContain("A new sourdough starter recipe");
    for (const a of analyzed.body.analyzed_articles) {
      expect(a).toMatchObject({ url: expect.stringMatching(/^https:\/\/example\.com\//), relevance_score: expect.any(Number), quality_score: expect.any(Number), summary: expect.any(String) });
      expect(a.summary.length).toBeGreaterThan(0);
      expect(a.key_points).toHaveLength(1);
    }

    const report = await call("POST", "/workers/report-builder/generate", { headers: workerHeaders(), body: { analyzed_articles: analyzed.body.analyzed_articles } });
    expect(report.status).toBe(200);
    expect(report.body).toMatchObject({ topic_inferred: true, article_count: 2, style: "full", run: { worker: "report-builder", action: "generate" } });
    expect(report.body.insights).toEqual(report.body.report.key_insights);
    expect(report.body.insights.length).toBeGreaterThan(0);
    expect(report.body.report.markdown).toContain("#");
    expect(report.body.report.citations.map((c: { url: string }) => c.url)).toEqual(expect.arrayContaining(["https://example.com/a1", "https://example.com/a2"]));

    // /analyze's whole answer is accepted as it is, and its topic names the report.
    const whole = await call("POST", "/workers/report-builder/generate", { headers: workerHeaders(), body: analyzed.body });
    expect(whole.status, JSON.stringify(whole.body)).toBe(200);
    expect(whole.body).toMatchObject({ topic: analyzed.body.topic, topic_inferred: false });
    const titled = await call("POST", "/workers/report-builder/generate", { headers: workerHeaders(), body: { analyzed_articles: analyzed.body.analyzed_articles, topic: "Battery storage", report_style: "brief" } });
    expect(titled.body).toMatchObject({ topic: "Battery storage", topic_inferred: false, style: "brief", report: { topic: "Battery storage" } });
  });

  it("POST /workers/content-classifier/api/execute takes the seed's {url, title, content} articles (ids, hashes and counts derived)", async () => {
    const res = await call("POST", "/workers/content-classifier/api/execute", { headers: workerHeaders(), body: { input: { articles: seedArticles, target_topic: "battery storage" } } });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.output).toMatchObject({ articles_in: 3, relevant_count: 2 });
    const first = res.body.output.analyzed_articles.find((a: { url: string }) => a.url === "https://example.com/a1");
    expect(first).toMatchObject({ id: "a1", canonical_url: "https://example.com/a1", source_url: "https://example.com/a1", word_count: expect.any(Number), content_hash: expect.stringMatching(/^[0-9a-f]{64}$/) });
    // Two articles with one id (given, or derived from a place) are refused at the second.
    const twice = await call("POST", "/workers/content-classifier/api/execute", { headers: workerHeaders(), body: { input: { articles: [seedArticles[0], { ...seedArticles[1], id: "a1" }], target_topic: "batteries" } } });
    expect(twice.status).toBe(422);
    expect(twice.body.error.message).toMatch(/^input\.articles\[1\]\.id: 'a1' is used by an earlier article/);
    const noUrl = await call("POST", "/workers/content-classifier/api/execute", { headers: workerHeaders(), body: { input: { articles: [{ title: "t", content: "c" }], target_topic: "batteries" } } });
    expect(noUrl.status).toBe(422);
    expect(noUrl.body.error.message).toMatch(/^input\.articles\[0\]\.url: is required/);
  });

  it("refuses bad input naming the field", async () => {
    const noUrl = await call("POST", "/workers/content-classifier/analyze", { headers: workerHeaders(), body: { articles: [{ title: "t", content: "c" }], target_topic: "batteries" } });
    expect(noUrl.status).toBe(422);
    expect(noUrl.body.error.message).toMatch(/^body\.articles\[0\]\.url: is required/);
    const noTopic = await call("POST", "/workers/content-classifier/analyze", { headers: workerHeaders(), body: { articles: seedArticles } });
    expect(noTopic.body.error.message).toMatch(/^body\.target_topic: is required/);
    const twice = await call("POST", "/workers/content-classifier/analyze", { headers: workerHeaders(), body: { articles: [{ ...seedArticles[0], id: "x" }, { ...seedArticles[1], id: "x" }], target_topic: "batteries" } });
    expect(twice.status).toBe(422);
    expect(twice.body.error.message).toMatch(/^body\.articles\[1\]\.id:/);
    const none = await call("POST", "/workers/report-builder/generate", { headers: workerHeaders(), body: { analyzed_articles: [] } });
    expect(none.status).toBe(422);
    expect(none.body.error.message).toBe("body.analyzed_articles: needs at least one analysed article");
    const score = await call("POST", "/workers/report-builder/generate", { headers: workerHeaders(), body: { analyzed_articles: [{ url: null, title: "t", summary: "s", key_points: [], relevance_score: 2, quality_score: 0.5 }] } });
    expect(score.body.error.message).toMatch(/^body\.analyzed_articles\[0\]\.relevance_score/);
  });

  it("is for staff admins and workers only", async () => {
    await expectRunnersOnly("POST", "/workers/content-classifier/analyze", { articles: seedArticles, target_topic: "batteries" });
    await expectRunnersOnly("POST", "/workers/report-builder/generate", { analyzed_articles: [{ url: null, title: "t", summary: "s", key_points: [], relevance_score: 0.5, quality_score: 0.5 }], topic: "batteries" });
  });
});

describe("the worker pattern's admin endpoints", () => {
  it("POST /workers/:name/api/admin/templates re-installs the registry entry, keeping an admin's cost, and lists the templates", async () => {
    const admin = await sessionHeaders("admin");
    await env.DB.prepare(`UPDATE worker_registry SET cost_per_execution_micros = 16000, description = 'edited' WHERE worker_name = 'report-builder'`).run();
    const res = await call("POST", "/workers/report-builder/api/admin/templates", { headers: admin });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ success: true, worker: "report-builder", version: "1.0.0" });
    expect(res.body.templates.map((t: { name: string }) => t.name)).toEqual(["full", "brief"]);
    expect(res.body.pipeline_templates).toEqual(expect.arrayContaining(["research_report", "quick_brief"]));
    const row = await env.DB.prepare(`SELECT cost_per_execution_micros, description FROM worker_registry WHERE worker_name = 'report-builder'`).first<{ cost_per_execution_micros: number; description: string }>();
    expect(row).toEqual({ cost_per_execution_micros: 16_000, description: expect.stringMatching(/^An intelligence report/) });
    await env.DB.prepare(`UPDATE worker_registry SET cost_per_execution_micros = 15000 WHERE worker_name = 'report-builder'`).run();
    expect((await call("POST", "/workers/report-builder/api/admin/templates", { headers: workerHeaders() })).status).toBe(200);
    expect((await call("POST", "/workers/no-such-worker/api/admin/templates", { headers: admin })).status).toBe(404);
    const badName = await call("POST", "/workers/Bad%20Name/api/admin/templates", { headers: admin });
    expect(badName.status).toBe(422);
    expect(badName.body.error.message).toMatch(/^params\.name/);
    await expectRunnersOnly("POST", "/workers/report-builder/api/admin/templates");
  });

  it("GET /workers/:name/api/admin/analytics gives per-day figures and error patterns from pipeline history", async () => {
    const at = new Date().toISOString();
    const pipelineId = `pip_seed_analytics_${Date.now()}`;
    await env.DB.prepare(`INSERT INTO pipeline_executions (pipeline_id, template_name, client_id, status, created_at) VALUES (?, 'research_report', 'client_demo_basic', 'completed', ?)`).bind(pipelineId, at).run();
    const result = (step: string, success: 0 | 1, code: string | null, ms: number, cost: number) => env.DB.prepare(
      `INSERT INTO worker_execution_results (result_id, pipeline_id, step_id, worker_name, attempt, success, error_code, execution_time_ms, cost_micros, tokens_input, tokens_output, completed_at)
       VALUES (?, ?, ?, 'content-granulator', 1, ?, ?, ?, ?, 10, 5, ?)`).bind(`${pipelineId}:${step}:1`, pipelineId, step, success, code, ms, cost, at);
    await env.DB.batch([result("a", 1, null, 100, 1_000), result("b", 1, null, 300, 3_000), result("c", 0, "ai_timeout", 50, 0)]);

    const res = await call("GET", "/workers/content-granulator/api/admin/analytics?days=7", { headers: workerHeaders() });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ worker: "content-granulator", days: 7 });
    const today = res.body.daily.find((d: { date: string }) => d.date === at.slice(0, 10));
    expect(today).toEqual({ date: at.slice(0, 10), executions: 3, succeeded: 2, failed: 1, success_rate: 2 / 3, avg_execution_time_ms: 150, cost_usd: 0.004, cost_micros: 4_000, tokens_input: 30, tokens_output: 15 });
    expect(res.body.errors).toEqual([{ error_code: "ai_timeout", count: 1, last_at: at }]);
    expect(res.body.totals).toMatchObject({ executions: 3, succeeded: 2, failed: 1, total_cost_micros: 4_000 });

    const bad = await call("GET", "/workers/content-granulator/api/admin/analytics?days=0", { headers: workerHeaders() });
    expect(bad.status).toBe(422);
    expect(bad.body.error.message).toBe("query.days: must be at least 1");
    await expectRunnersOnly("GET", "/workers/content-granulator/api/admin/analytics");
  });
});

describe("the seed endpoints in the API's own documents", () => {
  it("are in /help and /openapi.json with their answers' schemas", async () => {
    const doc = await call("GET", "/openapi.json");
    expect(doc.status).toBe(200);
    const paths = doc.body.paths;
    expect(Object.keys(paths["/capabilities"])).toEqual(["get"]);
    expect(paths["/pipeline-health"].get.responses["503"]).toBeDefined();
    expect(paths["/workers/feed-fetcher/batch"].post.responses["200"].content["application/json"].schema).toEqual({ $ref: "#/components/schemas/FeedFetchAnswer" });
    expect(doc.body.components.schemas.FeedFetchAnswer.properties.articles.type).toBe("array");
    expect(paths["/workers/{name}/api/admin/analytics"].get.security.length).toBeGreaterThan(0);
    // The query routes also answer the public health check: documented as public, with 401 and 403 for a run.
    const research = paths["/workers/topic-researcher"].get;
    expect(Object.keys(research.responses)).toEqual(expect.arrayContaining(["200", "401", "403", "422", "429", "503"]));
    expect(research.parameters.map((p: { name: string }) => p.name)).toEqual(["topic", "depth", "min_quality", "max_sources", "client_id"]);
    const help = await call("GET", "/help");
    const listed = help.body.routes.map((r: { method: string; path: string }) => `${r.method} ${r.path}`);
    expect(listed).toEqual(expect.arrayContaining(["GET /capabilities", "GET /pipeline-health", "GET /workers/rss-librarian", "POST /workers/content-classifier/analyze",
      "POST /workers/report-builder/generate", "POST /workers/:name/api/admin/templates", "GET /workers/:name/api/admin/analytics"]));
  });
});
