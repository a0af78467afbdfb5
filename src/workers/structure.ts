import * as v from "valibot";

/** What the granulator can build. */
export const StructureTypes = ["course", "quiz", "novel", "workflow", "knowledge_map", "learning_path"] as const;
export type StructureType = (typeof StructureTypes)[number];

/** How much an element matters when the word budget is short. */
export const Priority = v.picklist(["high", "medium", "low"]);
export type Priority = v.InferOutput<typeof Priority>;

/** One element of a structure (a module, lesson, question, chapter, scene, step, concept, milestone). */
export const ElementSchema = v.object({
  id: v.pipe(v.string(), v.regex(/^e\d{1,4}$/)),
  parent_id: v.nullable(v.string()),
  element_type: v.string(),
  sequence_order: v.pipe(v.number(), v.integer(), v.minValue(1)),
  title: v.pipe(v.string(), v.minLength(1), v.maxLength(200)),
  content_outline: v.pipe(v.string(), v.maxLength(1_000)),
  key_points: v.array(v.pipe(v.string(), v.maxLength(300))),
  target_word_count: v.pipe(v.number(), v.integer(), v.minValue(10), v.maxValue(5_000)),
  content_type: v.string(),
  generation_priority: Priority,
  /** The numbers of the course's sources (`sources`) this element is written from. */
  source_refs: v.optional(v.array(v.pipe(v.number(), v.integer(), v.minValue(1)))),
});
export type Element = v.InferOutput<typeof ElementSchema>;

/** A source a course is built from. */
export const SourceRefSchema = v.object({ n: v.pipe(v.number(), v.integer(), v.minValue(1)), title: v.string(), url: v.nullable(v.string()) });
export type SourceRef = v.InferOutput<typeof SourceRefSchema>;

/** What a structure and the content written from it both say about themselves. */
const Heading = {
  title: v.string(),
  topic: v.string(),
  structure_type: v.picklist(StructureTypes),
  audience: v.string(),
  /** The articles the content is built from, numbered as `source_refs` cite them. */
  sources: v.optional(v.array(SourceRefSchema)),
  /** True when no material covered the topic: the structure is delivered as an outline, nothing written. */
  outline_only: v.optional(v.boolean()),
};

/** A structure as the granulator hands it to the generator. */
export const StructureSchema = v.object({
  ...Heading,
  elements: v.pipe(v.array(ElementSchema), v.minLength(1), v.maxLength(500)),
});
export type Structure = v.InferOutput<typeof StructureSchema>;

/** An element with its written body (Markdown). */
export const WrittenElementSchema = v.object({
  ...v.pick(ElementSchema, ["id", "parent_id", "element_type", "sequence_order", "title", "target_word_count", "generation_priority", "source_refs"]).entries,
  body: v.string(),
  word_count: v.pipe(v.number(), v.integer(), v.minValue(0)),
});
export type WrittenElement = v.InferOutput<typeof WrittenElementSchema>;

/** Generated content as the generator hands it to the packager. */
export const ContentSchema = v.object({
  ...Heading,
  elements: v.array(WrittenElementSchema),
  total_words: v.number(),
  skipped: v.array(v.object({ id: v.string(), title: v.string(), reason: v.string() })),
});
export type Content = v.InferOutput<typeof ContentSchema>;
