import { env } from "cloudflare:workers";
import * as v from "valibot";
import { beforeAll, describe, expect, it } from "vitest";
import { WorkerResultSchema, type WorkerResult } from "../../src/workers/contract";
import { executeWorker } from "../../src/workers/harness/execute";
import { WorkerSpecs } from "../../src/workers/specs";
import { ARTICLES, QUIZ, handshake, origin, seedWithFeeds, smallContent } from "./fixtures";

/**
 * One conformance suite for every built-in worker: valid input; each kind of invalid input
 * (a clear fatal error naming the field, so it is never retried); duplicate delivery with the
 * same idempotency key; a deadline that has passed; usage, cost and metadata reported.
 */
const CASES: Record<string, { valid: () => Record<string, unknown>; invalid: { input: Record<string, unknown>; field: string }[] }> = {
  "rss-librarian": {
    valid: () => ({ topic: "energy storage", max_feeds: 5 }),
    invalid: [
      { input: {}, field: "input.topic" },
      { input: { topic: 42 }, field: "input.topic" },
      { input: { topic: "batteries", max_feeds: 0 }, field: "input.max_feeds" },
      { input: { topic: "x" }, field: "input.topic" },
    ],
  },
  "topic-researcher": {
    valid: () => ({ topic: "solid-state batteries", depth: 1 }),
    invalid: [
      { input: {}, field: "input.topic" },
      { input: { topic: "batteries", depth: 9 }, field: "input.depth" },
      { input: { topic: "batteries", directories: ["ftp://example.com/"] }, field: "input.directories[0]" },
    ],
  },
  "feed-fetcher": {
    valid: () => ({ feed_urls: [`${origin}/demo/feeds/energy-storage.xml`], max_articles_per_feed: 3 }),
    invalid: [
      { input: {}, field: "input.feed_urls" },
      { input: { feed_urls: "https://example.com/f" }, field: "input.feed_urls" },
      { input: { feed_urls: ["ftp://example.com/feed"] }, field: "input.feed_urls[0]" },
      { input: { feed_urls: ["https://example.com/f"], max_articles_per_feed: 1.5 }, field: "input.max_articles_per_feed" },
    ],
  },
  "content-classifier": {
    valid: () => ({ articles: ARTICLES, target_topic: "battery storage" }),
    invalid: [
      { input: { target_topic: "batteries" }, field: "input.articles" },
      { input: { articles: ARTICLES, target_topic: "batteries", analysis_depth: "extreme" }, field: "input.analysis_depth" },
      { input: { articles: [{ id: "x" }], target_topic: "batteries" }, field: "input.articles[0]" },
    ],
  },
  "content-granulator": {
    valid: () => ({ topic: "rust ownership", structure_type: "course", granularity: 2 }),
    invalid: [
      { input: {}, field: "input.topic" },
      { input: { topic: "rust", structure_type: "poem" }, field: "input.structure_type" },
      { input: { topic: "rust", granularity: 7 }, field: "input.granularity" },
    ],
  },
  "content-generator": {
    valid: () => ({ structure: QUIZ }),
    invalid: [
      { input: {}, field: "input.structure" },
      { input: { structure: { ...QUIZ, elements: [] } }, field: "input.structure.elements" },
      { input: { structure: QUIZ, priorities: ["urgent"] }, field: "input.priorities[0]" },
    ],
  },
  "content-packager": {
    valid: () => ({ content: smallContent() }),
    invalid: [
      { input: {}, field: "input.content" },
      { input: { content: smallContent(), formats: ["pdf"] }, field: "input.formats[0]" },
    ],
  },
  "report-builder": {
    valid: () => ({ topic: "battery storage", analyzed_articles: ARTICLES.slice(0, 2).map((a) => ({ ...a, relevance_score: 0.8, quality_score: 0.7, analysis_summary: a.summary, key_points: [a.summary] })) }),
    invalid: [
      { input: { analyzed_articles: [] }, field: "input.topic" },
      { input: { topic: "batteries", analyzed_articles: [], report_style: "poem" }, field: "input.report_style" },
    ],
  },
};

beforeAll(async () => { await seedWithFeeds(); });

describe.each([...WorkerSpecs.values()].map((spec) => [spec.def.worker_name, spec] as const))("worker conformance: %s", (name, spec) => {
  const c = CASES[name];

  it("has conformance cases (every built-in worker must)", () => {
    expect(c).toBeDefined();
  });

  it("runs valid input: schema-valid output, usage, cost and the worker chain reported", async () => {
    const result = await executeWorker(spec, env, handshake(name, c!.valid()));
    if (!result.ok) throw new Error(`${name} failed: ${JSON.stringify(result.error)}`);
    expect(v.safeParse(WorkerResultSchema, result).issues).toBeUndefined();
    expect(v.safeParse(spec.output, result.output).success).toBe(true);
    expect(typeof result.output.ready_for_next).toBe("boolean");
    expect(result.cost_micros).toBeGreaterThanOrEqual(spec.def.cost_per_execution_micros);
    expect(Number.isSafeInteger(result.cost_micros)).toBe(true);
    expect(result.usage.input_tokens).toBeGreaterThanOrEqual(0);
    expect(result.usage.output_tokens).toBeGreaterThanOrEqual(0);
    expect(result.duration_ms).toBeGreaterThanOrEqual(0);
    expect(result.metadata).toMatchObject({ worker: name, version: spec.version, worker_chain: { current: name, next: [...spec.next] } });
  });

  it("refuses each kind of invalid input as fatal invalid_input naming the field", async () => {
    for (const bad of c!.invalid) {
      const result = await executeWorker(spec, env, handshake(name, bad.input));
      expect(result.ok, JSON.stringify(bad.input)).toBe(false);
      if (result.ok) continue;
      expect(v.safeParse(WorkerResultSchema, result).issues).toBeUndefined();
      expect(result.error.kind).toBe("fatal");
      expect(result.error.code).toBe("invalid_input");
      expect(result.error.message.startsWith(bad.field), `${result.error.message} should name ${bad.field}`).toBe(true);
      expect(result.cost_micros).toBe(0);
    }
  });

  it("answers a duplicate delivery (same idempotency key) with the first answer, without running again", async () => {
    const hs = handshake(name, c!.valid());
    const first = await executeWorker(spec, env, hs);
    const second = await executeWorker(spec, env, hs);
    expect(first.ok && second.ok).toBe(true);
    expect(second.metadata?.replayed).toBe(true);
    expect(first.metadata?.replayed).toBeUndefined();
    const strip = (r: WorkerResult) => ({ ...r, metadata: undefined });
    expect(strip(second)).toEqual(strip(first));
    // A new key runs again.
    const third = await executeWorker(spec, env, handshake(name, c!.valid()));
    expect(third.metadata?.replayed).toBeUndefined();
  });

  it("fails transiently with timeout when the step's deadline has passed", async () => {
    const result = await executeWorker(spec, env, handshake(name, c!.valid(), { deadline_at: Date.now() - 1 }));
    expect(result).toMatchObject({ ok: false, error: { kind: "transient", code: "timeout" } });
  });

  it("refuses a malformed handshake as fatal invalid_handshake", async () => {
    const result = await executeWorker(spec, env, { ...handshake(name, c!.valid()), idempotency_key: "" });
    expect(result).toMatchObject({ ok: false, error: { kind: "fatal", code: "invalid_handshake" } });
  });
});
