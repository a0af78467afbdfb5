import { stemmer } from "stemmer";
import { overlap, sentences, STOP_WORDS, terms } from "./text";

/**
 * Themes of a set of documents for the offline engine (the report's themes, the course's
 * modules): recurring key phrases, each naming a distinct group of documents. Phrases are one to
 * three words of the documents' own text (hyphenated compounds such as "sodium-ion" stay whole,
 * so a theme is never a word fragment), never only the topic's words, and shared by at least two
 * documents. Themes are chosen greedily, best first; a theme whose documents are mostly another's
 * is left out, so no two themes are about the same articles.
 */

/** A document as theme finding reads it. */
export interface ThemeDoc { title: string; text: string }

/** A theme: its name (the phrase as written), and the documents it groups, best first. */
export interface Theme { name: string; docs: number[] }

/** Words a theme's name neither starts nor ends with: the function words, and news-time filler. */
const STOP = new Set([...STOP_WORDS, ...("say three four five next week weeks month months today yesterday still many much less least like including " +
  "include includes told according another every since even already").split(" ")]);

/** Words of a text keeping hyphenated compounds whole ("grid-scale", "sodium-ion"). */
function phraseWords(text: string): string[] {
  return text.match(/[\p{L}\p{N}]+(?:[-‐][\p{L}\p{N}]+)*/gu) ?? [];
}

/** The stem key of a phrase (each part stemmed), for matching across spellings and plurals. */
function keyOf(ws: readonly string[]): string {
  return ws.map((w) => w.toLowerCase().split(/[-‐]/).map((p) => stemmer(p)).join("-")).join(" ");
}

/**
 * Candidate phrases of one text: stem key -> surface forms seen. A phrase has no function word
 * ("cycles are never" is not a name). A single word names a theme only when it is a compound
 * ("sodium-ion"), an acronym ("LFP") or a name a title uses ("RefCell"): a lone common word
 * ("edge", "found", "line") or adjective ("European") is too vague to name one.
 */
function candidates(text: string, topicStems: ReadonlySet<string>): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const s of sentences(text)) {
    const ws = phraseWords(s);
    for (let n = 1; n <= 3; n++) {
      for (let i = 0; i + n <= ws.length; i++) {
        const gram = ws.slice(i, i + n);
        const first = gram[0]!.toLowerCase();
        const last = gram[n - 1]!.toLowerCase();
        if (STOP.has(first) || STOP.has(last) || gram.some((w) => /^\d+$/.test(w) || w.length < 3)) continue;
        if (gram.some((w) => STOP.has(w.toLowerCase()))) continue;
        const key = keyOf(gram);
        // A phrase of the topic's words alone says nothing the topic does not.
        if (key.split(/[ -]/).every((p) => topicStems.has(p))) continue;
        const forms = out.get(key) ?? [];
        // A capital says nothing at a sentence's start, nor on a word inside a longer name ("Northlight Compute").
        const partOfName = n === 1 && ((i > 1 && capitalised(ws[i - 1]!)) || (i + 1 < ws.length && capitalised(ws[i + 1]!)));
        forms.push(`${i === 0 || partOfName ? NO_CASE_EVIDENCE : ""}${gram.join(" ")}`);
        out.set(key, forms);
      }
    }
  }
  return out;
}

/** The commonest way a phrase is written; lower-cased unless it is an acronym or a proper name every time. */
function surface(marked: readonly string[]): string {
  const forms = marked.map(unmarked);
  const counts = new Map<string, number>();
  for (const f of forms) counts.set(f, (counts.get(f) ?? 0) + 1);
  const best = [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))[0]![0];
  const alwaysCapitalised = isName(marked);
  return alwaysCapitalised ? best : best.split(" ").map((w) => (/^[\p{Lu}\p{N}-]+$/u.test(w) && w.length > 1 ? w : w.toLowerCase())).join(" ");
}

/** Whether a single word can name a theme: a compound, an acronym, or a name an article's title uses (capitalised every time its capital means something). */
function namesAlone(marked: readonly string[], inATitle: boolean): boolean {
  const w = unmarked(marked[0]!);
  // An acronym has two capitals or more (GPU, LFP, RLHF); a code such as E0502 is not a theme.
  return /[-‐]/.test(w) || /^(?=(?:[^\p{Lu}]*\p{Lu}){2})[\p{Lu}\p{N}]{2,8}$/u.test(w) || (inATitle && isName(marked));
}

/** Capitalised every time its capital means something (see NO_CASE_EVIDENCE), and seen so at least once. */
function isName(marked: readonly string[]): boolean {
  const telling = marked.filter((f) => !f.startsWith(NO_CASE_EVIDENCE));
  return telling.length > 0 && telling.every((f) => capitalised(f));
}

