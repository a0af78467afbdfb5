import * as v from "valibot";
import type { AiTask } from "../../ai";
import { Bm25, keywords, quality, round, topicTerms } from "../../ai/text";
import { sha256Hex } from "../../lib/crypto";
import { discoverFeeds, pageLinks } from "../../net/html";
import { looksLikeFeed, readFeed, type ParsedFeed } from "../../net/feeds";
import { allowsPrivateFetch, checkUrl, safeFetch } from "../../net/safe-fetch";
import { activeCatalog, catalogTopics, noCoverageAdvice } from "../../catalog/coverage";
import { defineWorker, type RunContext } from "../harness/define";
import { entrypointFor } from "../harness/entrypoint";
import { fatal } from "../harness/errors";
import { HttpUrl, Score, SourceSchema, Topic, type Source } from "../schemas";

const Input = v.object({
  topic: Topic,
  depth: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(5)), 3),
  min_quality: v.optional(Score, 0.6),
  /**
   * Sources the catalog already gave for the topic (a research template maps the librarian's
   * count here). When it is 0 and discovery finds nothing, nothing covers the topic: the step fails
   * (fatal, `no_coverage`) so the run stops before anything is fetched. When it is above 0, a
   * discovery that cannot run (no model answer) is not worth failing the run for: nothing is found.
   */
  known_sources: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0))),
  /** Directory pages to look through instead of the catalog's `discovery_directories`. */
  directories: v.optional(v.pipe(v.array(HttpUrl), v.maxLength(10))),
});

const Rejected = v.object({ url: v.string(), reason: v.string() });
const Output = v.object({
  topic: v.string(),
  sources: v.array(SourceSchema),
  sources_count: v.number(),
  candidates_checked: v.number(),
  rejected: v.array(Rejected),
  saved_to_catalog: v.number(),
});

/** What the model (or the offline engine) suggests: pages or feeds worth checking. */
const Suggestions = v.object({
  candidates: v.pipe(v.array(v.object({ url: v.pipe(v.string(), v.maxLength(500)), reasoning: v.pipe(v.string(), v.maxLength(400)) })), v.maxLength(40)),
});
type Suggestions = v.InferOutput<typeof Suggestions>;

/** Candidates checked per depth level. */
const PER_DEPTH = 4;
const FETCH_TIMEOUT_MS = 6_000;
const MAX_PAGE_BYTES = 2_097_152;
/** A found feed counts as on topic from this relevance. */
const MIN_RELEVANCE = 0.3;

/**
 * The offline engine's suggestions: links of the discovery directories whose text matches the
 * topic (BM25 over the link texts), best first. It knows only what those pages list.
 */
async function suggestFromDirectories(ctx: RunContext, directories: readonly string[], topic: string, limit: number): Promise<Suggestions> {
  const found: { url: string; text: string }[] = [];
  for (const dir of directories) {
    try {
      const page = await safeFetch(dir, { allowPrivate: allowsPrivateFetch(ctx.env), timeoutMs: FETCH_TIMEOUT_MS, maxBytes: MAX_PAGE_BYTES, signal: ctx.signal });
      if (page.status >= 200 && page.status < 300) found.push(...pageLinks(page.text, page.url).filter((l) => l.text.length > 0));
    } catch { /* an unreachable directory suggests nothing */ }
  }
  const index = new Bm25(found.map((l) => l.text));
  const query = topicTerms(topic);
  return {
    candidates: found
      .map((l, i) => ({ l, relevance: index.relevance(i, query) }))
      .filter((x) => x.relevance > 0)
      .sort((a, b) => b.relevance - a.relevance)
      .slice(0, limit)
      .map(({ l, relevance }) => ({ url: l.url, reasoning: `listed as '${l.text.slice(0, 120)}' (matches ${Math.round(relevance * 100)}% of the topic)` })),
  };
}

function suggestTask(ctx: RunContext, directories: readonly string[], topic: string, limit: number): AiTask<Suggestions> {
  return {
    name: "suggest_sources",
    system: `You find high-quality news and research sources that publish RSS or Atom feeds. Suggest up to ${limit} candidate URLs (a feed URL, or a site's home page that announces its feed) for the topic, each with one sentence of reasoning. Only suggest sources you believe exist.`,
    prompt: `Topic: ${topic}`,
    schema: Suggestions,
    offline: () => suggestFromDirectories(ctx, directories, topic, limit),
    maxOutputTokens: 80 * limit,
  };
}

/** A feed found behind a candidate, with the page it was announced on. */
interface Found { feedUrl: string; feed: ParsedFeed; via: string; reasoning: string }

