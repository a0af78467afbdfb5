import * as v from "valibot";
import type { AiTask } from "../../ai";
import { wordCount } from "../../ai/text";
import { defineWorker } from "../harness/define";
import { entrypointFor } from "../harness/entrypoint";
import { ContentSchema, Priority, StructureSchema, type Element, type Structure, type WrittenElement } from "../structure";
import { writeElement } from "../offline/writer";
import { groundedBody, outlineBody } from "../offline/grounded";
import { SentenceLedger } from "../../ai/themes";
import { AnalyzedArticleSchema, type AnalyzedArticle } from "../schemas";

const Input = v.object({
  structure: StructureSchema,
  /** At most this many words in total: high-priority elements are written first, the rest skipped when it runs out. */
  word_budget: v.optional(v.pipe(v.number(), v.integer(), v.minValue(100), v.maxValue(500_000))),
  priorities: v.optional(v.pipe(v.array(Priority), v.minLength(1)), ["high", "medium", "low"]),
  batch_size: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(20)), 8),
  /** The material the structure was built from (its `sources` number them in this order): lessons are written from it. */
  articles: v.optional(v.pipe(v.array(AnalyzedArticleSchema), v.maxLength(200))),
});

const Output = v.object({ content: ContentSchema, elements_written: v.number(), words_written: v.number(), target_words: v.number() });

const Bodies = v.object({ elements: v.array(v.object({ id: v.string(), body: v.pipe(v.string(), v.minLength(1), v.maxLength(40_000)) })) });
type Bodies = v.InferOutput<typeof Bodies>;

const RANK: Record<string, number> = { high: 0, medium: 1, low: 2 };

/**
 * The offline body of an element: an outline-only structure gets its outline and nothing more;
 * an element built from sources is written from them (extractive, cited, no sentence twice in the
 * course); anything else from its outline and key points.
 */
function offlineBody(e: Element, s: Structure, byRef: ReadonlyMap<number, AnalyzedArticle>, ledger: SentenceLedger): string {
  if (s.outline_only) return outlineBody(e);
  return groundedBody(e, s, byRef, ledger) ?? writeElement(e, s);
}

function writeTask(batch: readonly Element[], s: Structure, byRef: ReadonlyMap<number, AnalyzedArticle>, ledger: SentenceLedger): AiTask<Bodies> {
  const excerpt = (e: Element) => (e.source_refs ?? []).flatMap((n) => { const a = byRef.get(n); return a ? [{ n, title: a.title, text: (a.content || a.summary).slice(0, 3_000) }] : []; });
  return {
    name: "write_elements",
    system: `You write ${s.structure_type.replace("_", " ")} content for ${s.audience}. For each element, write its body in Markdown (paragraphs and "- " lists only), close to its target word count, covering its outline and key points. When an element lists sources, write only what they say and cite them as [n].`,
    prompt: `Topic: ${s.topic}\nTitle: ${s.title}\n\nElements:\n${JSON.stringify(batch.map((e) => ({ id: e.id, type: e.element_type, title: e.title, outline: e.content_outline, key_points: e.key_points, target_words: e.target_word_count, sources: excerpt(e) })))}`,
    schema: Bodies,
    offline: () => ({ elements: batch.map((e) => ({ id: e.id, body: offlineBody(e, s, byRef, ledger) })) }),
    maxOutputTokens: Math.round(batch.reduce((n, e) => n + e.target_word_count, 0) * 1.6) + 200,
  };
}

/**
 * Content Generator: a body for every element of a structure through the AI chain, in batches,
 * honouring priorities (only the listed ones, high first) and word targets; with a word budget,
 * what does not fit is skipped and listed with the reason. An element a model leaves out is
 * written offline.
 */
