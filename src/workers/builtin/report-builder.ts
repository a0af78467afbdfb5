import * as v from "valibot";
import { ReportSchema } from "../../contracts/artifacts";
import type { AiTask } from "../../ai";
import { findThemes, mentions, SentenceLedger } from "../../ai/themes";
import { keyPoints, sentences, topSentences, words } from "../../ai/text";
import { defineWorker, type RunContext } from "../harness/define";
import { entrypointFor } from "../harness/entrypoint";
import { rendered, type ReportData } from "../offline/report-render";
import { AnalyzedArticleSchema, Topic, type AnalyzedArticle } from "../schemas";

const Style = v.picklist(["full", "brief"]);
type Style = v.InferOutput<typeof Style>;

const Input = v.object({
  analyzed_articles: v.pipe(v.array(AnalyzedArticleSchema), v.maxLength(1_000)),
  topic: Topic,
  report_style: v.optional(Style, "full"),
  max_citations: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(100)), 20),
  /** What the run has cost so far (`$.costs` in a template's mapping). */
  costs: v.optional(v.object({ total_micros: v.number(), steps: v.record(v.string(), v.number()) })),
});

type Input = v.InferOutput<typeof Input>;

const Output = v.object({ report: ReportSchema, article_count: v.number(), style: Style });
type Output = v.InferOutput<typeof Output>;

/** What the model writes: the prose of the report, citing sources by their number. */
const Writing = v.object({
  executive_summary: v.pipe(v.string(), v.minLength(1), v.maxLength(3_000)),
  key_insights: v.pipe(v.array(v.object({ text: v.pipe(v.string(), v.minLength(1), v.maxLength(600)), citations: v.array(v.pipe(v.number(), v.integer())) })), v.maxLength(12)),
  themes: v.pipe(v.array(v.object({ name: v.pipe(v.string(), v.minLength(1), v.maxLength(80)), summary: v.pipe(v.string(), v.maxLength(800)), citations: v.array(v.pipe(v.number(), v.integer())) })), v.maxLength(8)),
});
type Writing = v.InferOutput<typeof Writing>;

const SIZES: Record<Style, { insights: number; themes: number; summary: number }> = { full: { insights: 6, themes: 4, summary: 4 }, brief: { insights: 3, themes: 2, summary: 2 } };

/**
 * The offline writing, extractive and cited: each key insight is an article's leading key point;
 * the executive summary is the most informative sentences across the best articles that the
 * insights do not already say; each theme is a phrase several articles share (ai/themes.ts),
 * told by sentences of those articles that use it. No sentence is used twice.
 */
function offlineWriting(articles: readonly AnalyzedArticle[], topic: string, style: Style): Writing {
  const size = SIZES[style];
  const said = new SentenceLedger();
  // Each insight is one article's leading point; the summary is drawn from what they leave.
  const insights: Writing["key_insights"] = [];
  articles.forEach((a, i) => {
    if (insights.length >= size.insights) return;
    const point = a.key_points.find((p) => said.take(p)) ?? keyPoints(a.content || a.summary, topic, 3).find((p) => said.take(p));
    if (point) insights.push({ text: point, citations: [i + 1] });
  });
  const summary: string[] = [];
  const digest = articles.slice(0, 8).map((a) => `${a.analysis_summary || a.summary} ${a.content}`).join(" ");
  for (const s of topSentences(digest, topic, size.summary * 4)) if (summary.length < size.summary && said.take(s)) summary.push(s);
  const themes: Writing["themes"] = [];
  for (const theme of findThemes(articles.map((a) => ({ title: a.title, text: a.content || a.summary })), topic, size.themes + 2)) {
    if (themes.length >= size.themes) break;
    const told: string[] = [];
    const cites: number[] = [];
    for (const i of theme.docs) {
      if (told.length >= 2) break;
      const a = articles[i]!;
      const s = sentences(a.content || a.summary).find((x) => words(x).length >= 6 && x.length <= 400 && mentions(x, theme.name) && said.take(x));
      if (s) { told.push(s); cites.push(i + 1); }
    }
    if (told.length > 0) themes.push({ name: theme.name, summary: told.join(" "), citations: [...new Set([...cites, ...theme.docs.map((i) => i + 1)])].slice(0, 5) });
  }
  const lead = articles.slice(0, 3).map((a) => `“${a.title}”`).join(", ");
  const overview = `${articles.length} source${articles.length === 1 ? "" : "s"} on ${topic} are cited below, the most relevant being ${lead}.`;
  return { executive_summary: summary.length > 0 ? summary.join(" ") : overview, key_insights: insights, themes };
}

/** Whatever wrote it, the report says each thing once: insights that repeat the summary or each other, and themes that repeat a name or a paragraph, are dropped. */
function sayEachOnce(w: Writing): Writing {
  const said = new SentenceLedger();
  sentences(w.executive_summary).forEach((s) => said.take(s));
  const names = new Set<string>();
  return {
    executive_summary: w.executive_summary,
    key_insights: w.key_insights.filter((k) => said.take(k.text)),
    themes: w.themes.filter((t) => {
      const name = t.name.trim().toLowerCase();
      if (names.has(name) || !sentences(t.summary).every((s) => said.isNew(s))) return false;
      names.add(name);
      sentences(t.summary).forEach((s) => said.take(s));
      return true;
    }),
  };
}

/** What the run cost before the report step (`$.costs`), as the report states it. */
function costSoFar(input: Input): ReportData["cost"] {
  return input.costs ? { total_micros: input.costs.total_micros, by_step: input.costs.steps } : null;
}

