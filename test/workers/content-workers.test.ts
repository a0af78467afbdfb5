import { env } from "cloudflare:workers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sha256Hex } from "../../src/lib/crypto";
import { contentGenerator } from "../../src/workers/builtin/content-generator";
import { contentGranulator } from "../../src/workers/builtin/content-granulator";
import { contentPackager } from "../../src/workers/builtin/content-packager";
import { executeWorker } from "../../src/workers/harness/execute";
import { StructureTypes } from "../../src/workers/structure";
import { apiKeyHeaders, call } from "../helpers";
import { quiesce } from "../pipeline-helpers";
import { handshake, ok, origin, seedWithFeeds, smallContent } from "./fixtures";
import { doubledWords, repeatedSentences } from "./text-checks";
import { readFeed } from "../../src/net/feeds";

const started = new Set<string>();
beforeAll(async () => { await seedWithFeeds(); });
afterAll(async () => { await quiesce(started); });


describe("Content Granulator", () => {
  it("builds a valid structure of every type, larger with granularity, with word estimates and generation metadata", async () => {
    for (const type of StructureTypes) {
      const small = ok(await executeWorker(contentGranulator, env, handshake("content-granulator", { topic: "rust ownership", structure_type: type, granularity: 1 })));
      const large = ok(await executeWorker(contentGranulator, env, handshake("content-granulator", { topic: "rust ownership", structure_type: type, granularity: 5 })));
      expect(small.validation.passed, type).toBe(true);
      expect(large.summary.total_elements, type).toBeGreaterThan(small.summary.total_elements);
      const est = large.summary.word_count_estimates;
      expect(est.total).toBe(large.structure.elements.reduce((n: number, e: { target_word_count: number }) => n + e.target_word_count, 0));
      expect(est.by_priority.high + est.by_priority.medium + est.by_priority.low).toBe(est.total);
      expect(large.generation_metadata.standard_parameters).toMatchObject({ topic: "rust ownership", structure_type: type, granularity_level: 5 });
      expect(large.ready_for_next).toBe(true);
    }
  });
});

describe("Content Generator", () => {
  // A workflow: written from its outline (a course is written from material; see below).
  const structure = async () => ok(await executeWorker(contentGranulator, env, handshake("content-granulator", { topic: "rust ownership", structure_type: "workflow", granularity: 2 }))).structure;

  it("writes every element to its word target", async () => {
    const out = ok(await executeWorker(contentGenerator, env, handshake("content-generator", { structure: await structure() })));
    expect(out.content.skipped).toEqual([]);
    for (const e of out.content.elements) {
      expect(e.word_count, e.id).toBeGreaterThanOrEqual(e.target_word_count);
      expect(e.word_count, e.id).toBeLessThanOrEqual(e.target_word_count + 60);
    }
    expect(out.words_written).toBe(out.content.total_words);
  });

  it("honours priorities and a word budget, listing what it skipped and why", async () => {
    const s = await structure();
    const high = ok(await executeWorker(contentGenerator, env, handshake("content-generator", { structure: s, priorities: ["high"] })));
    expect(high.content.elements.every((e: { generation_priority: string }) => e.generation_priority === "high")).toBe(true);
    expect(high.content.skipped.length).toBe(s.elements.length - high.content.elements.length);
    const budget = 600;
    const capped = ok(await executeWorker(contentGenerator, env, handshake("content-generator", { structure: s, word_budget: budget })));
    expect(capped.target_words).toBeLessThanOrEqual(budget);
    expect(capped.content.skipped.some((x: { reason: string }) => /word budget of 600/.test(x.reason))).toBe(true);
    // High priority first: whatever was written includes every high element that fits.
    expect(capped.content.elements[0].generation_priority).toBe("high");
  });
});

