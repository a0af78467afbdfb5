import * as v from "valibot";
import type { AiTask } from "../../ai";
import { rankRelevance } from "../../ai/relevance";
import { keyPoints, quality, round, summarize } from "../../ai/text";
import { defineWorker } from "../harness/define";
import { entrypointFor } from "../harness/entrypoint";
import { toArticle } from "../articles";
import { AnalyzedArticleSchema, ArticleInputsSchema, Score, Topic, type AnalyzedArticle, type Article } from "../schemas";

const Depth = v.picklist(["basic", "standard", "detailed"]);
type Depth = v.InferOutput<typeof Depth>;

const Input = v.object({
  /** The seed's `{url, title, content}` at least; a feed fetcher's articles as they come. */
  articles: ArticleInputsSchema,
  target_topic: Topic,
  analysis_depth: v.optional(Depth, "standard"),
  /** Articles below this relevance are dropped from the output. */
  min_relevance: v.optional(Score, 0.25),
  batch_size: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(50)), 10),
});

const Output = v.object({
  topic: v.string(),
  analyzed_articles: v.array(AnalyzedArticleSchema),
  articles_in: v.number(),
  relevant_count: v.number(),
  average_relevance: v.nullable(v.number()),
  analysis_depth: Depth,
});

/** What the model answers for one batch. */
const BatchAnswer = v.object({
  results: v.array(v.object({ id: v.string(), relevance: Score, quality: Score, summary: v.pipe(v.string(), v.maxLength(1_200)), key_points: v.array(v.pipe(v.string(), v.maxLength(400))) })),
});
type BatchAnswer = v.InferOutput<typeof BatchAnswer>;

const POINTS: Record<Depth, number> = { basic: 1, standard: 3, detailed: 5 };
/** The model reads this much of each article. */
const EXCERPT_CHARS: Record<Depth, number> = { basic: 600, standard: 1_500, detailed: 4_000 };

/**
 * The offline reading of a batch: relevance against the topic as ranked over the whole set
 * (ai/relevance.ts: coverage, phrase and proximity, fields, expansion from the candidates),
 * heuristics for quality, extractive summary and key points.
 */
function offlineBatch(batch: readonly Article[], relevance: readonly number[], offset: number, topic: string, depth: Depth): BatchAnswer {
  return {
    results: batch.map((a, i) => {
      const text = a.content || a.summary;
      return {
        id: a.id,
        relevance: relevance[offset + i]!,
        quality: quality({ title: a.title, text, author: a.author, published: a.published_at, url: a.url }),
        summary: summarize(text, topic, depth === "detailed" ? 3 : 2),
        key_points: keyPoints(text, topic, POINTS[depth]),
      };
    }),
  };
}

/** The classification task for one batch of articles. */
function classifyTask(batch: readonly Article[], relevance: readonly number[], offset: number, topic: string, depth: Depth): AiTask<BatchAnswer> {
  return {
    name: "classify_articles",
    system: "You are a research analyst. For each article, judge its relevance to the target topic (0 to 1), its editorial quality (0 to 1), write a factual summary of at most two sentences, and list its key points. Use only what the article says.",
    prompt: `Target topic: ${topic}\nAnalysis depth: ${depth} (${POINTS[depth]} key points per article)\n\nArticles (answer one result per id):\n${JSON.stringify(batch.map((a) => ({ id: a.id, title: a.title, source: a.source_title, text: (a.content || a.summary).slice(0, EXCERPT_CHARS[depth]) })))}`,
    schema: BatchAnswer,
    offline: () => offlineBatch(batch, relevance, offset, topic, depth),
    maxOutputTokens: 300 * batch.length * (depth === "detailed" ? 2 : 1),
  };
}

/**
 * Content Classifier: relevance, quality, summary and key points for each article against the
 * target topic, in batches, through the AI chain (the model's JSON is validated, repaired once,
 * and an article a model leaves out is read by the offline engine instead). Articles under
 * `min_relevance` are dropped; the rest come back ranked by relevance, then quality.
 */
