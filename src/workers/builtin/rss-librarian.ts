import * as v from "valibot";
import { activeCatalog, catalogTopics, matchCatalog, noCoverageAdvice } from "../../catalog/coverage";
import { fatal } from "../harness/errors";
import { defineWorker } from "../harness/define";
import { entrypointFor } from "../harness/entrypoint";
import { HttpUrl, Score, SourceSchema, Topic, type Source } from "../schemas";

const Input = v.object({
  topic: Topic,
  max_feeds: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(50)), 8),
  min_quality: v.optional(Score, 0.5),
  /** Sources scoring below this (relevance and quality combined) are left out. */
  threshold: v.optional(Score, 0.3),
  /**
   * What to do when no source matches: `continue` (a later step discovers, or says so), or `stop`
   * (a template with no discovery step): fail `no_coverage`, naming what the catalog covers, so
   * the run ends before anything is fetched.
   */
  when_none: v.optional(v.picklist(["continue", "stop"]), "continue"),
});

const Output = v.object({
  topic: v.string(),
  sources: v.array(SourceSchema),
  sources_count: v.number(),
  considered: v.number(),
  threshold: v.number(),
});


/**
 * RSS Librarian: curated sources for a topic from the D1 catalog (`rss_sources`). Each active
 * source is matched against the topic with BM25 over its title, description and topic keywords
 * (an exact topic keyword counts double), then scored 60 % relevance, 40 % editorial quality;
 * sources under the quality floor or the score threshold are left out.
 */
export const rssLibrarian = defineWorker({
  def: {
    worker_name: "rss-librarian", display_name: "RSS Librarian", binding: "RssLibrarian",
    description: "Curated feed sources for a topic from the D1 catalog, scored and filtered by quality.",
    input_format: "TopicQuery", output_format: "SourceList", capabilities: ["source_curation"],
    cost_per_execution_micros: 500, avg_execution_time_ms: 150, max_concurrent: 16, queue_limit: 500, lease_ttl_ms: 30_000, timeout_ms: 10_000,
  },
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
    const rows = await activeCatalog(ctx.env.DB);
    const scored: Source[] = matchCatalog(rows, input.topic, input.min_quality, input.threshold)
      .filter((m) => v.is(HttpUrl, m.row.url))
      .map(({ row: r, relevance, exact }) => ({
        url: r.url, title: r.title, domain: r.domain, quality_score: r.quality_score, relevance, format: r.feed_format,
        reasoning: exact
          ? `catalogued under '${input.topic}'; quality ${r.quality_score}`
          : `matches ${Math.round(relevance * 100)}% of the topic's weight; quality ${r.quality_score}`,
      }));
    const sources = scored.slice(0, input.max_feeds);
    if (sources.length === 0 && input.when_none === "stop") {
      throw fatal("no_coverage", `${noCoverageAdvice(input.topic, catalogTopics(rows))} The run stops here, before anything is fetched.`);
    }
    ctx.note({ catalog_size: rows.length, matched: scored.length });
    return { topic: input.topic, sources, sources_count: sources.length, considered: rows.length, threshold: input.threshold };
  },
});

/** The RSS Librarian's named entrypoint: this script exports it as `RssLibrarian`, and a PipelineActor calls it over RPC (`ctx.exports.RssLibrarian`). */
export class RssLibrarian extends entrypointFor(rssLibrarian) {}