const capitalised = (w: string) => /^[\p{Lu}\p{N}]/u.test(w);

/** Marks a form whose capital says nothing: a sentence's (or a title's) first words, or one word of a longer name. */
const NO_CASE_EVIDENCE = "\u0000";
const unmarked = (f: string) => (f.startsWith(NO_CASE_EVIDENCE) ? f.slice(1) : f);

/** "sodium-ion cells" -> "Sodium-ion cells". */
export function sentenceCase(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** Up to `k` distinct themes of the documents (weighted towards the first ones, which are the most relevant). */
export function findThemes(docs: readonly ThemeDoc[], topic: string, k: number): Theme[] {
  if (docs.length < 2 || k <= 0) return [];
  const topicStems = new Set(terms(topic).concat(topic.toLowerCase().split(/\W+/).filter(Boolean).map((w) => stemmer(w))));
  const titles = docs.map((d) => candidates(d.title, topicStems));
  const per = docs.map((d, i) => {
    const all = candidates(d.text, topicStems);
    for (const [key, fs] of titles[i]!) all.set(key, [...(all.get(key) ?? []), ...fs]);
    return all;
  });
  const df = new Map<string, Set<number>>();
  const forms = new Map<string, string[]>();
  per.forEach((m, i) => {
    for (const [key, fs] of m) {
      (df.get(key) ?? df.set(key, new Set()).get(key)!).add(i);
      (forms.get(key) ?? forms.set(key, []).get(key)!).push(...fs);
    }
  });
  const n = docs.length;
  const scored = [...df]
    .filter(([key, set]) => {
      if (set.size < 2 || set.size > Math.max(2, Math.ceil(n * 0.7))) return false;
      // A name a title uses, or a phrase at least three articles share; two bodies in passing ("evening peak") is chance.
      const inATitle = [...set].some((i) => titles[i]!.has(key));
      return key.includes(" ") ? inATitle || set.size >= 3 : namesAlone(forms.get(key)!, inATitle);
    })
    .map(([key, set]) => {
      const words = key.split(" ").length;
      // Shared by several documents, but not by all; longer phrases are more specific names.
      const spread = Math.log(1 + set.size) * Math.log(1 + n / set.size);
      const rank = [...set].reduce((a, i) => a + 1 / (1 + i / 4), 0) / set.size;
      // A phrase the articles' titles use names what they are about.
      const inTitles = [...set].filter((i) => titles[i]!.has(key)).length / set.size;
      return { key, set, score: spread * (1 + 0.35 * (words - 1)) * (0.7 + 0.3 * rank) * (1 + inTitles) };
    })
    .sort((a, b) => b.score - a.score || (a.key < b.key ? -1 : 1));
  const chosen: { key: string; set: Set<number> }[] = [];
  for (const c of scored) {
    if (chosen.length >= k) break;
    // Not a part or an extension of a chosen phrase, and not about the same documents.
    if (chosen.some((t) => t.key.includes(c.key) || c.key.includes(t.key))) continue;
    if (chosen.some((t) => overlap(t.set, c.set) >= 0.5)) continue;
    chosen.push(c);
  }
  return chosen.map((c) => ({ name: sentenceCase(surface(forms.get(c.key)!)), docs: [...c.set].sort((a, b) => a - b) }));
}

/** True when a phrase (a theme's name) occurs in a text, in any spelling or plural. */
export function mentions(text: string, phrase: string): boolean {
  const key = keyOf(phraseWords(phrase));
  const ws = phraseWords(text);
  const n = phraseWords(phrase).length;
  for (let i = 0; i + n <= ws.length; i++) if (keyOf(ws.slice(i, i + n)) === key) return true;
  return false;
}

/**
 * Keeps sentences no earlier choice already says: a sentence is new when its normalised text was
 * not used and it shares less than 60 % of its terms with every used one. One per report or
 * course, so no sentence appears twice in what is delivered.
 */
export class SentenceLedger {
  private readonly used: string[][] = [];

  /** True (and remembered) when the sentence says something not said yet. */
  take(sentence: string): boolean {
    const ts = this.newTerms(sentence);
    if (ts) this.used.push(ts);
    return ts !== null;
  }

  /** True when a sentence would be new (without taking it). */
  isNew(sentence: string): boolean {
    return this.newTerms(sentence) !== null;
  }

  /** The sentence's terms when it says something not said yet, else null. */
  private newTerms(sentence: string): string[] | null {
    const ts = terms(sentence);
    return ts.length > 0 && !this.used.some((u) => overlap(u, ts) > 0.6) ? ts : null;
  }
}
