import { wordCount } from "../../ai/text";
import type { Element, Structure } from "../structure";

/**
 * The offline engine's writing: a body for an element, built from its outline and key points
 * with sentence patterns chosen by content type, deterministic per element, and as long as the
 * element's word target (within a sentence). Plain paragraphs and "- " lists (Markdown).
 */

type Pattern = (point: string, ctx: { topic: string; title: string; audience: string }) => string;

const cap = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

const PATTERNS: Record<string, Pattern[]> = {
  instructional: [
    (p, c) => `${cap(p)} sits at the centre of ${c.topic}: it shapes how practitioners reason about everything else in the subject.`,
    (p) => `A good way into ${p} is to start from one concrete case and generalise only once the pattern is clear.`,
    (p, c) => `For ${c.audience}, the useful question about ${p} is what changes in practice when it is done well.`,
    (p) => `Experienced practitioners treat ${p} as a habit rather than a rule, and revisit it whenever the context shifts.`,
    (p) => `When ${p} is misunderstood, the usual symptom is effort spent carefully on the wrong problem.`,
    (p, c) => `Before moving on, write one sentence on what ${p} means for your own work with ${c.topic}.`,
    (p) => `Notice how ${p} connects to what came before: each idea in this part leans on the previous one.`,
  ],
  exercise: [
    (p, c) => `Try this: take a small, real example from ${c.topic} and apply ${p} to it step by step.`,
    (p) => `Write down what you expect to happen before you start, then compare it with what you observe about ${p}.`,
    () => `Work for about twenty minutes; stop early if you are stuck, and note exactly where.`,
    (p) => `Check your result against the key ideas: does your use of ${p} explain the outcome, or did something else?`,
    (p) => `Repeat the exercise with a slightly harder case, changing one thing at a time, and see how ${p} holds up.`,
  ],
  introduction: [
    (_p, c) => `This part of ${c.topic} prepares the ground for what follows: ${c.title.toLowerCase()}.`,
    (p) => `It explains ${p}, with examples chosen to be familiar before they become technical.`,
    (p, c) => `By the end, ${c.audience} should be able to recognise ${p} and say why it matters.`,
    () => `Each lesson ends with a short check, so progress is visible rather than assumed.`,
  ],
  narrative: [
    (p, c) => `The morning the news about ${c.topic} broke, nobody in the workshop spoke for a long minute; ${p} was all anyone could think about.`,
    () => `Lena set down her tools and looked at the others, weighing what she could say without giving too much away.`,
    (p) => `Outside, the wind pushed at the shutters, as if the weather itself had an opinion about ${p}.`,
    () => `"We can still change this," she said at last, though her voice carried less certainty than she wanted.`,
    (p) => `Later she would remember that moment as the point where ${p} stopped being an idea and became a choice.`,
    () => `Nobody answered. Somewhere down the corridor a door closed, and the silence settled back into place.`,
  ],
  procedural: [
    (p, c) => `Purpose: this step covers ${p} for ${c.topic}, so that the next step starts from a known state.`,
    (p) => `Inputs: everything ${p} depends on, gathered and checked before any change is made.`,
    (p) => `Actions: carry out ${p} in small, reversible increments, recording what was done.`,
    (p) => `Done when: the result of ${p} can be verified by someone who did not perform it.`,
    () => `If something goes wrong, stop, record the state, and return to the last verified point.`,
  ],
  explanatory: [
    (p, c) => `${cap(p)} is one of the ideas that give ${c.topic} its shape.`,
    (p) => `In short, ${p} describes a relationship between causes and effects that recurs across the field.`,
    (p, c) => `It connects to several other concepts on this map, and ${c.audience} will meet it again in each of them.`,
    (p) => `A common misconception treats ${p} as fixed; in practice it depends on context and scale.`,
  ],
  relational: [
    (p) => `The link described here, ${p}, explains why a change in one part of the map shows up in another.`,
    () => `Following the link in both directions is a good test of understanding.`,
  ],
  guidance: [
    (p, c) => `This milestone is reached when ${p} is something you can demonstrate in ${c.topic}, not just describe.`,
    (p) => `Plan a few focused sessions a week on ${p}; consistency matters more than length.`,
    (p) => `Keep a short log of what you tried for ${p} and what you learned from it.`,
    () => `Ask for feedback from someone a step ahead of you before moving to the next milestone.`,
  ],
};

/** A small deterministic hash (FNV-1a) to vary pattern choice per element. */
function hash(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

/** A multiple-choice question for an assessment element. */
function question(e: Element, s: Structure): string {
  const aspect = e.key_points[0] ?? "the topic";
  const options = [
    `It is the part of ${s.topic} concerned with ${e.title.split(": ").pop()?.toLowerCase() ?? "this"}`,
    `It applies only to experts and can be ignored by ${s.audience}`,
    `It was replaced long ago and no longer matters`,
    `It is unrelated to ${s.topic}`,
  ];
  const correct = hash(e.id) % 4;
  [options[0], options[correct]] = [options[correct]!, options[0]!];
  return [
    `${e.content_outline}`,
    "",
    `**Question.** Which statement about ${e.title.split(": ").pop()?.toLowerCase() ?? s.topic} is true (${aspect})?`,
    "",
    ...options.map((o, i) => `- ${"ABCD"[i]}. ${o}.`),
    "",
    `**Answer.** ${"ABCD"[correct]}. The other options either narrow ${s.topic} to experts, treat it as obsolete, or detach it from its subject.`,
  ].join("\n");
}

/** Writes an element's body in Markdown, reaching its word target. */
export function writeElement(e: Element, s: Structure): string {
  if (e.content_type === "assessment") return question(e, s);
  const patterns = PATTERNS[e.content_type] ?? PATTERNS.instructional!;
  const points = e.key_points.length > 0 ? e.key_points : [e.title.toLowerCase()];
  const ctx = { topic: s.topic, title: e.title, audience: s.audience };
  const sentences: string[] = [e.content_outline];
  let words = wordCount(e.content_outline);
  const start = hash(e.id);
  for (let i = 0; words < e.target_word_count && i < 400; i++) {
    const sentence = patterns[(start + i) % patterns.length]!(points[i % points.length]!, ctx);
    sentences.push(sentence);
    words += wordCount(sentence);
  }
  const paragraphs: string[] = [];
  for (let i = 0; i < sentences.length; i += 4) paragraphs.push(sentences.slice(i, i + 4).join(" "));
  if (e.content_type === "instructional" || e.content_type === "guidance") paragraphs.push(points.map((p) => `- ${cap(p)}`).join("\n"));
  return paragraphs.join("\n\n");
}
