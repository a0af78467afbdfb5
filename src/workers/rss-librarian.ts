import * as v from "valibot";
import { Bm25, round, terms, topicTerms } from "../ai/text";
import { builtinWorker } from "../catalog/workers";
import { readJsonColumn } from "../catalog/json-columns";
import { defineWorker } from "./harness/define";
import { HttpUrl, Score, SourceSchema, Topic, type Source } from "./schemas";

const Input = v.object({
  topic: Topic,
  max_feeds: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(50)), 8),
  min_quality: v.optional(Score, 0.5),
  /** Sources scoring below this (relevance and quality combined) are left out. */
  threshold: v.optional(Score, 0.3),
});

const Output = v.object({
  topic: v.string(),
  sources: v.array(SourceSchema),
  sources_count: v.number(),
  considered: v.number(),
  threshold: v.number(),
});

interface SourceRow { source_id: string; url: string; domain: string; title: string; description: string; topics: string; quality_score: number; feed_format: Source["format"] }

/**
 * RSS Librarian: curated sources for a topic from the D1 catalog (`rss_sources`). Each active
 * source is matched against the topic with BM25 over its title, description and topic keywords
 * (an exact topic keyword counts double), then scored 60 % relevance, 40 % editorial quality;
 * sources under the quality floor or the score threshold are left out.
 */
export const rssLibrarian = defineWorker({
  def: builtinWorker("rss-librarian"),
  version: "1.0.0",
  input: Input,
  output: Output,
  next: ["topic-researcher", "feed-fetcher"],
  templates: [
    { name: "focused", description: "Few, high-quality sources.", parameters: { max_feeds: 4, min_quality: 0.75, threshold: 0.45 } },
    { name: "broad", description: "Many sources, lower bar.", parameters: { max_feeds: 20, min_quality: 0.4, threshold: 0.2 } },
  ],
  capabilities: { source: "D1 rss_sources catalog", scoring: "BM25 relevance x quality", max_feeds: 50 },
  unit: "feeds",
  estimate: (input) => ({ units: input.max_feeds, ai_input_tokens: 0, ai_output_tokens: 0, duration_ms: 150 }),
  readyForNext: (output) => output.sources_count > 0,
  async run(ctx, input) {
    const { results } = await ctx.env.DB.prepare(
      `SELECT source_id, url, domain, title, description, topics, quality_score, feed_format FROM rss_sources
       WHERE is_active = 1 ORDER BY quality_score DESC LIMIT 5000`,
    ).all<SourceRow>();
    const rows = results.map((r) => ({ ...r, topicList: readJsonColumn(v.array(v.string()), r.topics, "rss_sources.topics") }));
    // Topic keywords are repeated so that a catalogued topic outweighs a passing mention.
    const index = new Bm25(rows.map((r) => `${r.title} ${r.description} ${r.topicList.join(" ")} ${r.topicList.join(" ")}`));
    const query = topicTerms(input.topic);
    const phrase = terms(input.topic).join(" ");
    const scored: Source[] = [];
    rows.forEach((r, i) => {
      const exact = r.topicList.some((t) => terms(t).join(" ") === phrase);
      const relevance = exact ? 1 : index.relevance(i, query);
      const score = round(0.6 * relevance + 0.4 * r.quality_score);
      if (relevance === 0 || r.quality_score < input.min_quality || score < input.threshold) return;
      if (!v.is(HttpUrl, r.url)) return;
      scored.push({
        url: r.url, title: r.title, domain: r.domain, quality_score: r.quality_score, relevance, format: r.feed_format,
        reasoning: exact
          ? `catalogued under '${input.topic}'; quality ${r.quality_score}`
          : `matches ${Math.round(relevance * 100)}% of the topic's weight; quality ${r.quality_score}`,
      });
    });
    scored.sort((a, b) => (0.6 * b.relevance + 0.4 * b.quality_score) - (0.6 * a.relevance + 0.4 * a.quality_score) || (a.url < b.url ? -1 : 1));
    const sources = scored.slice(0, input.max_feeds);
    ctx.note({ catalog_size: rows.length, matched: scored.length });
    return { topic: input.topic, sources, sources_count: sources.length, considered: rows.length, threshold: input.threshold };
  },
});