/**
 * Checks a candidate for real: fetch it; a feed is parsed as is; an HTML page is searched for
 * `<link rel="alternate">` feeds, and the first that parses is taken.
 */
async function verify(ctx: RunContext, url: string, reasoning: string): Promise<Found | { rejected: string }> {
  const allowPrivate = allowsPrivateFetch(ctx.env);
  const get = (u: string) => safeFetch(u, { allowPrivate, timeoutMs: FETCH_TIMEOUT_MS, maxBytes: MAX_PAGE_BYTES, signal: ctx.signal, headers: { "User-Agent": "ai-factory-topic-researcher/1.0" } });
  try {
    checkUrl(url, allowPrivate);
    const page = await get(url);
    if (page.status < 200 || page.status >= 300) return { rejected: `HTTP ${page.status}` };
    if (looksLikeFeed(page.text)) return { feedUrl: page.url, feed: readFeed(page.text), via: url, reasoning };
    const { feeds } = discoverFeeds(page.text, page.url);
    if (feeds.length === 0) return { rejected: "no feed: not RSS or Atom, and the page announces none" };
    for (const announced of feeds.slice(0, 3)) {
      try {
        const res = await get(announced.url);
        if (res.status >= 200 && res.status < 300 && looksLikeFeed(res.text)) return { feedUrl: res.url, feed: readFeed(res.text), via: url, reasoning };
      } catch { /* try the next announced feed */ }
    }
    return { rejected: "the feeds the page announces could not be read" };
  } catch (error) {
    return { rejected: error instanceof Error ? error.message.slice(0, 200) : "unreadable" };
  }
}

/** Editorial quality of a feed: its items' quality, how many there are, how fresh the newest is. */
function feedQuality(feed: ParsedFeed, now: number): number {
  const items = feed.items.slice(0, 10);
  if (items.length === 0) return 0;
  const itemQuality = items.reduce((s, it) => s + quality({ title: it.title, text: it.content || it.summary, author: it.author, published: it.published_at }), 0) / items.length;
  const newest = Math.max(...items.map((it) => (it.published_at ? Date.parse(it.published_at) : 0)));
  const ageDays = newest > 0 ? (now - newest) / 86_400_000 : 365;
  const freshness = ageDays <= 30 ? 1 : Math.max(0, 1 - (ageDays - 30) / 335);
  return round(0.7 * itemQuality + 0.15 * Math.min(1, feed.items.length / 5) + 0.15 * freshness);
}

/**
 * Topic Researcher: discovered and verified sources for a topic. Candidates come from the AI
 * chain (a model's suggestions; offline, the links of the discovery directories that match the
 * topic); each is fetched for real: a feed is parsed, an HTML page's `<link rel="alternate">`
 * feeds are followed. A feed is kept when its content is on topic (BM25 over its title,
 * description and items) and its quality (items, volume, freshness) reaches `min_quality`.
 * What it finds is saved to the catalog (`rss_sources`, discovered_by topic_researcher), by URL,
 * so a duplicate delivery saves nothing twice.
 */