export const contentClassifier = defineWorker({
  def: {
    worker_name: "content-classifier", display_name: "Content Classifier", binding: "ContentClassifier",
    description: "Relevance, quality, summary and key points for each article against the target topic.",
    input_format: "ArticleList", output_format: "AnalyzedArticleList", capabilities: ["classification", "summarization", "ai"],
    cost_per_execution_micros: 10_000, avg_execution_time_ms: 6_000, max_concurrent: 4, queue_limit: 200, lease_ttl_ms: 120_000, timeout_ms: 120_000,
  },
  version: "1.0.0",
  input: Input,
  output: Output,
  next: ["report-builder"],
  templates: [
    { name: "skim", description: "Relevance and one key point.", parameters: { analysis_depth: "basic", min_relevance: 0.2 } },
    { name: "analyst", description: "Summaries and three key points.", parameters: { analysis_depth: "standard" } },
    { name: "deep_read", description: "Longer excerpts, five key points.", parameters: { analysis_depth: "detailed", batch_size: 5 } },
  ],
  capabilities: { batched: true, depths: ["basic", "standard", "detailed"], output_validation: "valibot, one repair round" },
  unit: "articles",
  estimate: (input) => ({
    units: input.articles.length,
    ai_input_tokens: input.articles.length * Math.round(EXCERPT_CHARS[input.analysis_depth] / 4 + 60),
    ai_output_tokens: input.articles.length * 60 * POINTS[input.analysis_depth],
    duration_ms: 200 + 40 * input.articles.length,
  }),
  readyForNext: (output) => output.relevant_count > 0,
  async run(ctx, input) {
    const articles = await Promise.all(input.articles.map(toArticle));
    const relevance = rankRelevance(articles.map((a) => ({ title: a.title, body: a.content || a.summary, categories: a.categories })), input.target_topic);
    const analyzed: AnalyzedArticle[] = [];
    let filledOffline = 0;
    for (let offset = 0; offset < articles.length; offset += input.batch_size) {
      const batch = articles.slice(offset, offset + input.batch_size);
      ctx.progress(offset, articles.length, `classifying articles ${offset + 1}-${offset + batch.length} of ${articles.length}`);
      const answer = await ctx.ai.run(classifyTask(batch, relevance, offset, input.target_topic, input.analysis_depth), ctx.signal);
      const byId = new Map(answer.results.map((r) => [r.id, r]));
      // Read offline only if the model left an article out (and then once for the batch).
      let fallback: BatchAnswer["results"] | null = null;
      batch.forEach((a, i) => {
        let r = byId.get(a.id);
        if (!r) {
          fallback ??= offlineBatch(batch, relevance, offset, input.target_topic, input.analysis_depth).results;
          r = fallback[i]!;
          filledOffline++;
        }
        analyzed.push({ ...a, relevance_score: round(r.relevance), quality_score: round(r.quality), analysis_summary: r.summary, key_points: r.key_points.slice(0, POINTS[input.analysis_depth]) });
      });
    }
    const kept = analyzed
      .filter((a) => a.relevance_score >= input.min_relevance)
      .sort((a, b) => b.relevance_score - a.relevance_score || b.quality_score - a.quality_score || (a.id < b.id ? -1 : 1));
    if (filledOffline > 0) ctx.note({ articles_read_offline: filledOffline });
    return {
      topic: input.target_topic, analyzed_articles: kept, articles_in: input.articles.length, relevant_count: kept.length,
      average_relevance: kept.length > 0 ? round(kept.reduce((s, a) => s + a.relevance_score, 0) / kept.length) : null,
      analysis_depth: input.analysis_depth,
    };
  },
});

/** The Content Classifier's named entrypoint: this script exports it as `ContentClassifier`, and a PipelineActor calls it over RPC (`ctx.exports.ContentClassifier`). */
export class ContentClassifier extends entrypointFor(contentClassifier) {}
