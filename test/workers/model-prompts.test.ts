import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { OpenAiProvider } from "../../src/ai/openai";
import { analyseRequestTask, recommendTask } from "../../src/kam/analysis";
import { BuiltinTemplates } from "../../src/catalog/template-defs";
import { contentClassifier } from "../../src/workers/builtin/content-classifier";
import { contentGenerator } from "../../src/workers/builtin/content-generator";
import { contentGranulator } from "../../src/workers/builtin/content-granulator";
import { executeWorker } from "../../src/workers/harness/execute";
import { reportBuilder } from "../../src/workers/builtin/report-builder";
import { topicResearcher } from "../../src/workers/builtin/topic-researcher";
import { ARTICLES, handshake, ok, origin, seedWithFeeds } from "./fixtures";

/**
 * Every task a worker or the account desk gives a model, run through the real openai SDK against
 * `stub-model` (test/node/stub-model.ts), which answers as a competent model would from what the
 * prompt carries and refuses a request whose system message has no valid JSON Schema. Only the
 * openai provider is in the chain, so a prompt that lacks what the task needs fails the step.
 */
const model = { ...env, OPENAI_API_KEY: "stub-key", OPENAI_BASE_URL: `${origin}/v1`, OPENAI_MODEL: "stub-model", AI_MAX_RETRIES: "0" };
const ENGINE = ["openai/stub-model"];

beforeAll(async () => { await seedWithFeeds(); });

const analyzed = ARTICLES.slice(0, 2).map((a, i) => ({ ...a, relevance_score: 0.9 - i * 0.1, quality_score: 0.7, analysis_summary: a.summary, key_points: [a.content.split(". ")[0]!] }));

describe("model prompts and schemas, through the openai SDK", () => {
  it("classify_articles: the model's relevance, summaries and key points are what the classifier returns", async () => {
    const result = await executeWorker(contentClassifier, model, handshake("content-classifier", { articles: ARTICLES, target_topic: "battery storage", analysis_depth: "basic", ai_providers: "openai" }));
    const out = ok(result);
    expect(result.metadata?.engines).toEqual(ENGINE);
    expect(out.analyzed_articles.map((a: { id: string }) => a.id).sort()).toEqual(["a1", "a2"]);
    for (const a of out.analyzed_articles) {
      const source = ARTICLES.find((x) => x.id === a.id)!;
      expect(a.quality_score).toBe(0.72);
      expect(source.content.startsWith(a.analysis_summary)).toBe(true);
      expect(a.key_points).toHaveLength(1);
    }
  });

  it("write_report: the model's prose, with its citations kept to the sources", async () => {
    const result = await executeWorker(reportBuilder, model, handshake("report-builder", { topic: "battery storage", analyzed_articles: analyzed, ai_providers: "openai" }));
    const r = ok(result).report;
    expect(result.metadata?.engines).toEqual(ENGINE);
    expect(r.executive_summary).toMatch(/^Across 2 sources, the lead development is this: /);
    expect(r.themes).toEqual([{ name: "Theme 1: Solid-state batteries reach pilot", summary: expect.stringContaining("Grid-scale battery storage doubles"), citations: [1, 2] }]);
    expect(r.key_insights.length).toBeGreaterThan(0);
  });

  it("outline_structure and write_elements: a course structured from numbered sources and written from their text", async () => {
    const structure = ok(await executeWorker(contentGranulator, model, handshake("content-granulator", { topic: "battery storage", articles: analyzed, ai_providers: "openai" }))).structure;
    expect(structure.sources.map((s: { n: number }) => s.n)).toEqual([1, 2]);
    const lessons = structure.elements.filter((e: { element_type: string }) => e.element_type === "lesson");
    expect(lessons.map((e: { source_refs: number[] }) => e.source_refs)).toEqual([[1], [2]]);
    const written = await executeWorker(contentGenerator, model, handshake("content-generator", { structure, articles: analyzed, ai_providers: "openai" }));
    expect(written.metadata?.engines).toEqual(ENGINE);
    const bodies = ok(written).content.elements.filter((e: { element_type: string }) => e.element_type === "lesson").map((e: { body: string }) => e.body);
    expect(bodies[0]).toContain("[1]");
    expect(bodies[0]).toContain("sulfide electrolytes");
  });

  it("suggest_sources: the model's candidates are fetched and verified for real", async () => {
    const result = await executeWorker(topicResearcher, model, handshake("topic-researcher", { topic: "solid-state batteries", depth: 1, ai_providers: "openai" }));
    const out = ok(result);
    expect(result.metadata?.engines).toEqual(ENGINE);
    expect(out.candidates_checked).toBe(2);
    expect(out.sources.length).toBeGreaterThan(0);
  });

  it("analyse_request and recommend_template: the account desk's two tasks", async () => {
    const provider = new OpenAiProvider({ baseURL: `${origin}/v1`, apiKey: "stub-key", model: "stub-model", timeoutMs: 10_000, maxRetries: 0 });
    const message = "Hi team, could you prepare a research report on grid energy storage? Thanks, Pat";
    const analysis = await provider.run(analyseRequestTask(message));
    expect(analysis.value).toMatchObject({ topic: "grid energy storage", intent: "research" });
    const candidates = BuiltinTemplates.map((t) => ({ template_name: t.name, display_name: t.display_name, description: t.description, category: t.category, keyword_triggers: t.keyword_triggers }));
    const pick = await provider.run(recommendTask(message, analysis.value, candidates));
    expect(pick.value).toMatchObject({ template_name: "research_report", confidence: 0.85 });
    expect(pick.usage.input_tokens).toBeGreaterThan(0);
  });
});
