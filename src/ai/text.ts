import { stemmer } from "stemmer";

/**
 * Deterministic text work for the offline engine and the workers: word tokens with stemming,
 * sentences, BM25 relevance, extractive summaries and key points, and quality heuristics. Pure:
 * no platform API, no clock, no randomness, so the same text always gives the same answer.
 */

/** English function words that carry no topic: left out of relevance and keywords. */
export const STOP_WORDS: ReadonlySet<string> = new Set(("a about above after again against all also am an and any are as at be because been before being below " +
  "between both but by can could did do does doing down during each few for from further had has have having he her here hers " +
  "him his how i if in into is it its itself just me more most my no nor not now of off on once only or other our ours out over " +
  "own same she should so some such than that the their theirs them then there these they this those through to too under until " +
  "up very was we were what when where which while who whom why will with would you your yours new says said year years one two " +
  "first last may might must us via per within without across among around").split(" "));

const WORD = /[\p{L}\p{N}]+(?:['’][\p{L}]+)?/gu;

/** Lower-case word tokens of a text, in order (stop words kept). */
export function words(text: string): string[] {
  return (text.toLowerCase().match(WORD) ?? []).map((w) => w.replace(/['’]s$/, ""));
}

/** Stemmed content terms of a text: stop words and one-letter tokens dropped. */
export function terms(text: string): string[] {
  const out: string[] = [];
  for (const w of words(text)) {
    if (w.length < 2 || STOP_WORDS.has(w)) continue;
    out.push(/^\d+$/.test(w) ? w : stemmer(w));
  }
  return out;
}

/** Sentences of a text: split after . ! ? followed by space and an upper-case letter, digit or quote. */
export function sentences(text: string): string[] {
  return text
    .replace(/\s+/g, " ")
    .split(/(?<=[.!?])\s+(?=["“(\p{Lu}\p{N}])/u)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

/** Term frequencies of a list of terms. */
export function frequencies(list: readonly string[]): Map<string, number> {
  const tf = new Map<string, number>();
  for (const t of list) tf.set(t, (tf.get(t) ?? 0) + 1);
  return tf;
}

/** A BM25 index over a set of documents (k1 = 1.2, b = 0.75, the usual defaults). */
export class Bm25 {
  private readonly docs: Map<string, number>[];
  private readonly lengths: number[];
  private readonly df = new Map<string, number>();
  private readonly avgLength: number;

  constructor(documents: readonly string[], private readonly k1 = 1.2, private readonly b = 0.75) {
    const tokenized = documents.map(terms);
    this.docs = tokenized.map(frequencies);
    this.lengths = tokenized.map((t) => t.length);
    this.avgLength = this.lengths.reduce((a, n) => a + n, 0) / Math.max(1, documents.length) || 1;
    for (const tf of this.docs) for (const t of tf.keys()) this.df.set(t, (this.df.get(t) ?? 0) + 1);
  }

  /** Inverse document frequency (the BM25+ form that never goes negative). */
  idf(term: string): number {
    const n = this.docs.length;
    const df = this.df.get(term) ?? 0;
    return Math.log(1 + (n - df + 0.5) / (df + 0.5));
  }

  /** BM25 score of document `i` for a query. */
  score(i: number, query: readonly string[]): number {
    const tf = this.docs[i]!;
    const len = this.lengths[i]!;
    let score = 0;
    for (const q of new Set(query)) {
      const f = tf.get(q) ?? 0;
      if (f === 0) continue;
      score += this.idf(q) * ((f * (this.k1 + 1)) / (f + this.k1 * (1 - this.b + (this.b * len) / this.avgLength)));
    }
    return score;
  }

  /**
   * Relevance of document `i` to a query in 0..1: how much of the query's weight the document
   * covers (idf-weighted), tempered by how strongly (saturated BM25). A document that mentions
   * every query term often scores near 1; one that mentions none scores 0.
   */
  relevance(i: number, query: readonly string[]): number {
    const distinct = [...new Set(query)];
    if (distinct.length === 0) return 0;
    const tf = this.docs[i]!;
    const weights = distinct.map((q) => Math.max(this.idf(q), 0.1));
    const total = weights.reduce((a, w) => a + w, 0);
    const covered = distinct.reduce((a, q, j) => a + ((tf.get(q) ?? 0) > 0 ? weights[j]! : 0), 0);
    const strength = this.score(i, query);
    return round(0.7 * (covered / total) + 0.3 * (strength / (strength + 2)));
  }

  /** Number of documents indexed. */
  get size(): number {
    return this.docs.length;
  }
}

/** Rounds to three decimals (scores are reported, and compared in tests). */
export function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}

/**
 * The `n` most informative sentences of a text, in their original order: each sentence scores by
 * the weight of its terms in the text (frequency, damped), a bonus for the topic's terms and for
 * coming early, and a penalty when it leans on the sentence before ("It", "This", "They", "But"),
 * as it reads out of context once extracted; near-duplicates are skipped.
 */
export function topSentences(text: string, topic: string, n: number): string[] {
  const list = sentences(text).filter((s) => words(s).length >= 4);
  if (list.length <= n) return list;
  const tf = frequencies(terms(text));
  const topicTerms = new Set(terms(topic));
  const scored = list.map((s, i) => {
    const ts = terms(s);
    if (ts.length === 0) return { s, i, score: 0, ts };
    const weight = ts.reduce((a, t) => a + Math.log(1 + (tf.get(t) ?? 0)), 0) / Math.sqrt(ts.length);
    const onTopic = ts.filter((t) => topicTerms.has(t)).length;
    const leans = i > 0 && LEANS_ON_CONTEXT.test(s) ? 2 : 0;
    return { s, i, score: weight + 1.5 * onTopic + (i === 0 ? 1 : 1 / (1 + i)) - leans, ts };
  });
  const chosen: typeof scored = [];
  for (const c of [...scored].sort((a, b) => b.score - a.score || a.i - b.i)) {
    if (chosen.length >= n) break;
    if (chosen.some((k) => overlap(k.ts, c.ts) > 0.6)) continue;
    chosen.push(c);
  }
  return chosen.sort((a, b) => a.i - b.i).map((c) => c.s);
}

/** The first words of a sentence that refers back to the one before it. */
const LEANS_ON_CONTEXT = /^(?:it|its|this|these|those|that|they|their|them|he|she|his|her|such|but|and|also|however|meanwhile|instead|still)\b/i;

/** Jaccard overlap of two lists (or sets) of terms, ids or anything comparable. */
export function overlap<T>(a: Iterable<T>, b: Iterable<T>): number {
  const x = new Set(a);
  const y = new Set(b);
  if (x.size === 0 && y.size === 0) return 1;
  let both = 0;
  for (const t of x) if (y.has(t)) both++;
  return both / (x.size + y.size - both);
}

/** An extractive summary: the best sentences, at most `maxChars` long. */
export function summarize(text: string, topic: string, maxSentences = 2, maxChars = 400): string {
  const picked = topSentences(text, topic, maxSentences);
  let out = "";
  for (const s of picked) {
    const next = out ? `${out} ${s}` : s;
    if (next.length > maxChars && out) break;
    out = next.length > maxChars ? `${next.slice(0, maxChars - 1).trimEnd()}…` : next;
  }
  return out;
}

/** Longest key point: a sentence up to this long is kept whole. */
const KEY_POINT_CHARS = 240;

/**
 * Key points: distinct statements from the text, whole sentences of at most 240 characters when
 * the text has `n` of them (longer ones are clipped only when it has not).
 */
export function keyPoints(text: string, topic: string, n = 3): string[] {
  const short = sentences(text).filter((s) => s.length <= KEY_POINT_CHARS);
  const source = short.filter((s) => words(s).length >= 4).length >= n ? short.join(" ") : text;
  return topSentences(source, topic, n).map((s) => (s.length > KEY_POINT_CHARS ? `${s.slice(0, KEY_POINT_CHARS - 1).trimEnd()}…` : s));
}

/** The most characteristic terms of a corpus (tf-idf summed over documents), as readable words. */
export function keywords(documents: readonly string[], n: number, exclude: readonly string[] = []): string[] {
  const index = new Bm25(documents);
  const excluded = new Set(exclude.flatMap(terms));
  const weight = new Map<string, number>();
  const surface = new Map<string, Map<string, number>>();
  documents.forEach((doc) => {
    const tf = frequencies(terms(doc));
    for (const [t, f] of tf) if (!excluded.has(t) && !/^\d+$/.test(t)) weight.set(t, (weight.get(t) ?? 0) + (1 + Math.log(f)) * index.idf(t));
    // Remember how each stem is written, to show the commonest spelling.
    for (const w of words(doc)) {
      if (w.length < 3 || STOP_WORDS.has(w)) continue;
      const stem = stemmer(w);
      const forms = surface.get(stem) ?? new Map<string, number>();
      forms.set(w, (forms.get(w) ?? 0) + 1);
      surface.set(stem, forms);
    }
  });
  return [...weight]
    .filter(([t]) => t.length >= 3)
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .slice(0, n)
    .map(([t]) => [...(surface.get(t) ?? new Map([[t, 1]]))].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))[0]![0]);
}

/** What the quality heuristic looks at in an article. */
export interface QualityInput { title: string; text: string; author?: string | null; published?: string | null; url?: string | null }

/**
 * Editorial quality in 0..1 from what can be judged without a model: enough substance (words and
 * sentences), readable sentence length, varied vocabulary, a real title, attribution and a date,
 * and no shouting or click-bait punctuation.
 */
export function quality(a: QualityInput): number {
  const ws = words(a.text);
  const ss = sentences(a.text);
  const n = ws.length;
  const substance = Math.min(1, n / 150);
  const avgSentence = ss.length > 0 ? n / ss.length : 0;
  const readable = avgSentence === 0 ? 0 : avgSentence < 8 ? avgSentence / 8 : avgSentence > 35 ? Math.max(0, 1 - (avgSentence - 35) / 35) : 1;
  const variety = n === 0 ? 0 : Math.min(1, new Set(ws).size / n / 0.5);
  const titleWords = words(a.title).length;
  const title = titleWords >= 4 && titleWords <= 20 ? 1 : titleWords > 0 ? 0.5 : 0;
  const shouting = (a.title.match(/\b[A-Z]{4,}\b/g) ?? []).length + (a.title.match(/[!?]{2,}/g) ?? []).length;
  const attribution = (a.author ? 0.5 : 0) + (a.published ? 0.5 : 0);
  const score = 0.3 * substance + 0.2 * readable + 0.15 * variety + 0.15 * title + 0.2 * attribution - 0.15 * Math.min(2, shouting);
  return round(Math.max(0, Math.min(1, score)));
}

/** Word count of a text. */
export function wordCount(text: string): number {
  return words(text).length;
}

/** The topic's content terms, for matching. */
export function topicTerms(topic: string): string[] {
  return [...new Set(terms(topic))];
}
