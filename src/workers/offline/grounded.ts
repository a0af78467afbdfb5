import { findThemes, SentenceLedger, sentenceCase } from "../../ai/themes";
import { sentences, topSentences, wordCount, words } from "../../ai/text";
import type { AnalyzedArticle } from "../schemas";
import type { Element, SourceRef, Structure } from "../structure";

/**
 * The offline engine's course from material: modules are themes several fetched articles share
 * (ai/themes.ts), lessons are those articles, and every lesson is written from its article's own
 * sentences (extractive) and cites it. Nothing is invented and no sentence is used twice. With
 * too little material the granulator marks the structure `outline_only`, and `outlineBody` writes it.
 */

/** The least material a course is written from. */
export const MIN_ARTICLES = 2;

/** Words per lesson by granularity (1 = short, 5 = long). */
const LESSON_WORDS = [0, 120, 160, 220, 280, 340];

/** The sources of a course, numbered in order of relevance. */
export function sourcesOf(articles: readonly AnalyzedArticle[]): SourceRef[] {
  return articles.map((a, i) => ({ n: i + 1, title: a.title, url: a.url }));
}

/** A course structure from articles (best first): one module per theme, the articles left over in a last module. */
export function groundedCourse(topic: string, articles: readonly AnalyzedArticle[], granularity: number, audience: string): Structure {
  const g = Math.min(5, Math.max(1, Math.round(granularity)));
  const perModule = Math.max(2, g);
  const themes = findThemes(articles.map((a) => ({ title: a.title, text: a.content || a.summary })), topic, g + 1);
  const used = new Set<number>();
  const modules: { name: string; docs: number[] }[] = [];
  for (const t of themes) {
    const docs = t.docs.filter((i) => !used.has(i)).slice(0, perModule);
    if (docs.length === 0) continue;
    docs.forEach((i) => used.add(i));
    modules.push({ name: t.name, docs });
  }
  const rest = articles.map((_, i) => i).filter((i) => !used.has(i)).slice(0, perModule);
  if (rest.length > 0) modules.push({ name: modules.length === 0 ? sentenceCase(topic) : `More on ${topic}`, docs: rest });
  const elements: Element[] = [];
  modules.forEach((m, mi) => {
    const id = `e${elements.length + 1}`;
    const lessons = m.docs.map((i) => articles[i]!);
    elements.push({
      id, parent_id: null, element_type: "module", sequence_order: mi + 1, title: `Module ${mi + 1}: ${m.name}`,
      content_outline: `Lessons: ${lessons.map((a) => a.title).join("; ")}.`.slice(0, 1_000),
      key_points: lessons.map((a) => a.title.slice(0, 300)), target_word_count: 60, content_type: "introduction",
      generation_priority: mi < 2 ? "high" : "medium", source_refs: m.docs.map((i) => i + 1),
    });
    m.docs.forEach((i, li) => {
      const a = articles[i]!;
      elements.push({
        id: `e${elements.length + 1}`, parent_id: id, element_type: "lesson", sequence_order: li + 1, title: a.title.slice(0, 200),
        content_outline: (a.analysis_summary || a.summary).slice(0, 1_000), key_points: a.key_points.map((k) => k.slice(0, 300)),
        target_word_count: LESSON_WORDS[g]!, content_type: "instructional", generation_priority: li === 0 ? "high" : "medium", source_refs: [i + 1],
      });
    });
  });
  return { title: `${sentenceCase(topic)}: a course`, topic, structure_type: "course", audience, elements, sources: sourcesOf(articles) };
}

/**
 * Writes grounded bodies, one course at a time: a lesson is its article's sentences in their order
 * (those of five words or more, not used yet), up to the word target, with the source cited; a
 * module introduces its lessons with each one's most informative sentence. `ledger` is shared by
 * the whole course.
 */
export function groundedBody(e: Element, s: Structure, articlesByRef: ReadonlyMap<number, AnalyzedArticle>, ledger: SentenceLedger): string | null {
  const refs = e.source_refs ?? [];
  if (refs.length === 0) return null;
  if (e.element_type === "module") {
    const lines = refs.flatMap((n) => {
      const a = articlesByRef.get(n);
      const first = a ? topSentences(a.content || a.summary, s.topic, 2).find((x) => ledger.take(x)) : undefined;
      return a ? [`- **${a.title}** [${n}]${first ? `: ${first}` : ""}`] : [];
    });
    return lines.length > 0 ? `This module reads ${lines.length} source${lines.length === 1 ? "" : "s"}:\n\n${lines.join("\n")}` : null;
  }
  const n = refs[0]!;
  const a = articlesByRef.get(n);
  if (!a) return null;
  const text = a.content || a.summary;
  const chosen: string[] = [];
  let count = 0;
  for (const x of sentences(text)) {
    if (count >= e.target_word_count) break;
    if (words(x).length < 5 || !ledger.take(x)) continue;
    chosen.push(x);
    count += wordCount(x);
  }
  if (chosen.length === 0) return null;
  const paragraphs: string[] = [];
  for (let i = 0; i < chosen.length; i += 3) paragraphs.push(chosen.slice(i, i + 3).join(" "));
  const points = a.key_points.filter((k) => !chosen.includes(k) && ledger.take(k)).slice(0, 3);
  if (points.length > 0) paragraphs.push(`Key points:\n\n${points.map((k) => `- ${k}`).join("\n")}`);
  paragraphs.push(`Source: [${n}] ${a.url ? `[${a.title}](${a.url})` : a.title}${a.source_title ? `, ${a.source_title}` : ""}.`);
  return paragraphs.join("\n\n");
}

/** An outline-only body: what the element would cover, nothing written. */
export function outlineBody(e: Element): string {
  const points = e.key_points.length > 0 ? `\n\n${e.key_points.map((k) => `- ${sentenceCase(k)}`).join("\n")}` : "";
  return `*Outline.* ${e.content_outline}${points}`;
}