describe("Content Packager", () => {
  it("packages HTML, Markdown and JSON with sizes and SHA-256 checksums", async () => {
    const out = ok(await executeWorker(contentPackager, env, handshake("content-packager", { content: smallContent() })));
    const p = out.package;
    expect(p.files.map((f: { format: string }) => f.format)).toEqual(["html", "md", "json"]);
    for (const f of p.files) {
      const text = p.documents[f.format];
      expect(f.checksum).toBe(await sha256Hex(text));
      expect(f.size_bytes).toBe(new TextEncoder().encode(text).byteLength);
    }
    expect(p.documents.md).toMatch(/^# Rust ownership: a course\n/);
    expect(p.documents.md).toMatch(/\n## Foundations of rust ownership\n/);
    expect(p.documents.md).toMatch(/\n### Foundations: key ideas\n/);
    expect(JSON.parse(p.documents.json).elements.length).toBe(p.element_count);
    expect(p.documents.html).toContain('<nav><h2>Contents</h2>');
  });

  it("escapes every text in HTML and packages only the formats asked for", async () => {
    const out = ok(await executeWorker(contentPackager, env, handshake("content-packager", { content: smallContent("<img src=x onerror=alert(1)> course"), formats: ["html"] })));
    expect(out.package.documents.html).not.toContain("<img src=x");
    expect(out.package.documents.html).toContain("&lt;img src=x onerror=alert(1)&gt;");
    expect(Object.keys(out.package.documents)).toEqual(["html"]);
  });
});

describe("course builder, end to end on the local stack", () => {
  it("granulates, writes and packages a course", async () => {
    const headers = apiKeyHeaders("premium");
    const start = await call("POST", "/orchestrate", { headers, body: { pipeline_template: "course_builder", topic: "rust ownership" } });
    expect(start.status).toBe(202);
    started.add(start.body.pipeline.id);
    const done = await call("GET", `/pipeline/${start.body.pipeline.id}/result?wait_ms=25000`, { headers });
    expect(done.body.status, JSON.stringify(done.body.reason)).toBe("completed");
    const pkg = done.body.context.package;
    expect(pkg.files.map((f: { name: string }) => f.name)).toEqual(["rust-ownership-course.html", "rust-ownership-course.md", "rust-ownership-course.json"]);
    expect(pkg.total_words).toBeGreaterThan(1_000);
    expect(pkg.documents.html).toContain("<h1>Rust ownership: a course</h1>");
    for (const s of ["librarian", "fetcher", "classifier", "granulator", "generator", "packager"]) expect(done.body.step_costs[s]).toBeGreaterThan(0);

    // Built from the demo feed's articles: every lesson is their own sentences, cited; nothing said twice.
    const content = JSON.parse(pkg.documents.json);
    const lessons = content.elements.filter((e: { element_type: string }) => e.element_type === "lesson");
    expect(lessons.length).toBeGreaterThanOrEqual(4);
    const feed = await (await fetch(`${origin}/demo/feeds/rust-systems.xml`)).text();
    const feedText = readFeed(feed).items.map((i) => `${i.title} ${i.content}`).join(" ");
    for (const l of lessons) {
      expect(l.body, l.title).toMatch(/Source: \[\d+\] \[/);
      for (const p of l.body.split("\n\n").filter((x: string) => !/^(Key points:|- |Source: )/.test(x))) {
        for (const s of p.split(/(?<=[.!?]["”’']?)\s+/)) expect(feedText, `${l.title}: ${s}`).toContain(s);
      }
    }
    expect(content.sources.length).toBeGreaterThanOrEqual(lessons.length);
    expect(repeatedSentences([pkg.documents.md])).toEqual([]);
    expect(doubledWords(pkg.documents.md)).toEqual([]);
    expect(pkg.documents.md).toMatch(/Borrow|borrow/);
  });

  it("delivers the outline alone, marked as an outline, when nothing covers the topic", async () => {
    const headers = apiKeyHeaders("premium");
    const start = await call("POST", "/orchestrate", { headers, body: { pipeline_template: "course_builder", topic: "underwater basket weaving" } });
    started.add(start.body.pipeline.id);
    const done = await call("GET", `/pipeline/${start.body.pipeline.id}/result?wait_ms=25000`, { headers });
    expect(["completed", "partial"]).toContain(done.body.status);
    const pkg = done.body.context.package;
    expect(pkg.documents.md).toMatch(/^# Underwater basket weaving: a course \(outline\)/);
    expect(pkg.documents.md).toContain("This is an outline, not a written course: no source covering 'underwater basket weaving' was found");
    expect(pkg.documents.html).toContain('<p class="notice" role="note"><strong>Outline.</strong>');
    expect(repeatedSentences([pkg.documents.md])).toEqual([]);
    expect(doubledWords(pkg.documents.md)).toEqual([]);
  });
});