export const topicResearcher = defineWorker({
  def: {
    worker_name: "topic-researcher", display_name: "Topic Researcher", binding: "TopicResearcher",
    description: "Discovers and verifies new RSS/Atom sources for a topic; saves what it finds to the catalog.",
    input_format: "TopicResearchInput", output_format: "SourceList", capabilities: ["source_discovery", "ai"],
    cost_per_execution_micros: 20_000, avg_execution_time_ms: 8_000, max_concurrent: 4, queue_limit: 200, lease_ttl_ms: 120_000, timeout_ms: 90_000,
  },
  version: "1.0.0",
  input: Input,
  output: Output,
  next: ["feed-fetcher"],
  templates: [
    { name: "quick_scan", description: "A few candidates.", parameters: { depth: 1 } },
    { name: "thorough", description: "Many candidates, a high bar.", parameters: { depth: 5, min_quality: 0.7 } },
  ],
  capabilities: { verification: ["feed detection", "link rel=alternate discovery"], saves_to_catalog: true, max_candidates: 5 * PER_DEPTH },
  unit: "candidates",
  estimate: (input) => ({ units: input.depth * PER_DEPTH, ai_input_tokens: 120, ai_output_tokens: 80 * input.depth * PER_DEPTH, duration_ms: 1_000 + 400 * input.depth * PER_DEPTH }),
  readyForNext: (output) => output.sources_count > 0,
  async run(ctx, input) {
    const limit = input.depth * PER_DEPTH;
    const directories = input.directories ?? (await ctx.env.DB.prepare(`SELECT url FROM discovery_directories WHERE is_active = 1 ORDER BY url`).all<{ url: string }>()).results.map((r) => r.url);
    let suggestions: Suggestions;
    try {
      suggestions = await ctx.ai.run(suggestTask(ctx, directories, input.topic, limit), ctx.signal);
    } catch (error) {
      if (!input.known_sources) throw error;
      ctx.note({ discovery_skipped: error instanceof Error ? error.message.slice(0, 200) : "no answer" });
      suggestions = { candidates: [] };
    }
    const candidates = [...new Map(suggestions.candidates.map((c) => [c.url, c])).values()].slice(0, limit);
    let verified = 0;
    ctx.progress(0, candidates.length, `checking ${candidates.length} candidate sources`);
    const checked = await Promise.all(candidates.map(async (c) => {
      const result = await verify(ctx, c.url, c.reasoning);
      ctx.progress(++verified, candidates.length, `${verified} of ${candidates.length} candidates checked`);
      return { c, result };
    }));
    const rejected: { url: string; reason: string }[] = [];
    const found: Found[] = [];
    for (const { c, result } of checked) {
      if ("rejected" in result) rejected.push({ url: c.url, reason: result.rejected });
      else if (!found.some((f) => f.feedUrl === result.feedUrl)) found.push(result);
    }
    const docs = found.map((f) => `${f.feed.title ?? ""} ${f.feed.description ?? ""} ${f.feed.items.slice(0, 20).map((it) => `${it.title} ${it.summary}`).join(" ")}`);
    const index = new Bm25(docs);
    const query = topicTerms(input.topic);
    const sources: (Source & { topics: string[] })[] = [];
    found.forEach((f, i) => {
      const relevance = index.relevance(i, query);
      const q = feedQuality(f.feed, ctx.now());
      if (relevance < MIN_RELEVANCE) return void rejected.push({ url: f.via, reason: `off topic (relevance ${relevance})` });
      if (q < input.min_quality) return void rejected.push({ url: f.via, reason: `quality ${q} below ${input.min_quality}` });
      sources.push({
        url: f.feedUrl, title: f.feed.title ?? new URL(f.feedUrl).host, domain: new URL(f.feedUrl).host, quality_score: q, relevance,
        format: f.feed.format, reasoning: `${f.reasoning}; verified: ${f.feed.format} feed with ${f.feed.items.length} items, relevance ${relevance}, quality ${q}`,
        topics: [...new Set([input.topic.toLowerCase(), ...keywords([docs[i]!], 4, [input.topic]).map((k) => k.toLowerCase())])],
      });
    });
    sources.sort((a, b) => b.relevance + b.quality_score - (a.relevance + a.quality_score));
    if (sources.length === 0 && input.known_sources === 0) {
      const catalog = await activeCatalog(ctx.env.DB);
      throw fatal("no_coverage", `${noCoverageAdvice(input.topic, catalogTopics(catalog))} Discovery checked ${candidates.length} candidate${candidates.length === 1 ? "" : "s"} and found no feed on the topic, so the run stops here, before anything is fetched.`);
    }
    const saved = await save(ctx, sources);
    return {
      topic: input.topic, sources: sources.map(({ topics: _topics, ...s }) => s), sources_count: sources.length,
      candidates_checked: candidates.length, rejected, saved_to_catalog: saved,
    };
  },
});

/** The Topic Researcher's named entrypoint: this script exports it as `TopicResearcher`, and a PipelineActor calls it over RPC (`ctx.exports.TopicResearcher`). */
export class TopicResearcher extends entrypointFor(topicResearcher) {}

/** Saves verified sources to the catalog; a URL already there keeps its row. Returns how many were new. */
async function save(ctx: RunContext, sources: readonly (Source & { topics: string[] })[]): Promise<number> {
  if (sources.length === 0) return 0;
  const at = new Date(ctx.now()).toISOString();
  const db = ctx.env.DB;
  const results = await db.batch(await Promise.all(sources.map(async (s) => db.prepare(
    `INSERT INTO rss_sources (source_id, url, domain, title, description, topics, quality_score, feed_format, discovered_by, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'topic_researcher', ?, ?) ON CONFLICT (url) DO NOTHING`,
  ).bind(`src_${(await sha256Hex(s.url)).slice(0, 20)}`, s.url, s.domain, s.title, s.reasoning.slice(0, 500), JSON.stringify(s.topics), s.quality_score, s.format, at, at))));
  return results.reduce((n, r) => n + (r.meta.changes ?? 0), 0);
}
