import * as v from "valibot";
import { ReportSchema } from "../contracts/artifacts";
import type { AiTask } from "../ai";
import { keyPoints, keywords, summarize, terms } from "../ai/text";
import { builtinWorker } from "../catalog/workers";
import { defineWorker } from "./harness/define";
import { fatal } from "./harness/errors";
import { toHtml, toMarkdown, type ReportData } from "./report-render";
import { AnalyzedArticleSchema, Topic, type AnalyzedArticle } from "./schemas";

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

const Output = v.object({ report: ReportSchema, article_count: v.number(), style: Style });

/** What the model writes: the prose of the report, citing sources by their number. */
const Writing = v.object({
  executive_summary: v.pipe(v.string(), v.minLength(1), v.maxLength(3_000)),
  key_insights: v.pipe(v.array(v.object({ text: v.pipe(v.string(), v.minLength(1), v.maxLength(600)), citations: v.array(v.pipe(v.number(), v.integer())) })), v.maxLength(12)),
  themes: v.pipe(v.array(v.object({ name: v.pipe(v.string(), v.minLength(1), v.maxLength(80)), summary: v.pipe(v.string(), v.maxLength(800)), citations: v.array(v.pipe(v.number(), v.integer())) })), v.maxLength(8)),
});
type Writing = v.InferOutput<typeof Writing>;

const SIZES: Record<Style, { insights: number; themes: number; summary: number }> = { full: { insights: 6, themes: 4, summary: 4 }, brief: { insights: 3, themes: 2, summary: 2 } };

/** The offline writing: an extractive summary over the best articles, their key points as insights, keyword themes. */
function offlineWriting(articles: readonly AnalyzedArticle[], topic: string, style: Style): Writing {
  const size = SIZES[style];
  const digest = articles.map((a) => a.analysis_summary || a.summary).join(" ");
  const insights: Writing["key_insights"] = [];
  articles.forEach((a, i) => {
    const point = a.key_points[0] ?? keyPoints(a.content, topic, 1)[0];
    if (point && insights.length < size.insights && !insights.some((k) => k.text === point)) insights.push({ text: point, citations: [i + 1] });
  });
  const docs = articles.map((a) => `${a.title} ${a.analysis_summary} ${a.key_points.join(" ")}`);
  const themes = keywords(docs, size.themes * 2, [topic])
    .map((word) => {
      const stem = terms(word)[0] ?? word;
      const cites = articles.map((a, i) => (terms(docs[i]!).includes(stem) ? i + 1 : 0)).filter((n) => n > 0);
      const first = articles[(cites[0] ?? 1) - 1]!;
      return { name: word.charAt(0).toUpperCase() + word.slice(1), summary: first.analysis_summary || first.summary, citations: cites.slice(0, 5) };
    })
    .filter((t) => t.citations.length >= 2 || articles.length < 4)
    .slice(0, size.themes);
  return { executive_summary: summarize(digest, topic, size.summary, 1_200) || `No article on '${topic}' met the relevance bar.`, key_insights: insights, themes };
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
  def: builtinWorker("report-builder"),
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
    const articles = input.analyzed_articles.slice(0, input.max_citations);
    if (input.analyzed_articles.length === 0) throw fatal("no_articles", `no analysed article to report on for '${input.topic}'`);
    const writing = await ctx.ai.run(writingTask(articles, input.topic, input.report_style), ctx.signal);
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
      cost: input.costs ? { total_micros: input.costs.total_micros, by_step: input.costs.steps } : null,
      engines: ctx.ai.engines,
    };
    return { report: { ...data, markdown: toMarkdown(data), html: toHtml(data) }, article_count: articles.length, style: input.report_style };
  },
});
