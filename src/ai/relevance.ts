import { frequencies, round, sentences, terms, words } from "./text";

/**
 * Relevance of a set of documents to a topic, for the offline classifier. Plain keyword counting
 * ranks "near misses" (a solid-state *drive* for "solid-state batteries", a heat *wave* for "heat
 * pumps") as high as the real thing, so the score combines four kinds of evidence:
 *
 * 1. **Coverage:** how much of the topic's weight (idf) the document mentions at all.
 * 2. **Phrase and proximity:** the topic's terms in order and adjacent ("solid-state batteries",
 *    also its initialism, "AI" for "artificial intelligence"), else how close together they come.
 * 3. **Fields:** a match in the title counts more than one in the lead, which counts more than one
 *    deep in the body (BM25F-style weights).
 * 4. **Expansion from the candidates themselves** (pseudo-relevance feedback): the documents that
 *    match the topic best are read for the terms they share and the collection otherwise lacks
 *    ("electrolyte", "anode", "cathode" for batteries); every document is then also scored by how
 *    much of that vocabulary it uses. A near miss shares the topic's words but not its vocabulary.
 *
 * Pure and deterministic: the same documents and topic always give the same scores.
 */

/** A document as the ranker reads it. */
export interface RankDoc { title: string; body: string; categories?: readonly string[] }

/** Field weights: a title match is worth three body matches, a lead match one and a half. */
const W_TITLE = 3;
const W_LEAD = 1.5;
const W_BODY = 1;
const K1 = 1.2;
const B = 0.75;
/** Feedback documents read for the topic's vocabulary: at most, and at least (fewer: no expansion). */
const FEEDBACK_MAX = 10;
const FEEDBACK_MIN = 3;
/** Feedback documents of the later rounds, read from the combined ranking. */
const FEEDBACK_NEXT = 8;

interface Fields { title: string[]; lead: string[]; body: string[]; all: Set<string> }

function fieldsOf(d: RankDoc): Fields {
  const title = terms(`${d.title} ${(d.categories ?? []).join(" ")}`);
  const body = terms(d.body);
  const lead = terms(sentences(d.body).slice(0, 2).join(" "));
  return { title, lead, body, all: new Set([...title, ...body]) };
}

/** Occurrences of `phrase` (a term sequence) in `seq`. */
function phraseCount(seq: readonly string[], phrase: readonly string[]): number {
  if (phrase.length === 0) return 0;
  let n = 0;
  outer: for (let i = 0; i + phrase.length <= seq.length; i++) {
    for (let j = 0; j < phrase.length; j++) if (seq[i + j] !== phrase[j]) continue outer;
    n++;
  }
  return n;
}

/** The shortest window of `seq` holding every query term, as query size / window (1 = adjacent), or 0. */
function proximity(seq: readonly string[], query: readonly string[]): number {
  if (query.length <= 1) return query.length === 1 && seq.includes(query[0]!) ? 1 : 0;
  const need = new Set(query);
  const counts = new Map<string, number>();
  let have = 0;
  let best = Infinity;
  let left = 0;
  for (let right = 0; right < seq.length; right++) {
    const t = seq[right]!;
    if (!need.has(t)) continue;
    counts.set(t, (counts.get(t) ?? 0) + 1);
    if (counts.get(t) === 1) have++;
    while (have === need.size) {
      best = Math.min(best, right - left + 1);
      const l = seq[left]!;
      if (need.has(l)) {
        counts.set(l, counts.get(l)! - 1);
        if (counts.get(l) === 0) have--;
      }
      left++;
    }
  }
  return best === Infinity ? 0 : need.size / best;
}

/** The topic's initialism as a word ("ai" for "artificial intelligence", "llm" for "large language models"), when it has 2-5 content words. */
function initialism(topic: string): string[] {
  const ws = words(topic).filter((w) => w.length > 2);
  if (ws.length < 2 || ws.length > 5) return [];
  const short = ws.map((w) => w[0]).join("");
  return [short, `${short}s`];
}

