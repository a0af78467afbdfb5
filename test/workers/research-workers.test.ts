import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { executeWorker } from "../../src/workers/harness/execute";
import { contentClassifier } from "../../src/workers/builtin/content-classifier";
import { feedFetcher } from "../../src/workers/builtin/feed-fetcher";
import { reportBuilder } from "../../src/workers/builtin/report-builder";
import { rssLibrarian } from "../../src/workers/builtin/rss-librarian";
import { ARTICLES, handshake, ok, origin, seedWithFeeds } from "./fixtures";
import { readFeed } from "../../src/net/feeds";

beforeAll(async () => { await seedWithFeeds(); });


const feed = (file: string) => `${origin}/demo/feeds/${file}`;

describe("RSS Librarian", () => {
  it("ranks catalogued sources by topic match and quality, leaving unrelated ones out", async () => {
    const out = ok(await executeWorker(rssLibrarian, env, handshake("rss-librarian", { topic: "energy storage" })));
    const urls = out.sources.map((s: { url: string }) => s.url);
    expect(urls).toContain(feed("energy-storage.xml"));
    expect(urls).toContain(feed("climate-policy.rdf"));
    expect(urls).not.toContain(feed("rust-systems.xml"));
    expect(out.sources_count).toBe(urls.length);
    for (const s of out.sources) expect(s.relevance).toBeGreaterThan(0);
    // Exact catalogue topics score as full matches and sort first among equals of quality.
    expect(out.sources[0].url).toBe(feed("energy-storage.xml"));
  });

  it("applies the quality floor and max_feeds", async () => {
    const strict = ok(await executeWorker(rssLibrarian, env, handshake("rss-librarian", { topic: "batteries", min_quality: 0.85 })));
    expect(strict.sources.map((s: { url: string }) => s.url)).toEqual([feed("energy-storage.xml")]);
    const one = ok(await executeWorker(rssLibrarian, env, handshake("rss-librarian", { topic: "batteries", max_feeds: 1 })));
    expect(one.sources_count).toBe(1);
    const none = ok(await executeWorker(rssLibrarian, env, handshake("rss-librarian", { topic: "medieval tapestry weaving" })));
    expect(none.sources_count).toBe(0);
    expect(none.ready_for_next).toBe(false);
  });
});

