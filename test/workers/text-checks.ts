import { sentences, terms } from "../../src/ai/text";

/** Sentences said more than once across the given texts (normalised: case, spacing, citation marks). */
export function repeatedSentences(texts: readonly string[]): string[] {
  const seen = new Map<string, number>();
  for (const t of texts) {
    for (const s of sentences(t.replace(/\s*\[\d+\]/g, ""))) {
      const key = s.toLowerCase().replace(/[^\p{L}\p{N} ]/gu, "").replace(/\s+/g, " ").trim();
      if (key.split(" ").length < 4) continue;
      seen.set(key, (seen.get(key) ?? 0) + 1);
    }
  }
  return [...seen].filter(([, n]) => n > 1).map(([s]) => s);
}

/** A word written twice in a row ("how how"), outside code. */
export function doubledWords(text: string): string[] {
  return [...text.replace(/`[^`]*`/g, "").matchAll(/\b([\p{L}]{2,})\s+\1\b/giu)].map((m) => m[0]);
}

/** What a reader would object to in a report: repeats, insights that restate the summary, themes that share text or are word fragments. */
export function reportProblems(report: { executive_summary: string; key_insights: { text: string }[]; themes: { name: string; summary: string; citations: number[] }[] }, citedText: (n: number) => string): string[] {
  const problems: string[] = [];
  const all = [report.executive_summary, ...report.key_insights.map((k) => k.text), ...report.themes.map((t) => t.summary)];
  for (const s of repeatedSentences(all)) problems.push(`said twice: ${s}`);
  for (const t of all) for (const d of doubledWords(t)) problems.push(`doubled word: ${d}`);
  const summary = new Set(terms(report.executive_summary));
  for (const k of report.key_insights) {
    const ts = terms(k.text);
    if (ts.length > 0 && ts.filter((t) => summary.has(t)).length / ts.length > 0.8) problems.push(`insight restates the summary: ${k.text}`);
  }
  const names = report.themes.map((t) => t.name.toLowerCase());
  if (new Set(names).size !== names.length) problems.push(`theme names repeat: ${names.join(", ")}`);
  for (const t of report.themes) {
    // A theme's name is a phrase of whole words its cited articles use.
    const pattern = new RegExp(`(^|[^\\p{L}\\p{N}])${t.name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}($|[^\\p{L}\\p{N}])`, "iu");
    if (!t.citations.some((n) => pattern.test(citedText(n)))) problems.push(`theme '${t.name}' is not a phrase its sources use`);
  }
  return problems;
}