/** Saturates a non-negative count: 0 -> 0, 1 -> 0.5, 3 -> 0.75. */
const sat = (x: number, half = 1) => x / (x + half);

/**
 * Scores every document's relevance to `topic` in 0..1 (three decimals). The scores depend on
 * the whole set (idf and expansion are read from it), so score a set at once.
 */
export function rankRelevance(docs: readonly RankDoc[], topic: string): number[] {
  const query = [...new Set(terms(topic))];
  if (query.length === 0 || docs.length === 0) return docs.map(() => 0);
  const fields = docs.map(fieldsOf);
  const n = docs.length;
  const df = new Map<string, number>();
  for (const f of fields) for (const t of f.all) df.set(t, (df.get(t) ?? 0) + 1);
  const idf = (t: string) => Math.log(1 + (n - (df.get(t) ?? 0) + 0.5) / ((df.get(t) ?? 0) + 0.5));
  const avgLen = fields.reduce((a, f) => a + f.body.length, 0) / n || 1;
  const qWeights = query.map((q) => Math.max(idf(q), 0.1));
  const qTotal = qWeights.reduce((a, w) => a + w, 0);
  const short = new Set(initialism(topic));

  // First pass: coverage, phrase and proximity, field-weighted BM25.
  const first = fields.map((f, i) => {
    const tfTitle = frequencies(f.title);
    const tfLead = frequencies(f.lead);
    const tfBody = frequencies(f.body);
    let bm = 0;
    let covered = 0;
    let coveredUp = 0;
    query.forEach((q, j) => {
      const tf = W_TITLE * (tfTitle.get(q) ?? 0) + W_LEAD * (tfLead.get(q) ?? 0) + W_BODY * (tfBody.get(q) ?? 0);
      if (tf === 0) return;
      covered += qWeights[j]!;
      if ((tfTitle.get(q) ?? 0) + (tfLead.get(q) ?? 0) > 0) coveredUp += qWeights[j]!;
      bm += qWeights[j]! * ((tf * (K1 + 1)) / (tf + K1 * (1 - B + (B * f.body.length) / avgLen)));
    });
    const initialisms = short.size > 0 ? words(`${docs[i]!.title} ${docs[i]!.body}`).filter((w) => short.has(w)).length : 0;
    const phrases = query.length > 1
      ? W_TITLE * phraseCount(f.title, query) + W_LEAD * phraseCount(f.lead, query) + phraseCount(f.body, query) + initialisms
      : 0;
    const coverage = initialisms > 0 ? 1 : covered / qTotal;
    const together = query.length > 1 ? Math.max(sat(phrases), 0.6 * proximity(f.body, query), 0.6 * proximity(f.title, query)) : 1;
    const score = coverage * coverage * (0.1 + 0.7 * together + 0.1 * (coveredUp / qTotal) + 0.1 * sat(bm, qTotal));
    return { score, phrases, coverage, plain: 0.7 * coverage + 0.3 * sat(bm, qTotal) };
  });

  // Expansion: documents are also compared with the centroid of the best-matching ones, by
  // their vocabulary outside the topic's own words (Rocchio's pseudo-relevance feedback, two
  // rounds: the second reads the best of the first round's combined ranking).
  const topicTerms = new Set(query);
  const vectors = fields.map((f) => vectorOf(f, idf, topicTerms));
  const order = first.map((_, i) => i).sort((a, b) => first[b]!.score - first[a]!.score || a - b);
  const strong = order.filter((i) => first[i]!.coverage >= 0.999 && (query.length === 1 || first[i]!.phrases > 0));
  let feedback = (strong.length >= FEEDBACK_MIN ? strong : order.filter((i) => first[i]!.score > 0.3)).slice(0, FEEDBACK_MAX);
  // Too few good matches to learn the topic's vocabulary from (a handful of articles): word
  // coverage counts for more, as only the words are there to go on.
  let scores = first.map((f) => (feedback.length >= FEEDBACK_MIN ? f.score : Math.max(f.score, f.plain)));
  for (let round = 0; round < 2 && feedback.length >= FEEDBACK_MIN; round++) {
    const similarity = centroidSimilarity(vectors, feedback);
    // Read on the scale between a typical document of the set (0) and how alike the feedback
    // documents are among themselves (1).
    const typical = quantile(similarity, 0.25);
    const reach = median(feedback.map((i) => similarity[i]!));
    scores = first.map((f, i) => {
      const vocabulary = reach > typical ? Math.min(1, Math.max(0, (similarity[i]! - typical) / (reach - typical))) : 0;
      // The topic's words count for less in a document that lacks the topic's vocabulary (a near
      // miss); the vocabulary alone can make a document relevant; both make it more so (noisy-or).
      return 1 - (1 - f.score * (0.4 + 0.6 * vocabulary)) * (1 - 0.85 * vocabulary * vocabulary);
    });
    const next = scores.map((_, i) => i).sort((a, b) => scores[b]! - scores[a]! || a - b);
    feedback = next.slice(0, Math.min(FEEDBACK_MAX, Math.max(FEEDBACK_NEXT, strong.length + 3)));
  }
  return scores.map((x) => round(Math.min(1, Math.max(0, x))));
}