export const contentGenerator = defineWorker({
  def: {
    worker_name: "content-generator", display_name: "Content Generator", binding: "ContentGenerator",
    description: "Content for every element of a structure, honouring priorities and word targets.",
    input_format: "Structure", output_format: "GeneratedContent", capabilities: ["generation", "ai"],
    cost_per_execution_micros: 40_000, avg_execution_time_ms: 20_000, max_concurrent: 4, queue_limit: 200, lease_ttl_ms: 300_000, timeout_ms: 300_000,
  },
  version: "1.0.0",
  input: Input,
  output: Output,
  next: ["content-packager"],
  templates: [
    { name: "complete", description: "Every element.", parameters: {} },
    { name: "essentials", description: "High-priority elements only.", parameters: { priorities: ["high"] } },
  ],
  capabilities: { batched: true, priorities: ["high", "medium", "low"], word_budget: true },
  unit: "elements",
  estimate: (input) => {
    const words = input.structure.elements.filter((e) => input.priorities.includes(e.generation_priority)).reduce((n, e) => n + e.target_word_count, 0);
    const capped = Math.min(words, input.word_budget ?? words);
    return { units: input.structure.elements.length, ai_input_tokens: 150 * input.structure.elements.length, ai_output_tokens: Math.round(capped * 1.35), duration_ms: 300 + Math.round(capped / 10) };
  },
  readyForNext: (output) => output.elements_written > 0,
  async run(ctx, input) {
    const s = input.structure;
    const skipped: { id: string; title: string; reason: string }[] = [];
    const chosen: Element[] = [];
    let planned = 0;
    for (const e of [...s.elements].sort((a, b) => RANK[a.generation_priority]! - RANK[b.generation_priority]! || s.elements.indexOf(a) - s.elements.indexOf(b))) {
      if (!input.priorities.includes(e.generation_priority)) { skipped.push({ id: e.id, title: e.title, reason: `priority ${e.generation_priority} not requested` }); continue; }
      if (input.word_budget !== undefined && planned + e.target_word_count > input.word_budget) { skipped.push({ id: e.id, title: e.title, reason: `word budget of ${input.word_budget} reached` }); continue; }
      planned += e.target_word_count;
      chosen.push(e);
    }
    const byRef = new Map((input.articles ?? []).map((a, i) => [i + 1, a] as const));
    // One ledger for the whole course: no sentence is written twice, across batches too.
    const ledger = new SentenceLedger();
    const bodies = new Map<string, string>();
    let offlineFilled = 0;
    for (let i = 0; i < chosen.length; i += input.batch_size) {
      const batch = chosen.slice(i, i + input.batch_size);
      ctx.progress(i, chosen.length, `writing elements ${i + 1}-${i + batch.length} of ${chosen.length}`);
      const answer = await ctx.ai.run(writeTask(batch, s, byRef, ledger), ctx.signal);
      const byId = new Map(answer.elements.map((x) => [x.id, x.body]));
      for (const e of batch) {
        const body = byId.get(e.id);
        if (body === undefined) offlineFilled++;
        bodies.set(e.id, body ?? offlineBody(e, s, byRef, ledger));
      }
    }
    const elements: WrittenElement[] = s.elements.filter((e) => bodies.has(e.id)).map((e) => {
      const body = bodies.get(e.id)!;
      return { id: e.id, parent_id: e.parent_id, element_type: e.element_type, sequence_order: e.sequence_order, title: e.title, target_word_count: e.target_word_count, generation_priority: e.generation_priority, ...(e.source_refs ? { source_refs: e.source_refs } : {}), body, word_count: wordCount(body) };
    });
    if (offlineFilled > 0) ctx.note({ elements_written_offline: offlineFilled });
    const total = elements.reduce((n, e) => n + e.word_count, 0);
    return {
      content: {
        title: s.title, topic: s.topic, structure_type: s.structure_type, audience: s.audience, elements, total_words: total, skipped,
        ...(s.sources ? { sources: s.sources } : {}), ...(s.outline_only ? { outline_only: true } : {}),
      },
      elements_written: elements.length, words_written: total, target_words: planned,
    };
  },
});

/** The Content Generator's named entrypoint: this script exports it as `ContentGenerator`, and a PipelineActor calls it over RPC (`ctx.exports.ContentGenerator`). */
export class ContentGenerator extends entrypointFor(contentGenerator) {}
