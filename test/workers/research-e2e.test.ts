import { exports } from "cloudflare:workers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiKeyHeaders, call } from "../helpers";
import { quiesce } from "../pipeline-helpers";
import { origin, seedWithFeeds } from "./fixtures";
import { repeatedSentences, reportProblems } from "./text-checks";

/** The delivered Markdown of a run's report (deliverables are stored as the run ends: waited for). */
async function deliveredMarkdown(pipelineId: string, headers: Record<string, string>): Promise<string> {
  for (let i = 0; i < 100; i++) {
    const list = await call("GET", `/deliverables?pipeline_id=${pipelineId}`, { headers });
    const md = (list.body.deliverables ?? []).find((d: { format: string }) => d.format === "md");
    if (md) {
      const one = await call("GET", `/deliverables/${md.id}`, { headers });
      const url = new URL(one.body.download_url);
      const res = await exports.default.fetch(new Request(`http://localhost${url.pathname}${url.search}`));
      return res.text();
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no deliverable for ${pipelineId}`);
}

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

    // What the client reads: distinct themes named by phrases of their sources, insights that add to the summary, nothing said twice.
    const textOf = (n: number) => {
      const c = report.citations[n - 1] as { url: string };
      const a = fetchedArticles.find((x) => x.url === c.url) as unknown as { title: string; content: string };
      return `${a.title}. ${a.content}`;
    };
    expect(reportProblems(report, textOf)).toEqual([]);
    expect(report.themes.length).toBeGreaterThanOrEqual(3);
    expect(report.key_insights.length).toBeGreaterThanOrEqual(4);
    expect(repeatedSentences([report.markdown])).toEqual([]);

    // The delivered report states the whole run's cost, the report step's own included.
    const md = await deliveredMarkdown(id, headers);
    expect(md).toContain(`This run cost $${(done.body.cost_micros / 1_000_000).toFixed(4)} in all`);
    expect(md).toMatch(/- report: \$0\.\d{4}/);
  });

  it("stops right after source discovery when nothing covers the topic, charging neither fetch nor classification, and warns before", async () => {
    const headers = apiKeyHeaders("premium");
    const estimate = await call("POST", "/economy/estimate", { headers, body: { template_name: "research_report", parameters: { topic: "underwater basket weaving" } } });
    expect(estimate.status).toBe(200);
    expect(estimate.body.warnings).toHaveLength(1);
    expect(estimate.body.warnings[0]).toMatch(/No source in the catalog covers 'underwater basket weaving'\. The catalog covers: .*batteries/);
    const covered = await call("POST", "/economy/estimate", { headers, body: { template_name: "research_report", parameters: { topic: "energy storage" } } });
    expect(covered.body.warnings).toEqual([]);

    const start = await call("POST", "/orchestrate", { headers, body: { pipeline_template: "research_report", topic: "underwater basket weaving" } });
    expect(start.status).toBe(202);
    started.add(start.body.pipeline.id);
    const done = await call("GET", `/pipeline/${start.body.pipeline.id}/result?wait_ms=25000`, { headers });
    expect(done.body.status).toBe("failed");
    expect(done.body.reason).toMatch(/No source in the catalog covers 'underwater basket weaving'.*Topic Discovery.*stops here, before anything is fetched/);
    const summary = await call("GET", `/pipeline/${start.body.pipeline.id}`, { headers });
    const steps = Object.fromEntries(summary.body.pipeline.steps.map((s: { id: string; status: string }) => [s.id, s.status]));
    expect(steps).toEqual({ librarian: "succeeded", researcher: "failed", fetcher: "skipped", classifier: "skipped", report: "skipped" });
    expect(done.body.step_costs.fetcher ?? 0).toBe(0);
    expect(done.body.step_costs.classifier ?? 0).toBe(0);
    expect(done.body.cost_micros).toBe((done.body.step_costs.librarian ?? 0) + (done.body.step_costs.researcher ?? 0));
  });

  it("a quick brief (no discovery) on a topic nothing covers stops at the catalog search; each template's warning says what it will do", async () => {
    const headers = apiKeyHeaders("premium");
    const warning = async (template_name: string) =>
      (await call("POST", "/economy/estimate", { headers, body: { template_name, parameters: { topic: "underwater basket weaving" } } })).body.warnings[0] as string;
    expect(await warning("quick_brief")).toMatch(/stops after the catalog search, before anything is fetched; only that search is charged\.$/);
    expect(await warning("course_builder")).toMatch(/if it finds none, it delivers the outline alone, marked as one\.$/);
    expect(await warning("research_report")).toMatch(/looks for new sources first and stops there/);

    const start = await call("POST", "/orchestrate", { headers, body: { pipeline_template: "quick_brief", topic: "underwater basket weaving" } });
    started.add(start.body.pipeline.id);
    const done = await call("GET", `/pipeline/${start.body.pipeline.id}/result?wait_ms=25000`, { headers });
    expect(done.body.status).toBe("failed");
    expect(done.body.reason).toMatch(/No source in the catalog covers 'underwater basket weaving'.*The run stops here, before anything is fetched/);
    const summary = await call("GET", `/pipeline/${start.body.pipeline.id}`, { headers });
    const steps = Object.fromEntries(summary.body.pipeline.steps.map((s: { id: string; status: string }) => [s.id, s.status]));
    expect(steps).toEqual({ librarian: "failed", fetcher: "skipped", classifier: "skipped", report: "skipped" });
    expect(done.body.cost_micros).toBe(done.body.step_costs.librarian ?? 0);
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