/** A document's tf-idf vector over its terms outside the topic (title terms count twice), L2-normalised. */
function vectorOf(f: Fields, idf: (t: string) => number, exclude: ReadonlySet<string>): Map<string, number> {
  const tf = frequencies([...f.title, ...f.title, ...f.body]);
  const vec = new Map<string, number>();
  let norm = 0;
  for (const [t, n] of tf) {
    if (exclude.has(t) || /^\d+$/.test(t)) continue;
    const w = (1 + Math.log(n)) * idf(t);
    vec.set(t, w);
    norm += w * w;
  }
  norm = Math.sqrt(norm) || 1;
  for (const [t, w] of vec) vec.set(t, w / norm);
  return vec;
}

/**
 * Cosine similarity of every vector with the centroid of the feedback vectors; a feedback
 * document is compared with the centroid of the others (leave one out), so it is not its own evidence.
 */
function centroidSimilarity(vectors: readonly Map<string, number>[], feedback: readonly number[]): number[] {
  // Only terms several feedback documents share: one document's names and asides are not the topic's vocabulary.
  const docsWith = new Map<string, number>();
  for (const i of feedback) for (const t of vectors[i]!.keys()) docsWith.set(t, (docsWith.get(t) ?? 0) + 1);
  const shared = Math.max(2, Math.ceil(feedback.length / 4));
  const sum = new Map<string, number>();
  for (const i of feedback) for (const [t, w] of vectors[i]!) if (docsWith.get(t)! >= shared) sum.set(t, (sum.get(t) ?? 0) + w);
  const sumSq = [...sum.values()].reduce((a, w) => a + w * w, 0);
  const inFeedback = new Set(feedback);
  return vectors.map((vec, i) => {
    let dot = 0;
    let self = 0;
    for (const [t, w] of vec) {
      const c = sum.get(t);
      if (c === undefined) continue;
      dot += w * c;
      self += w * w;
    }
    if (!inFeedback.has(i)) return dot / (Math.sqrt(sumSq) || 1);
    // (S - v)·v = S·v - |v|², |S - v|² = |S|² - 2 S·v + |v|².
    const rest = Math.sqrt(Math.max(0, sumSq - 2 * dot + self)) || 1;
    return (dot - self) / rest;
  });
}

function quantile(xs: readonly number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? 0 : s[Math.floor((s.length - 1) * q)]!;
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? 0 : s[Math.floor(s.length / 2)]!;
}

/** A plain keyword matcher, the bench's baseline: how often the topic's words occur in the title and text. */
export function keywordBaseline(docs: readonly RankDoc[], topic: string): number[] {
  const query = new Set(terms(topic));
  return docs.map((d) => terms(`${d.title} ${d.body}`).filter((t) => query.has(t)).length);
}
