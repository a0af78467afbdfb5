import { env } from "cloudflare:workers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { aggregateCosts } from "../src/economy/record";
import { runScheduled } from "../src/scheduled";
import { sourceStatements } from "../src/seed/seed";
import { apiKeyHeaders, call, demoClient, sessionHeaders } from "./helpers";
import { quiesce } from "./pipeline-helpers";
import { origin, seedWithFeeds } from "./workers/fixtures";

const FEEDS = 6;
const started = new Set<string>();
beforeAll(async () => {
  await seedWithFeeds();
  // Generated feeds of 20 articles each on tidal energy (test/node/stub-server.ts serves them).
  await env.DB.batch(sourceStatements(env.DB, Date.now(), Array.from({ length: FEEDS }, (_, n) => ({
    source_id: `src_synthetic_${n}`, url: `${origin}/synthetic/feeds/${n}.xml`, title: `Marine Power Report ${n + 1}`,
    description: "Tidal, wave and ocean energy.", topics: ["tidal energy"], quality_score: 0.8, feed_format: "rss2" as const,
  }))));
});
afterAll(async () => { await quiesce(started); });

const premium = apiKeyHeaders("premium");
const estimate = (parameters: Record<string, unknown>, headers = premium, extra: Record<string, unknown> = {}) =>
  call("POST", "/economy/estimate", { headers, body: { template_name: "research_report", parameters: { topic: "tidal energy", ...parameters }, ...extra } });

async function run(maxFeeds: number, perFeed: number): Promise<{ id: string; cost: number; ms: number }> {
  const start = await call("POST", "/orchestrate", { headers: premium, body: { pipeline_template: "research_report", topic: "tidal energy", template_parameters: { max_feeds: maxFeeds, max_articles_per_feed: perFeed } } });
  expect(start.status, JSON.stringify(start.body)).toBe(202);
  const id = start.body.pipeline.id as string;
  started.add(id);
  const done = await call("GET", `/pipeline/${id}?wait_ms=25000`, { headers: premium });
  expect(done.body.pipeline.status).toBe("completed");
  // The history row is written by the actor when the run ends.
  for (let i = 0; i < 100; i++) {
    const row = await env.DB.prepare(`SELECT status, total_cost_micros, total_execution_time_ms FROM pipeline_executions WHERE pipeline_id = ?`).bind(id)
      .first<{ status: string; total_cost_micros: number; total_execution_time_ms: number }>();
    if (row?.status === "completed") return { id, cost: row.total_cost_micros, ms: row.total_execution_time_ms };
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`pipeline ${id} has no completed history row`);
}

