import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { executeWorker } from "../../src/workers/harness/execute";
import { topicResearcher } from "../../src/workers/builtin/topic-researcher";
import { handshake, ok, origin, seedWithFeeds } from "./fixtures";

beforeAll(async () => { await seedWithFeeds(); });


describe("Topic Researcher", () => {
  it("discovers a feed through a page's <link rel=alternate>, verifies it and saves it to the catalog once", async () => {
    const first = ok(await executeWorker(topicResearcher, env, handshake("topic-researcher", { topic: "solid-state batteries", depth: 2 })));
    const urls = first.sources.map((s: { url: string }) => s.url);
    expect(urls).toContain(`${origin}/demo/feeds/solid-state-digest.xml`);
    const digest = first.sources.find((s: { url: string }) => s.url.endsWith("solid-state-digest.xml"));
    expect(digest).toMatchObject({ format: "rss2", title: "Solid-State Digest" });
    expect(digest.quality_score).toBeGreaterThanOrEqual(0.6);
    expect(digest.reasoning).toMatch(/verified: rss2 feed with 9 items/);
    // A site with no feed, and unrelated sites, do not make it.
    expect(urls.some((u: string) => /ai-research|sourdough/.test(u))).toBe(false);
    const row = await env.DB.prepare(`SELECT discovered_by, topics FROM rss_sources WHERE url = ?`).bind(digest.url).first<{ discovered_by: string; topics: string }>();
    expect(row?.discovered_by).toBe("topic_researcher");
    expect(JSON.parse(row!.topics)).toContain("solid-state batteries");
    expect(first.saved_to_catalog).toBeGreaterThanOrEqual(1);
    // Found again by a later run: nothing new is saved.
    const again = ok(await executeWorker(topicResearcher, env, handshake("topic-researcher", { topic: "solid-state batteries", depth: 2 })));
    expect(again.saved_to_catalog).toBe(0);
  });

  it("rejects candidates with no feed, and says why", async () => {
    const out = ok(await executeWorker(topicResearcher, env, handshake("topic-researcher", {
      topic: "sourdough bread", depth: 1, directories: [`${origin}/demo/sites/index.html`],
    })));
    expect(out.sources_count).toBe(0);
    expect(out.rejected).toContainEqual({ url: `${origin}/demo/sites/sourdough.html`, reason: expect.stringMatching(/no feed/) });
    expect(out.ready_for_next).toBe(false);
  });

  it("applies the quality bar", async () => {
    const out = ok(await executeWorker(topicResearcher, env, handshake("topic-researcher", { topic: "solid-state batteries", min_quality: 0.99 })));
    expect(out.sources_count).toBe(0);
    expect(out.rejected.some((r: { reason: string }) => /quality .* below 0.99/.test(r.reason))).toBe(true);
  });
});
