import { env } from "cloudflare:workers";
import { inject } from "vitest";
import { seedDevelopment } from "../../src/seed/seed";
import type { Handshake, WorkerResult } from "../../src/workers/contract";
import type { Article } from "../../src/workers/schemas";
import { outline } from "../../src/workers/offline/outline";
import type { Content } from "../../src/workers/structure";
import { writeElement } from "../../src/workers/offline/writer";

/** The stub server (test/node/stub-server.ts): demo feeds, an OpenAI-compatible API, an external worker. */
export const origin = inject("stubOrigin");

let seeded: Promise<unknown> | undefined;
/** Seeds the demo catalog with feed URLs on the stub server, once per file. */
export function seedWithFeeds(): Promise<unknown> {
  seeded ??= seedDevelopment(env, origin, Date.now());
  return seeded;
}

let counter = 0;
/** A handshake for one delivery to a worker (a fresh idempotency key unless one is given). */
export function handshake(worker: string, input: Record<string, unknown>, overrides: Partial<Handshake> = {}): Handshake {
  counter++;
  return {
    pipeline_id: `pip_test_${counter}`, step_id: "s1", attempt: 1, idempotency_key: `pip_test_${counter}:s1:1:${Math.random().toString(36).slice(2)}`,
    worker, client_id: "client_demo_premium", input: input as Handshake["input"], deadline_at: Date.now() + 30_000, ...overrides,
  };
}

/** Three small articles: two on battery storage, one off topic. */
export const ARTICLES: Article[] = [
  {
    id: "a1", title: "Solid-state batteries reach pilot production", url: "https://example.com/a1", canonical_url: "https://example.com/a1",
    source_url: "https://example.com/feed", source_title: "Grid Weekly", published_at: "2026-11-16T08:30:00.000Z", author: "Ada",
    summary: "Solid-state battery pilot lines passed automotive qualification.",
    content: "Three cell makers announced that their solid-state battery pilot lines passed automotive qualification. The cells use sulfide electrolytes and lithium-metal anodes. Engineers caution that dendrite growth at fast-charge rates remains the main obstacle to volume production before 2028.",
    word_count: 45, content_hash: "h1", categories: ["batteries"],
  },
  {
    id: "a2", title: "Grid-scale battery storage doubles", url: "https://example.com/a2", canonical_url: "https://example.com/a2",
    source_url: "https://example.com/feed", source_title: "Grid Weekly", published_at: "2026-11-15T08:30:00.000Z", author: null,
    summary: "Grid-scale storage installations doubled year over year.",
    content: "Grid-scale battery storage installations doubled year over year as lithium iron phosphate prices fell. Utilities now pair storage with solar farms to shift midday output into the evening peak. Sodium-ion batteries are entering grid pilots.",
    word_count: 38, content_hash: "h2", categories: ["grid"],
  },
  {
    id: "a3", title: "A new sourdough starter recipe", url: "https://example.com/a3", canonical_url: "https://example.com/a3",
    source_url: "https://example.com/food", source_title: "Bakery Notes", published_at: null, author: null,
    summary: "Flour, water and patience.",
    content: "Mix equal weights of rye flour and water. Feed the starter daily and keep it warm. After a week the starter doubles within six hours of feeding and is ready to bake bread.",
    word_count: 34, content_hash: "h3", categories: ["baking"],
  },
];

/** A small quiz structure (the offline outline). */
export const QUIZ = outline("rust ownership", "quiz", 1, "general");

/** Written content for a small course, as the generator would hand it on. */
export function smallContent(title = "Rust ownership: a course"): Content {
  const s = { ...outline("rust ownership", "course", 1, "general"), title };
  const elements = s.elements.map((e) => {
    const body = writeElement(e, s);
    return { id: e.id, parent_id: e.parent_id, element_type: e.element_type, sequence_order: e.sequence_order, title: e.title, target_word_count: e.target_word_count, generation_priority: e.generation_priority, body, word_count: body.split(/\s+/).length };
  });
  return { title, topic: s.topic, structure_type: s.structure_type, audience: s.audience, elements, total_words: elements.reduce((n, e) => n + e.word_count, 0), skipped: [] };
}

/** The output of a successful result (fails the test with the worker's error otherwise). */
export function ok(result: WorkerResult): any {
  if (!result.ok) throw new Error(`expected success, got ${JSON.stringify(result.error)}`);
  return result.output;
}
