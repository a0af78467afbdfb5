import * as v from "valibot";
import { Bm25, round, terms, topicTerms } from "../ai/text";
import { readJsonColumn } from "./json-columns";

/** A catalog source as matching reads it. */
export interface CatalogRow {
  url: string; domain: string; title: string; description: string; topics: string; quality_score: number; feed_format: "rss2" | "atom" | "rss1" | "unknown";
  discovered_by: "seed" | "topic_researcher" | "admin";
}

/** A catalog source matched to a topic. */
export interface CatalogMatch { row: CatalogRow; relevance: number; exact: boolean; score: number }

/**
 * Catalog sources for a topic, best first (the RSS librarian's rule): BM25 over each source's
 * title, description and topic keywords (keywords counted twice), an exact topic keyword scoring
 * 1; the score is 60 % relevance and 40 % quality; sources under the quality floor or the
 * threshold are left out.
 */
export function matchCatalog(rows: readonly CatalogRow[], topic: string, minQuality: number, threshold: number): CatalogMatch[] {
  const parsed = rows.map((r) => ({ r, topics: readJsonColumn(v.array(v.string()), r.topics, "rss_sources.topics") }));
  const index = new Bm25(parsed.map(({ r, topics }) => `${r.title} ${r.description} ${topics.join(" ")} ${topics.join(" ")}`));
  const query = topicTerms(topic);
  const phrase = terms(topic).join(" ");
  const out: CatalogMatch[] = [];
  parsed.forEach(({ r, topics }, i) => {
    const exact = topics.some((t) => terms(t).join(" ") === phrase);
    const relevance = exact ? 1 : index.relevance(i, query);
    const score = round(0.6 * relevance + 0.4 * r.quality_score);
    if (relevance === 0 || r.quality_score < minQuality || score < threshold) return;
    out.push({ row: r, relevance, exact, score });
  });
  return out.sort((a, b) => b.score - a.score || (a.row.url < b.row.url ? -1 : 1));
}

/** The active catalog (at most 5000 sources, best quality first). */
export async function activeCatalog(db: D1Database): Promise<CatalogRow[]> {
  const { results } = await db.prepare(
    `SELECT url, domain, title, description, topics, quality_score, feed_format, discovered_by FROM rss_sources WHERE is_active = 1 ORDER BY quality_score DESC LIMIT 5000`,
  ).all<CatalogRow>();
  return results;
}

/**
 * The topics the catalog's sources are filed under, the most common first. A source the topic
 * researcher found counts for the topic it was found for, not for the keywords saved with it
 * ("anode", "cells"), which name no topic a client would ask for.
 */
export function catalogTopics(rows: readonly CatalogRow[], limit = 12): string[] {
  const counts = new Map<string, number>();
  for (const r of rows) {
    const topics = readJsonColumn(v.array(v.string()), r.topics, "rss_sources.topics");
    for (const t of r.discovered_by === "topic_researcher" ? topics.slice(0, 1) : topics) counts.set(t, (counts.get(t) ?? 0) + 1);
  }
  return [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, limit).map(([t]) => t);
}

/** What to tell a client whose topic no catalogued source covers, and how to change that. */
export function noCoverageAdvice(topic: string, covered: readonly string[]): string {
  return `No source in the catalog covers '${topic}'. The catalog covers: ${covered.length > 0 ? covered.join(", ") : "nothing yet"}. To add a source, run Topic Discovery for the topic (it verifies feeds from the discovery directories and saves them to the catalog), or ask staff to add a feed.`;
}

/** A template's step as its warnings read it. */
interface StepRow { worker_name: string; input_mapping: string }

/** What a template does when nothing covers its topic, read from its steps' declarations. */
function whenUncovered(steps: readonly StepRow[]): string {
  const mapping = (worker: string) => {
    const step = steps.find((s) => s.worker_name === worker);
    return step ? readJsonColumn(v.record(v.string(), v.string()), step.input_mapping, "pipeline_steps.input_mapping") : {};
  };
  if ("known_sources" in mapping("topic-researcher")) return "The run looks for new sources first and stops there, before anything is fetched, if it finds none; only that search is charged.";
  if (mapping("rss-librarian").when_none === "=stop") return "The run stops after the catalog search, before anything is fetched; only that search is charged.";
  if (steps.some((s) => s.worker_name === "content-granulator")) return "The run looks for new sources first; if it finds none, it delivers the outline alone, marked as one.";
  return "The run may find nothing relevant to work from.";
}

/**
 * Warnings for a run of a template before it starts: a topic no catalogued source covers (at the
 * librarian's defaults), and what the template then does. None for a template that does not read
 * the catalog, or a topic it covers.
 */
export async function runWarnings(db: D1Database, templateName: string, workers: readonly string[], inputs: Record<string, unknown>): Promise<string[]> {
  if (!workers.includes("rss-librarian") || typeof inputs.topic !== "string") return [];
  const rows = await activeCatalog(db);
  if (matchCatalog(rows, inputs.topic, 0.5, 0.3).length > 0) return [];
  const { results } = await db.prepare(`SELECT worker_name, input_mapping FROM pipeline_steps WHERE template_name = ? ORDER BY step_order`).bind(templateName).all<StepRow>();
  return [`${noCoverageAdvice(inputs.topic, catalogTopics(rows))} ${whenUncovered(results)}`];
}