describe("Feed Fetcher", () => {
  it("parses RSS 2.0, Atom 1.0 and RSS 1.0 into clean text articles with ISO dates", async () => {
    const out = ok(await executeWorker(feedFetcher, env, handshake("feed-fetcher", {
      feed_urls: [feed("energy-storage.xml"), feed("battery-lab.atom"), feed("climate-policy.rdf")],
    })));
    expect(out.feeds.map((f: { format: string }) => f.format)).toEqual(["rss2", "atom", "rss1"]);
    expect(out.feeds_failed).toBe(0);
    expect(out.articles_count).toBeGreaterThanOrEqual(9);
    for (const a of out.articles) {
      expect(a.content).not.toMatch(/<\/?[a-z]+[^>]*>/i);
      if (a.published_at) expect(a.published_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      expect(a.content_hash).toMatch(/^[0-9a-f]{64}$/);
    }
    expect(out.articles.find((a: { title: string }) => /Solid-state batteries move/.test(a.title))?.content).toMatch(/solid-state battery pilot lines/);
  });

  it("deduplicates articles reached twice (a redirect to the same feed) and follows redirects", async () => {
    const out = ok(await executeWorker(feedFetcher, env, handshake("feed-fetcher", { feed_urls: [`${origin}/feeds/redirect`, feed("battery-lab.atom")] })));
    expect(out.feeds.map((f: { status: string }) => f.status)).toEqual(["ok", expect.stringMatching(/ok|not_modified/)]);
    expect(out.duplicates_removed).toBe(out.feeds[0].items);
    expect(out.articles_count).toBe(out.feeds[0].items);
  });

  it("reports failing feeds without failing the batch: HTTP error, not a feed, timeout, size cap", async () => {
    const out = ok(await executeWorker(feedFetcher, env, handshake("feed-fetcher", {
      feed_urls: [feed("rust-systems.xml"), `${origin}/feeds/error`, `${origin}/feeds/not-a-feed`, `${origin}/feeds/slow`, `${origin}/feeds/huge`],
      timeout_ms_per_feed: 400, max_bytes_per_feed: 100_000,
    })));
    const byUrl = Object.fromEntries(out.feeds.map((f: { url: string }) => [f.url, f]));
    expect(byUrl[feed("rust-systems.xml")].status).toMatch(/ok|not_modified/);
    expect(byUrl[`${origin}/feeds/error`].error.message).toMatch(/HTTP 500/);
    expect(byUrl[`${origin}/feeds/not-a-feed`].error.message).toMatch(/not an RSS or Atom feed/);
    expect(byUrl[`${origin}/feeds/slow`].error.code).toBe("timeout");
    expect(byUrl[`${origin}/feeds/huge`].error.code).toBe("too_large");
    expect(out.feeds_failed).toBe(4);
    expect(out.articles_count).toBeGreaterThan(0);
  });

  it("reports a malformed feed (an element never closed) as failed, naming the problem, and reads the rest of the batch", async () => {
    const out = ok(await executeWorker(feedFetcher, env, handshake("feed-fetcher", { feed_urls: [`${origin}/feeds/malformed`, feed("rust-systems.xml")] })));
    const [broken, good] = out.feeds;
    expect(broken).toMatchObject({ url: `${origin}/feeds/malformed`, status: "failed", items: 0, title: null, error: { code: "parse_error", message: "malformed XML: <item> is never closed (line 4)" } });
    expect(good.status).toMatch(/ok|not_modified/);
    expect(out.feeds_failed).toBe(1);
    expect(out.articles_count).toBeGreaterThan(0);
  });

  it("keeps the text a feed's HTML escapes: Rc<RefCell<T>> and a < b in a CDATA body are text, not tags", () => {
    const xml = `<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><title>Rust &amp; co</title><item><title>A &lt; B</title>
      <description>&lt;p&gt;Shared &amp;amp; mutable&lt;/p&gt;</description>
      <content:encoded><![CDATA[<p><code>Rc&lt;RefCell&lt;T&gt;&gt;</code> is shared; a &lt; b &amp; c &copy; 2026.</p>]]></content:encoded></item></channel></rss>`;
    const parsed = readFeed(xml);
    expect(parsed.title).toBe("Rust & co");
    expect(parsed.items[0]).toMatchObject({ title: "A < B", summary: "Shared & mutable", content: "Rc<RefCell<T>> is shared; a < b & c © 2026." });
  });

  it("uses a conditional GET: an unchanged feed answers 304 and its cached articles are reused", async () => {
    const url = feed("ai-research.atom");
    const first = ok(await executeWorker(feedFetcher, env, handshake("feed-fetcher", { feed_urls: [url] })));
    const second = ok(await executeWorker(feedFetcher, env, handshake("feed-fetcher", { feed_urls: [url] })));
    expect(second.feeds[0].status).toBe("not_modified");
    expect(second.articles).toEqual(first.articles);
  });

  it("fails the batch transiently when every feed fails, and fatally when every URL is refused", async () => {
    const failed = await executeWorker(feedFetcher, env, handshake("feed-fetcher", { feed_urls: [`${origin}/feeds/error`] }));
    expect(failed).toMatchObject({ ok: false, error: { kind: "transient", code: "all_feeds_failed" } });
    // Outside development, loopback and private addresses are refused before any request.
    const production = { ...env, ENVIRONMENT: "production" };
    const refused = await executeWorker(feedFetcher, production, handshake("feed-fetcher", { feed_urls: [feed("energy-storage.xml"), "http://10.0.0.8/feed", "http://[::1]/feed", "http://169.254.169.254/latest"] }));
    expect(refused).toMatchObject({ ok: false, error: { kind: "fatal", code: "all_feeds_refused" } });
  });
});

describe("Content Classifier", () => {
  it("ranks on-topic articles first and drops the unrelated one (offline engine)", async () => {
    const result = await executeWorker(contentClassifier, env, handshake("content-classifier", { articles: ARTICLES, target_topic: "battery storage" }));
    const out = ok(result);
    expect(out.analyzed_articles.map((a: { id: string }) => a.id).sort()).toEqual(["a1", "a2"]);
    expect(out.articles_in).toBe(3);
    for (const a of out.analyzed_articles) {
      expect(a.relevance_score).toBeGreaterThanOrEqual(0.25);
      expect(a.key_points.length).toBeGreaterThan(0);
      expect(a.key_points.length).toBeLessThanOrEqual(3);
      expect(a.analysis_summary.length).toBeGreaterThan(20);
    }
    expect(result.metadata?.engines).toEqual(["offline/offline-extractive-v1"]);
    expect(result.ok && result.usage.input_tokens).toBeGreaterThan(100);
  });

  it("falls back along the chain when the model's JSON is unusable, and bills both providers' tokens", async () => {
    const withStub = { ...env, OPENAI_API_KEY: "stub-key", OPENAI_BASE_URL: `${origin}/v1`, OPENAI_MODEL: "stub-malformed", AI_MAX_RETRIES: "0" };
    const result = await executeWorker(contentClassifier, withStub, handshake("content-classifier", { articles: ARTICLES, target_topic: "battery storage", ai_providers: "openai,offline" }));
    const out = ok(result);
    expect(out.relevant_count).toBe(2);
    const calls = result.metadata?.ai_calls as { provider: string; error: string | null; usage: { input_tokens: number } }[];
    expect(calls.map((c) => [c.provider, c.error])).toEqual([["openai", "invalid_output"], ["offline", null]]);
    expect(calls[0]!.usage.input_tokens).toBe(22);
    expect(result.ok && result.usage.input_tokens).toBe(22 + calls[1]!.usage.input_tokens);
  });
});

describe("Report Builder", () => {
  const analyzed = ARTICLES.slice(0, 2).map((a, i) => ({ ...a, relevance_score: 0.9 - i * 0.1, quality_score: 0.7, analysis_summary: a.summary, key_points: [a.content.split(". ")[0]!] }));

  it("writes a report with summary, insights, citations, methodology and cost, as JSON, Markdown and HTML", async () => {
    const out = ok(await executeWorker(reportBuilder, env, handshake("report-builder", {
      topic: "battery storage", analyzed_articles: analyzed, costs: { total_micros: 12_500, steps: { librarian: 500, fetcher: 12_000 } },
    })));
    const r = out.report;
    expect(r.citations.map((c: { url: string }) => c.url)).toEqual(["https://example.com/a1", "https://example.com/a2"]);
    expect(r.executive_summary.length).toBeGreaterThan(30);
    expect(r.key_insights.length).toBeGreaterThan(0);
    for (const k of r.key_insights) for (const n of k.citations) expect(n).toBeGreaterThanOrEqual(1);
    expect(r.cost).toEqual({ total_micros: 12_500, by_step: { librarian: 500, fetcher: 12_000 } });
    expect(r.markdown).toMatch(/^# Intelligence report: battery storage/);
    expect(r.markdown).toContain("[Solid-state batteries reach pilot production](https://example.com/a1)");
    expect(r.html).toMatch(/^<!doctype html>/);
    expect(r.html).toContain('<a href="https://example.com/a1" rel="noopener noreferrer">');
  });

  it("cites in order of relevance whatever order the articles came in", async () => {
    const out = ok(await executeWorker(reportBuilder, env, handshake("report-builder", { topic: "battery storage", analyzed_articles: [...analyzed].reverse() })));
    expect(out.report.citations.map((c: { relevance: number }) => c.relevance)).toEqual([0.9, 0.8]);
  });

  it("says each thing once whatever writes it: a model's repeated insight, invented citation, twice-named theme and repeated paragraph are dropped", async () => {
    const model = { ...env, OPENAI_API_KEY: "stub-key", OPENAI_BASE_URL: `${origin}/v1`, OPENAI_MODEL: "stub-report", AI_MAX_RETRIES: "0" };
    const result = await executeWorker(reportBuilder, model, handshake("report-builder", { topic: "battery storage", analyzed_articles: analyzed, ai_providers: "openai" }));
    const r = ok(result).report;
    expect(result.metadata?.engines).toEqual(["openai/stub-report"]);
    expect(r.executive_summary).toBe(analyzed[0]!.analysis_summary);
    expect(r.key_insights).toEqual([{ text: analyzed[1]!.key_points[0], citations: [2] }]);
    expect(r.themes.map((t: { name: string }) => t.name)).toEqual(["Grid storage"]);
  });

  it("escapes article text in HTML and never links a non-http URL", async () => {
    const hostile = [{ ...analyzed[0]!, title: "<script>alert(1)</script> batteries", url: "javascript:alert(1)" }];
    const out = ok(await executeWorker(reportBuilder, env, handshake("report-builder", { topic: "batteries", analyzed_articles: hostile })));
    expect(out.report.html).not.toContain("<script>alert(1)</script>");
    expect(out.report.html).toContain("&lt;script&gt;");
    expect(out.report.html).not.toContain('href="javascript:');
  });

  it("reports honestly on nothing: a short no-coverage report with no invented findings, not ready for a next step", async () => {
    const result = await executeWorker(reportBuilder, env, handshake("report-builder", { topic: "underwater basket weaving", analyzed_articles: [], costs: { total_micros: 900, steps: { fetcher: 900 } } }));
    const out = ok(result);
    expect(out.report.title).toBe("No coverage: underwater basket weaving");
    expect(out.report).toMatchObject({ key_insights: [], themes: [], citations: [], cost: { total_micros: 900 } });
    expect(out.report.executive_summary).toMatch(/no findings/);
    expect(out.report.methodology).toMatch(/Topic Discovery/);
    expect(out.ready_for_next).toBe(false);
  });
});
