import * as v from "valibot";
import { sha256Hex } from "../../lib/crypto";
import { wordCount } from "../../ai/text";
import { looksLikeFeed, readFeed, type FeedFormat } from "../../net/feeds";
import { allowsPrivateFetch, FetchError, safeFetch } from "../../net/safe-fetch";
import { defineWorker } from "../harness/define";
import { entrypointFor } from "../harness/entrypoint";
import { fatal, transient } from "../harness/errors";
import { ArticleSchema, FeedReportSchema, HttpUrl, type Article } from "../schemas";

const Input = v.object({
  /** Empty is allowed (a course on a topic no source covers reads nothing, and says so later). */
  feed_urls: v.pipe(v.array(HttpUrl), v.maxLength(100, "at most 100 feeds per batch")),
  max_articles_per_feed: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(200)), 20),
  timeout_ms_per_feed: v.optional(v.pipe(v.number(), v.integer(), v.minValue(100), v.maxValue(60_000)), 8_000),
  max_bytes_per_feed: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1_024), v.maxValue(10_485_760)), 2_097_152),
  concurrency: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(16)), 6),
});


const Output = v.object({
  articles: v.array(ArticleSchema),
  articles_count: v.number(),
  feeds: v.array(FeedReportSchema),
  feeds_ok: v.number(),
  feeds_failed: v.number(),
  duplicates_removed: v.number(),
});

/**
 * The version of what the cache holds: articles as this code parses them. Raise it when parsing
 * changes, so an unchanged feed (a 304) is not answered with articles the old code read.
 * 2: CDATA bodies keep their escaped text (readFeed).
 */
const FEED_CACHE_VERSION = 2;

/** What the conditional-GET cache keeps per feed URL (KV, a day). */
interface CachedFeed { etag: string | null; last_modified: string | null; format: FeedFormat; title: string | null; articles: Article[] }
const CACHE_TTL_SECONDS = 86_400;
/** Articles keep at most this much text (the classifier reads the start). */
const MAX_CONTENT_CHARS = 8_000;

/** Fetch failures that no retry can change. */
const REFUSALS = new Set(["bad_url", "scheme", "private_address"]);

/** Query parameters that only track the reader, dropped from canonical URLs. */
const TRACKING = /^(utm_\w+|fbclid|gclid|mc_cid|mc_eid|ref|source)$/i;

/** A URL in canonical form for deduplication: lower-case host, no fragment, tracking parameters or trailing slash. */
export function canonicalUrl(raw: string | null): string | null {
  if (!raw) return null;
  try {
    const url = new URL(raw);
    url.hash = "";
    url.hostname = url.hostname.toLowerCase();
    for (const key of [...url.searchParams.keys()]) if (TRACKING.test(key)) url.searchParams.delete(key);
    url.searchParams.sort();
    let text = url.toString();
    if (url.pathname !== "/" && text.endsWith("/")) text = text.slice(0, -1);
    return text;
  } catch {
    return null;
  }
}

/** Runs `f` over `items` with at most `limit` in flight, keeping order. */
async function mapLimited<T, R>(items: readonly T[], limit: number, f: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await f(items[i]!);
    }
  }));
  return out;
}

/**
 * Feed Fetcher: a batch of feed URLs to clean, deduplicated articles. Feeds are fetched with
 * bounded concurrency, a per-feed timeout and size cap, redirects checked hop by hop, and only
 * public http(s) addresses (local addresses only in development); a conditional GET (ETag,
 * Last-Modified) reuses the cached parse when a feed has not changed. RSS 2.0, Atom 1.0 and
 * RSS 1.0 are parsed into one shape, HTML reduced to text, dates to ISO 8601. Articles are
 * deduplicated by canonical URL and by content hash. A failing feed is reported, not fatal; a
 * batch where every feed failed is a transient failure (retried).
 */
