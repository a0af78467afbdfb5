import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiKeyHeaders, call } from "../helpers";
import { quiesce } from "../pipeline-helpers";
import { origin, seedWithFeeds } from "./fixtures";

const started = new Set<string>();
beforeAll(async () => { await seedWithFeeds(); });
afterAll(async () => { await quiesce(started); });

describe("research report, end to end on the local stack (no internet)", () => {
  it("curates the demo feeds, fetches, classifies and reports, ranked by relevance, with per-step and total costs", async () => {
    const headers = apiKeyHeaders("premium");
    const start = await call("POST", "/orchestrate", { headers, body: { pipeline_template: "research_report", topic: "energy storage" } });
    expect(start.status).toBe(202);
    const id = start.body.pipeline.id as string;
    started.add(id);
    const done = await call("GET", `/pipeline/${id}/result?wait_ms=25000`, { headers });
    expect(done.status).toBe(200);
    expect(done.body.status, JSON.stringify(done.body.reason)).toBe("completed");

    const summary = await call("GET", `/pipeline/${id}`, { headers });
    const steps = Object.fromEntries(summary.body.pipeline.steps.map((s: { id: string; status: string }) => [s.id, s.status]));
    // Enough catalogued sources: topic discovery is skipped by the template's condition.
    expect(steps).toEqual({ librarian: "succeeded", researcher: "skipped", fetcher: "succeeded", classifier: "succeeded", report: "succeeded" });

    const report = done.body.context.report;
    expect(report.citations.length).toBeGreaterThan(2);
    const relevances = report.citations.map((c: { relevance: number }) => c.relevance);
    expect(relevances).toEqual([...relevances].sort((a: number, b: number) => b - a));
    // Every cited article is one the fetcher read from a demo feed served by the stack.
    const fetchedArticles = done.body.context.articles as { url: string; source_url: string }[];
    for (const c of report.citations as { url: string }[]) {
      const article = fetchedArticles.find((a) => a.url === c.url);
      expect(article?.source_url, c.url).toMatch(new RegExp(`^${origin.replace(/[.]/g, "\\.")}/demo/feeds/`));
    }
    expect(report.markdown).toContain("## Executive summary");
    expect(report.html).toContain("<h2>Sources</h2>");
    // Costs: every step that ran cost something, the report shows what the run cost before it, and the total adds up.
    for (const s of ["librarian", "fetcher", "classifier", "report"]) expect(done.body.step_costs[s]).toBeGreaterThan(0);
    expect(done.body.cost_micros).toBe(Object.values(done.body.step_costs as Record<string, number>).reduce((a, b) => a + b, 0));
    expect(report.cost.total_micros).toBe(done.body.step_costs.librarian + done.body.step_costs.fetcher + done.body.step_costs.classifier);
    expect(report.engines).toEqual(["offline/offline-extractive-v1"]);
  });

  it("runs topic discovery when the catalog has too few sources, and reports from what it found", async () => {
    const headers = apiKeyHeaders("enterprise");
    const start = await call("POST", "/orchestrate", { headers, body: { pipeline_template: "research_report", topic: "solid-state batteries" } });
    started.add(start.body.pipeline.id);
    const done = await call("GET", `/pipeline/${start.body.pipeline.id}/result?wait_ms=25000`, { headers });
    expect(done.body.status, JSON.stringify(done.body.reason)).toBe("completed");
    expect(done.body.step_costs.researcher).toBeGreaterThan(0);
    const cited = done.body.context.report.citations.map((c: { url: string }) => c.url);
    // The discovered feed's articles (solid-state-digest.example) are among the citations.
    expect(cited.some((u: string) => u.startsWith("https://solid-state-digest.example/"))).toBe(true);
  });

  it("answers 404 for another client's result", async () => {
    const start = await call("POST", "/orchestrate", { headers: apiKeyHeaders("premium"), body: { pipeline_template: "quick_brief", topic: "batteries" } });
    started.add(start.body.pipeline.id);
    const other = await call("GET", `/pipeline/${start.body.pipeline.id}/result`, { headers: apiKeyHeaders("standard") });
    expect(other.status).toBe(404);
  });
});