describe("the learned economy estimator", () => {
  it("estimates from the registry before any history: sizes from the parameters where they give the input, a wide interval, a budget check", async () => {
    const res = await estimate({ max_feeds: 4, max_articles_per_feed: 3 });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const e = res.body;
    expect(e).toMatchObject({ template_name: "research_report", client_id: demoClient("premium").client_id, basis: "registry", history_runs: 0, historical_executions: 0 });
    expect(e.input_parameters).toMatchObject({ topic: "tidal energy", max_feeds: 4, max_articles_per_feed: 3, analysis_depth: "standard" });
    expect(e.worker_costs.librarian).toMatchObject({ worker: "rss-librarian", input_units: 4, unit: "feeds", units_from: "parameters", basis: "registry", run_probability: 1 });
    expect(e.worker_costs.fetcher).toMatchObject({ input_units: null, units_from: "unknown", basis: "registry" });
    expect(e.estimated_cost_micros).toBeGreaterThan(0);
    expect(e.confidence_interval.min_cost).toBeLessThan(e.estimated_cost_usd);
    expect(e.confidence_interval.max_cost).toBeGreaterThan(e.estimated_cost_usd);
    expect(e.budget_check).toMatchObject({ approved: true, estimated_micros: e.estimated_cost_micros });
  });

  it("learns each step's input size and cost from history, records predicted against actual, and reports its error", { timeout: 120_000 }, async () => {
    const plan: [number, number][] = [[3, 2], [4, 3], [5, 4], [6, 2], [3, 5], [4, 6], [5, 3], [6, 5], [3, 4], [5, 6]];
    for (const [feeds, perFeed] of plan) await run(feeds, perFeed);

    const learned = (await estimate({ max_feeds: 5, max_articles_per_feed: 5 })).body;
    expect(learned).toMatchObject({ basis: "history", history_runs: plan.length, historical_executions: plan.length });
    // Sizes the parameters do not give are predicted from earlier runs: 5 feeds, 25 articles.
    expect(learned.worker_costs.fetcher).toMatchObject({ units_from: "history", basis: "history", samples: plan.length });
    expect(learned.worker_costs.fetcher.input_units).toBeCloseTo(5, 0);
    expect(learned.worker_costs.classifier.input_units).toBeGreaterThan(22);
    expect(learned.worker_costs.classifier.input_units).toBeLessThan(28);
    // The researcher never ran (the librarian found enough feeds): it is rarely expected to.
    expect(learned.worker_costs.researcher.run_probability).toBeLessThan(0.1);

    // Beyond what history saw (at most 6 feeds): sizes scale, the answer says so and its interval widens.
    const far = (await estimate({ max_feeds: 12, max_articles_per_feed: 5 })).body;
    expect(far.worker_costs.classifier).toMatchObject({ extrapolated: true });
    expect(far.worker_costs.classifier.input_units).toBeGreaterThan(50);
    expect(far.confidence_interval.max_cost / far.estimated_cost_usd).toBeCloseTo(2, 1);
    // A client's history figures are its own runs: the standard client has none of these.
    const standard = (await estimate({}, apiKeyHeaders("standard"))).body;
    expect(standard).toMatchObject({ historical_executions: 0, avg_cost_usd: null, basis: "history" });

    // A run with those parameters costs what was predicted, within 10 %.
    const actual = await run(5, 5);
    const row = await env.DB.prepare(`SELECT predicted_cost_micros, basis, history_runs FROM pipeline_estimates WHERE pipeline_id = ?`).bind(actual.id)
      .first<{ predicted_cost_micros: number; basis: string; history_runs: number }>();
    expect(row).toMatchObject({ basis: "history", history_runs: plan.length });
    expect(Math.abs(row!.predicted_cost_micros - actual.cost) / actual.cost).toBeLessThan(0.1);

    // Every finished run was scored against the prediction made before it started.
    const stats = await call("GET", "/economy/stats", { headers: await sessionHeaders("admin") });
    expect(stats.status).toBe(200);
    const t = stats.body.templates.find((x: { template: string }) => x.template === "research_report");
    expect(t).toMatchObject({ runs: plan.length + 1, by_basis: { registry: { runs: 1 }, thin_history: { runs: 4 }, history: { runs: plan.length - 4 } }, after_20_runs: { runs: 0 }, meets_target: null });
    expect(t.by_basis.history.cost_mape_percent).toBeLessThan(t.by_basis.registry.cost_mape_percent);
    expect((await call("GET", "/economy/stats", { headers: premium })).status).toBe(403);

    // The pricing page shows the learned per-unit rates.
    const pricing = await call("GET", "/economy/pricing", { headers: premium });
    const fetcher = pricing.body.workers.find((w: { worker: string }) => w.worker === "feed-fetcher");
    expect(fetcher).toMatchObject({ unit: "feeds", learned: { samples: plan.length + 1 } });
    const classifier = pricing.body.workers.find((w: { worker: string }) => w.worker === "content-classifier");
    expect(classifier.learned.cost_per_unit_micros).toBeGreaterThan(0);
    expect(pricing.body.templates.find((x: { template: string }) => x.template === "research_report")).toMatchObject({ recent_runs: plan.length + 1, typical_cost_usd: expect.any(Number) });
  });

  it("aggregates daily costs idempotently into cost_tracking", async () => {
    const day = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
    await aggregateCosts(env.DB, day);
    const first = await env.DB.prepare(`SELECT * FROM cost_tracking ORDER BY date, client_id, template_name, worker_name`).all();
    await aggregateCosts(env.DB, day);
    const second = await env.DB.prepare(`SELECT * FROM cost_tracking ORDER BY date, client_id, template_name, worker_name`).all();
    expect(second.results).toEqual(first.results);
    const total = await env.DB.prepare(`SELECT sum(total_cost_micros) AS c, sum(executions) AS n FROM cost_tracking`).first<{ c: number; n: number }>();
    const truth = await env.DB.prepare(`SELECT sum(cost_micros) AS c, count(*) AS n FROM worker_execution_results`).first<{ c: number; n: number }>();
    expect(total).toEqual(truth);
    expect(first.results.length).toBeGreaterThan(0);
    // The daily cron does the same (its cost_tracking job rebuilds the last three days).
    await env.DB.prepare(`DELETE FROM cost_tracking`).run();
    await runScheduled(env, Date.now());
    expect((await env.DB.prepare(`SELECT * FROM cost_tracking ORDER BY date, client_id, template_name, worker_name`).all()).results).toEqual(first.results);
    const stats = await call("GET", "/economy/stats?days=2", { headers: await sessionHeaders("support") });
    expect(stats.body.cost_tracking.daily.reduce((n: number, d: { executions: number }) => n + d.executions, 0)).toBe(truth!.n);
  });

  it("refuses what the client may not estimate, naming the field", async () => {
    expect((await estimate({}, premium, { client_id: demoClient("basic").client_id })).status).toBe(404);
    const basic = await estimate({}, apiKeyHeaders("basic"));
    expect(basic.status).toBe(403);
    expect(basic.body.error.message).toContain("research_report");
    const unknown = await estimate({ colour: "red" });
    expect(unknown.status).toBe(422);
    expect(unknown.body.error.message).toContain("body.parameters.colour");
    const missing = await call("POST", "/economy/estimate", { headers: premium, body: { template_name: "no_such_template", parameters: {} } });
    expect(missing.status).toBe(422);
    expect(missing.body.error.message).toContain("body.template_name");
    // Staff name the client; its tier decides (basic: research_report is not open to it).
    const staff = await sessionHeaders("admin");
    const unnamed = await call("POST", "/economy/estimate", { headers: staff, body: { template_name: "quick_brief", parameters: { topic: "x y z" } } });
    expect(unnamed.status).toBe(422);
    expect(unnamed.body.error.message).toContain("body.client_id");
    expect((await call("POST", "/economy/estimate", { headers: staff, body: { template_name: "research_report", parameters: { topic: "tidal" }, client_id: demoClient("basic").client_id } })).status).toBe(403);
    expect((await call("POST", "/economy/estimate", { headers: staff, body: { template_name: "quick_brief", parameters: { topic: "tidal" }, client_id: demoClient("basic").client_id } })).status).toBe(200);
  });
});