export const feedFetcher = defineWorker({
  def: {
    worker_name: "feed-fetcher", display_name: "Feed Fetcher", binding: "FeedFetcher",
    description: "Fetches and parses RSS 2.0, Atom and RSS 1.0 feeds into deduplicated, cleaned articles.",
    input_format: "FeedBatch", output_format: "ArticleList", capabilities: ["feed_fetching"],
    cost_per_execution_micros: 2_000, avg_execution_time_ms: 3_000, max_concurrent: 8, queue_limit: 500, lease_ttl_ms: 60_000, timeout_ms: 60_000,
  },
  version: "1.0.0",
  input: Input,
  output: Output,
  next: ["content-classifier"],
  templates: [
    { name: "headlines", description: "A few recent articles per feed.", parameters: { max_articles_per_feed: 5 } },
    { name: "deep", description: "Everything the feeds carry.", parameters: { max_articles_per_feed: 100, timeout_ms_per_feed: 15_000 } },
  ],
  capabilities: { formats: ["rss2", "atom", "rss1"], conditional_get: true, dedupe: ["canonical_url", "content_hash"], max_feeds: 100 },
  unit: "feeds",
  estimate: (input) => ({ units: input.feed_urls.length, ai_input_tokens: 0, ai_output_tokens: 0, duration_ms: 300 + 200 * Math.ceil(input.feed_urls.length / input.concurrency) }),
  readyForNext: (output) => output.articles_count > 0,
  async run(ctx, input) {
    const allowPrivate = allowsPrivateFetch(ctx.env);
    const urls = [...new Set(input.feed_urls)];
    let done = 0;
    ctx.progress(0, urls.length, `fetching ${urls.length} feeds`);
    const fetched = await mapLimited(urls, input.concurrency, async (url) => {
      try {
        return await fetchOne(url);
      } finally {
        ctx.progress(++done, urls.length, `${done} of ${urls.length} feeds read`);
      }
    });
    async function fetchOne(url: string) {
      const cacheKey = `feed-cache:${FEED_CACHE_VERSION}:${await sha256Hex(url)}`;
      const cached = await ctx.env.PAYLOADS.get<CachedFeed>(cacheKey, "json");
      const headers: Record<string, string> = { Accept: "application/rss+xml, application/atom+xml, application/rdf+xml, application/xml;q=0.9, text/xml;q=0.8, */*;q=0.1", "User-Agent": "ai-factory-feed-fetcher/1.0" };
      if (cached?.etag) headers["If-None-Match"] = cached.etag;
      if (cached?.last_modified) headers["If-Modified-Since"] = cached.last_modified;
      try {
        const res = await safeFetch(url, { allowPrivate, timeoutMs: input.timeout_ms_per_feed, maxBytes: input.max_bytes_per_feed, headers, signal: ctx.signal });
        if (res.status === 304 && cached) {
          return { report: { url, status: "not_modified" as const, format: cached.format, title: cached.title, items: cached.articles.length, error: null }, articles: cached.articles };
        }
        if (res.status < 200 || res.status >= 300) throw new FetchError("network", url, `HTTP ${res.status}`);
        if (!looksLikeFeed(res.text)) throw new FetchError("network", url, "the document is not an RSS or Atom feed");
        const feed = readFeed(res.text);
        const articles: Article[] = [];
        for (const item of feed.items.slice(0, input.max_articles_per_feed)) {
          const content = item.content.slice(0, MAX_CONTENT_CHARS);
          const link = item.url ? new URL(item.url, res.url).toString() : null;
          const hash = await sha256Hex(`${item.title}\n${content}`.toLowerCase().replace(/\s+/g, " "));
          articles.push({
            id: hash.slice(0, 16), title: item.title, url: link, canonical_url: canonicalUrl(link), source_url: url, source_title: feed.title,
            published_at: item.published_at, author: item.author, summary: item.summary.slice(0, 600), content,
            word_count: wordCount(content), content_hash: hash, categories: item.categories,
          });
        }
        const entry: CachedFeed = { etag: res.headers.get("ETag"), last_modified: res.headers.get("Last-Modified"), format: feed.format, title: feed.title, articles };
        if (entry.etag || entry.last_modified) await ctx.env.PAYLOADS.put(cacheKey, JSON.stringify(entry), { expirationTtl: CACHE_TTL_SECONDS });
        return { report: { url, status: "ok" as const, format: feed.format, title: feed.title, items: articles.length, error: null }, articles };
      } catch (error) {
        const code = error instanceof FetchError ? error.code : "parse_error";
        const message = error instanceof Error ? error.message : String(error);
        return { report: { url, status: "failed" as const, format: null, title: null, items: 0, error: { code, message: message.slice(0, 300) } }, articles: [] as Article[] };
      }
    }
    const failed = fetched.filter((f) => f.report.status === "failed");
    if (fetched.length > 0 && failed.length === fetched.length) {
      const first = `${failed[0]!.report.url}: ${failed[0]!.report.error!.message}`;
      // Refused URLs stay refused: retrying the batch cannot help. Anything else may pass.
      if (failed.every((f) => REFUSALS.has(f.report.error!.code))) throw fatal("all_feeds_refused", `every feed URL was refused (first: ${first})`);
      throw transient("all_feeds_failed", `every feed failed (first: ${first})`);
    }
    const seenUrls = new Set<string>();
    const seenHashes = new Set<string>();
    const articles: Article[] = [];
    let duplicates = 0;
    for (const a of fetched.flatMap((f) => f.articles)) {
      if ((a.canonical_url && seenUrls.has(a.canonical_url)) || seenHashes.has(a.content_hash)) { duplicates++; continue; }
      if (a.canonical_url) seenUrls.add(a.canonical_url);
      seenHashes.add(a.content_hash);
      articles.push(a);
    }
    ctx.note({ cache_hits: fetched.filter((f) => f.report.status === "not_modified").length });
    return {
      articles, articles_count: articles.length, feeds: fetched.map((f) => f.report),
      feeds_ok: fetched.length - failed.length, feeds_failed: failed.length, duplicates_removed: duplicates,
    };
  },
});

/** The Feed Fetcher's named entrypoint: this script exports it as `FeedFetcher`, and a PipelineActor calls it over RPC (`ctx.exports.FeedFetcher`). */
export class FeedFetcher extends entrypointFor(feedFetcher) {}
