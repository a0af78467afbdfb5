import * as v from "valibot";
import type { AiTask } from "../../ai";
import { round } from "../../ai/text";
import { defineWorker } from "../harness/define";
import { entrypointFor } from "../harness/entrypoint";
import { fatal } from "../harness/errors";
import { outline } from "../offline/outline";
import { ElementSchema, StructureSchema, StructureTypes, type Structure } from "../structure";
import { AnalyzedArticleSchema, Topic, type AnalyzedArticle } from "../schemas";
import { groundedCourse, MIN_ARTICLES, sourcesOf } from "../offline/grounded";

const Input = v.object({
  topic: Topic,
  structure_type: v.optional(v.picklist(StructureTypes), "course"),
  granularity: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(5)), 3),
  audience: v.optional(v.pipe(v.string(), v.trim(), v.minLength(2), v.maxLength(100)), "general"),
  /**
   * Material fetched for the topic (the classifier's articles, best first). A course is built from
   * it; given and too thin (fewer than 2 articles), the structure is marked an outline.
   */
  articles: v.optional(v.pipe(v.array(AnalyzedArticleSchema), v.maxLength(200))),
});

const Counts = v.object({ high: v.number(), medium: v.number(), low: v.number() });
const Output = v.object({
  topic: v.string(),
  structure_type: v.picklist(StructureTypes),
  structure: StructureSchema,
  summary: v.object({
    total_elements: v.number(),
    by_type: v.record(v.string(), v.number()),
    word_count_estimates: v.object({ total: v.number(), by_section: v.record(v.string(), v.number()), by_priority: Counts }),
  }),
  quality_score: v.number(),
  validation: v.object({ accuracy_percentage: v.number(), passed: v.boolean(), problems: v.array(v.string()) }),
  /** The seed's content-generation metadata, for the generator. */
  generation_metadata: v.object({
    standard_parameters: v.object({ topic: v.string(), structure_type: v.string(), granularity_level: v.number(), target_audience: v.string(), language: v.string() }),
    generation_strategy: v.object({ approach: v.string(), parallelizable: v.boolean(), batch_size: v.number(), top_level_elements: v.number() }),
    content_specs: v.object({ content_types: v.array(v.string()), required_sections: v.array(v.string()), optional_sections: v.array(v.string()) }),
    resource_estimates: v.object({ estimated_words: v.number(), estimated_tokens: v.number(), storage_required: v.string() }),
  }),
});

/** What a model answers: the structure's title and elements. */
const Outline = v.object({
  title: v.pipe(v.string(), v.minLength(1), v.maxLength(200)),
  elements: v.pipe(v.array(ElementSchema), v.minLength(1), v.maxLength(500)),
  outline_only: v.optional(v.boolean()),
});

/**
 * The offline structure: a course from the material when there is enough (grounded.ts); else the
 * deterministic outline, marked outline-only when material was asked for (or a course was) and
 * too little came, so nothing is written from a template.
 */
function offlineOutline(topic: string, type: Structure["structure_type"], granularity: number, audience: string, articles: readonly AnalyzedArticle[] | undefined): v.InferOutput<typeof Outline> {
  if (type === "course" && articles && articles.length >= MIN_ARTICLES) {
    const s = groundedCourse(topic, articles, granularity, audience);
    return { title: s.title, elements: s.elements };
  }
  const s = outline(topic, type, granularity, audience);
  return { title: s.title, elements: s.elements, outline_only: articles !== undefined || type === "course" };
}

function outlineTask(topic: string, type: Structure["structure_type"], granularity: number, audience: string, articles: readonly AnalyzedArticle[] | undefined): AiTask<v.InferOutput<typeof Outline>> {
  const material = articles && articles.length > 0
    ? `\n\nBuild it from these numbered sources (cite them in each element's source_refs):\n${JSON.stringify(articles.slice(0, 30).map((a, i) => ({ n: i + 1, title: a.title, summary: a.analysis_summary || a.summary, key_points: a.key_points })))}`
    : "";
  return {
    name: "outline_structure",
    system: "You design learning and content structures. Produce a hierarchical structure of elements (ids e1, e2, ...; parent_id referring to an earlier element or null), each with a title, an outline, key points, a target word count, a content type, a generation priority (high, medium, low) and, when sources are given, source_refs (the numbers of the sources it draws on).",
    prompt: `Topic: ${topic}\nStructure type: ${type}\nGranularity (1 outline .. 5 fine-grained): ${granularity}\nAudience: ${audience}${material}`,
    schema: Outline,
    offline: () => offlineOutline(topic, type, granularity, audience, articles),
    maxOutputTokens: 4_000,
  };
}