/**
 * The report when no article met the relevance bar: short and honest, no findings invented, and
 * what the client can do about it. No model is asked (there is nothing to write from).
 */
function noCoverage(ctx: RunContext, input: Input): Output {
  const data: ReportData = {
    title: `No coverage: ${input.topic}`,
    topic: input.topic,
    generated_at: new Date(ctx.now()).toISOString(),
    executive_summary: `No article read for '${input.topic}' was relevant enough to report on, so this report has no findings. The feeds chosen for the topic did not cover it closely.`,
    key_insights: [],
    themes: [],
    citations: [],
    methodology: `The feeds chosen for '${input.topic}' were fetched and every article was scored for relevance to the topic; none reached the bar. To cover the topic, add a feed that does: run Topic Discovery for it, or ask staff to add the feed to the catalog. Then run this report again.`,
    cost: costSoFar(input),
    engines: [],
  };
  ctx.note({ no_coverage: true });
  return { report: rendered(data), article_count: 0, style: input.report_style };
}

function writingTask(articles: readonly AnalyzedArticle[], topic: string, style: Style): AiTask<Writing> {
  const size = SIZES[style];
  return {
    name: "write_report",
    system: `You write intelligence reports. Using only the numbered sources, write an executive summary (at most ${size.summary} sentences), up to ${size.insights} key insights and up to ${size.themes} themes, each citing the numbers of the sources it rests on.`,
    prompt: `Topic: ${topic}\n\nSources:\n${JSON.stringify(articles.map((a, i) => ({ n: i + 1, title: a.title, source: a.source_title, summary: a.analysis_summary, key_points: a.key_points, relevance: a.relevance_score })))}`,
    schema: Writing,
    offline: () => offlineWriting(articles, topic, style),
    maxOutputTokens: style === "full" ? 1_500 : 700,
  };
}

/**
 * Report Builder: analysed articles to an intelligence report (executive summary, key insights,
 * themes, numbered citations with links, methodology, cost so far) as JSON, Markdown and a
 * standalone HTML page. The prose comes from the AI chain; citations a model invents (numbers
 * with no source) are dropped.
 */
export const reportBuilder = defineWorker({
  def: {
    worker_name: "report-builder", display_name: "Report Builder", binding: "ReportBuilder",
    description: "An intelligence report (summary, insights, themes, citations) as JSON, Markdown and HTML.",
    input_format: "AnalyzedArticleList", output_format: "Report", capabilities: ["report_generation", "ai"],
    cost_per_execution_micros: 15_000, avg_execution_time_ms: 5_000, max_concurrent: 4, queue_limit: 200, lease_ttl_ms: 120_000, timeout_ms: 120_000,
  },
  version: "1.0.0",
  input: Input,
  output: Output,
  next: [],
  templates: [
    { name: "full", description: "Executive summary, six insights, four themes.", parameters: { report_style: "full" } },
    { name: "brief", description: "A short brief: two-sentence summary, three insights.", parameters: { report_style: "brief", max_citations: 8 } },
  ],
  capabilities: { formats: ["json", "md", "html"], citations: true },
  unit: "articles",
  estimate: (input) => ({
    units: input.analyzed_articles.length,
    ai_input_tokens: 200 + Math.min(input.analyzed_articles.length, input.max_citations) * 120,
    ai_output_tokens: input.report_style === "full" ? 900 : 400, duration_ms: 300,
  }),
  readyForNext: (output) => output.report.citations.length > 0,
  async run(ctx, input) {
    // Cited in order of relevance (then quality), whatever order they came in.
    const ranked = [...input.analyzed_articles].sort((a, b) => b.relevance_score - a.relevance_score || b.quality_score - a.quality_score);
    const articles = ranked.slice(0, input.max_citations);
    if (articles.length === 0) return noCoverage(ctx, input);
    const writing = sayEachOnce(await ctx.ai.run(writingTask(articles, input.topic, input.report_style), ctx.signal));
    const valid = (ns: readonly number[]) => [...new Set(ns.filter((n) => n >= 1 && n <= articles.length))];
    const data: ReportData = {
      title: `${input.report_style === "brief" ? "Brief" : "Intelligence report"}: ${input.topic}`,
      topic: input.topic,
      generated_at: new Date(ctx.now()).toISOString(),
      executive_summary: writing.executive_summary,
      key_insights: writing.key_insights.map((k) => ({ text: k.text, citations: valid(k.citations) })),
      themes: writing.themes.map((t) => ({ name: t.name, summary: t.summary, citations: valid(t.citations) })),
      citations: articles.map((a, i) => ({ n: i + 1, title: a.title, url: a.url, source: a.source_title, published_at: a.published_at, relevance: a.relevance_score, quality: a.quality_score })),
      methodology: `Sources were curated from the feed catalog for '${input.topic}', fetched and parsed, deduplicated by URL and content, then each article was scored for relevance and quality and summarised; the ${articles.length} most relevant of ${input.analyzed_articles.length} are cited here. Written by ${ctx.ai.primary.provider}/${ctx.ai.primary.model}.`,
      cost: costSoFar(input),
      engines: ctx.ai.engines,
    };
    return { report: rendered(data), article_count: articles.length, style: input.report_style };
  },
});

/** The Report Builder's named entrypoint: this script exports it as `ReportBuilder`, and a PipelineActor calls it over RPC (`ctx.exports.ReportBuilder`). */
export class ReportBuilder extends entrypointFor(reportBuilder) {}