/** Checks a structure: unique ids, parents that exist and come first, sane targets. */
function validate(s: Structure): { accuracy_percentage: number; passed: boolean; problems: string[] } {
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const e of s.elements) {
    if (seen.has(e.id)) problems.push(`duplicate id ${e.id}`);
    if (e.parent_id !== null && !seen.has(e.parent_id)) problems.push(`${e.id}: parent ${e.parent_id} is not an earlier element`);
    if (e.title.trim().length === 0) problems.push(`${e.id}: empty title`);
    seen.add(e.id);
  }
  const titles = new Set(s.elements.map((e) => e.title.toLowerCase()));
  if (titles.size < s.elements.length) problems.push(`${s.elements.length - titles.size} repeated titles`);
  const accuracy = Math.max(0, Math.round(100 * (1 - problems.length / s.elements.length)));
  return { accuracy_percentage: accuracy, passed: problems.length === 0, problems: problems.slice(0, 20) };
}

/**
 * Content Granulator (seed 003's pattern worker): topic and structure type (course, quiz, novel,
 * workflow, knowledge map, learning path) to a structure of elements with outlines, key points,
 * word targets and priorities, plus the seed's word-count estimates and generation metadata for
 * the generator. The structure comes from the AI chain (offline: a deterministic outline sized by
 * granularity) and is validated; a structure with broken references is refused (fatal).
 */
export const contentGranulator = defineWorker({
  def: {
    worker_name: "content-granulator", display_name: "Content Granulator", binding: "ContentGranulator",
    description: "A structure (course, quiz, novel, workflow, knowledge map, learning path) with elements and word targets.",
    input_format: "GranulationInput", output_format: "Structure", capabilities: ["structuring", "ai"],
    cost_per_execution_micros: 15_000, avg_execution_time_ms: 6_000, max_concurrent: 4, queue_limit: 200, lease_ttl_ms: 120_000, timeout_ms: 120_000,
  },
  version: "1.0.0",
  input: Input,
  output: Output,
  next: ["content-generator", "content-packager"],
  templates: StructureTypes.map((t) => ({ name: t, description: `A ${t.replace("_", " ")} structure.`, parameters: { structure_type: t, granularity: 3 } })),
  capabilities: { structure_types: [...StructureTypes], granularity: "1-5", validation: true },
  unit: "granularity",
  estimate: (input) => ({ units: input.granularity, ai_input_tokens: 250, ai_output_tokens: 300 * (input.granularity + 1) * 2, duration_ms: 500 }),
  readyForNext: (output) => output.validation.passed,
  async run(ctx, input) {
    const articles = input.articles?.filter((a) => a.content.length > 0 || a.summary.length > 0);
    const answer = await ctx.ai.run(outlineTask(input.topic, input.structure_type, input.granularity, input.audience, articles), ctx.signal);
    const structure: Structure = {
      title: answer.title, topic: input.topic, structure_type: input.structure_type, audience: input.audience, elements: answer.elements,
      ...(articles && articles.length > 0 ? { sources: sourcesOf(articles) } : {}),
      ...(answer.outline_only ? { outline_only: true, title: `${answer.title} (outline)` } : {}),
    };
    if (answer.outline_only) ctx.note({ outline_only: articles && articles.length > 0 ? "too little material" : "no material" });
    const validation = validate(structure);
    if (validation.accuracy_percentage < 80) throw fatal("invalid_structure", `the structure for '${input.topic}' is not usable: ${validation.problems.slice(0, 3).join("; ")}`);
    const bySection: Record<string, number> = {};
    const byType: Record<string, number> = {};
    const byPriority = { high: 0, medium: 0, low: 0 };
    for (const e of structure.elements) {
      bySection[e.content_type] = (bySection[e.content_type] ?? 0) + e.target_word_count;
      byType[e.element_type] = (byType[e.element_type] ?? 0) + 1;
      byPriority[e.generation_priority] += e.target_word_count;
    }
    const total = structure.elements.reduce((s, e) => s + e.target_word_count, 0);
    const roots = structure.elements.filter((e) => e.parent_id === null).length;
    return {
      topic: input.topic, structure_type: input.structure_type, structure,
      summary: { total_elements: structure.elements.length, by_type: byType, word_count_estimates: { total, by_section: bySection, by_priority: byPriority } },
      quality_score: round(validation.accuracy_percentage / 100 * (structure.elements.length >= 3 ? 1 : 0.7)),
      validation,
      generation_metadata: {
        standard_parameters: { topic: input.topic, structure_type: input.structure_type, granularity_level: input.granularity, target_audience: input.audience, language: "en" },
        generation_strategy: { approach: "hierarchical", parallelizable: true, batch_size: 8, top_level_elements: roots },
        content_specs: {
          content_types: Object.keys(bySection),
          required_sections: structure.elements.filter((e) => e.generation_priority === "high").map((e) => e.id),
          optional_sections: structure.elements.filter((e) => e.generation_priority === "low").map((e) => e.id),
        },
        resource_estimates: { estimated_words: total, estimated_tokens: Math.round(total * 1.35), storage_required: total > 20_000 ? "large" : total > 5_000 ? "medium" : "small" },
      },
    };
  },
});

/** The Content Granulator's named entrypoint: this script exports it as `ContentGranulator`, and a PipelineActor calls it over RPC (`ctx.exports.ContentGranulator`). */
export class ContentGranulator extends entrypointFor(contentGranulator) {}
