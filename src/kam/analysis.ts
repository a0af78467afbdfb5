import * as v from "valibot";
import type { AiTask } from "../ai";
import { Bm25, keywords, round, sentences, terms } from "../ai/text";
import { Urgencies, type Urgency } from "../catalog/tiers";

/**
 * What the AI reads in a client's message (seed phase 1, `processed_request`, and phase 2's
 * analysis): the message cleaned of greetings, sign-offs and quoted mail, its topic, intent,
 * urgency, sentiment and keywords. The offline engine does it with deterministic text work.
 */
export const RequestAnalysis = v.object({
  cleaned: v.pipe(v.string(), v.minLength(1), v.maxLength(10_000)),
  topic: v.pipe(v.string(), v.maxLength(200)),
  intent: v.picklist(["research", "brief", "discovery", "course", "information", "support"]),
  urgency: v.picklist(Urgencies),
  sentiment: v.pipe(v.number(), v.minValue(-1), v.maxValue(1)),
  keywords: v.pipe(v.array(v.string()), v.maxLength(12)),
});
export type RequestAnalysis = v.InferOutput<typeof RequestAnalysis>;

/** A template as the recommender sees it. */
export interface Candidate { template_name: string; display_name: string; description: string; category: string; keyword_triggers: readonly string[] }

/** The AI's pick among the candidates. */
export const AiRecommendation = v.object({
  template_name: v.string(),
  confidence: v.pipe(v.number(), v.minValue(0), v.maxValue(1)),
  reasoning: v.pipe(v.string(), v.maxLength(1_000)),
});
export type AiRecommendation = v.InferOutput<typeof AiRecommendation>;

export function analyseRequestTask(message: string): AiTask<RequestAnalysis> {
  return {
    name: "analyse_request",
    system: "You are an account manager's assistant. Clean the client's message (drop greetings, sign-offs, signatures and quoted mail; keep every request detail), and say its topic (a short noun phrase), intent (research: an in-depth report; brief: a short summary; discovery: finding new sources; course: teaching material; information: a question; support: a problem with the service), urgency, sentiment (-1 to 1) and up to 8 keywords.",
    prompt: `Client message:\n${message.slice(0, 8_000)}`,
    schema: RequestAnalysis,
    offline: () => offlineAnalysis(message),
    // The cleaned message is about as long as the message.
    maxOutputTokens: 300 + Math.ceil(message.length / 3),
    temperature: 0,
  };
}

export function recommendTask(message: string, analysis: RequestAnalysis | null, candidates: readonly Candidate[]): AiTask<AiRecommendation> {
  return {
    name: "recommend_template",
    system: "You recommend the pipeline template that best serves a client's request. Pick exactly one of the candidate templates by its template_name, give your confidence (0 to 1) and one or two sentences of reasoning that cite what in the request points to it.",
    prompt: `Request:\n${message.slice(0, 4_000)}\n\n${analysis ? `Analysis: ${JSON.stringify({ topic: analysis.topic, intent: analysis.intent, urgency: analysis.urgency, keywords: analysis.keywords })}\n\n` : ""}Candidate templates:\n${JSON.stringify(candidates.map((c) => ({ template_name: c.template_name, name: c.display_name, description: c.description, category: c.category, keywords: c.keyword_triggers })))}`,
    schema: AiRecommendation,
    offline: () => offlineRecommendation(message, candidates),
    maxOutputTokens: 300,
    temperature: 0,
  };
}

const GREETING = /^(?:hi|hello|hey|dear|good (?:morning|afternoon|evening))\b[^.!?\n,]{0,40}[,!.:]\s*/i;
/** A sign-off block: a line that is only the sign-off (and maybe a name), then at most three short lines (name, title, company) to the end. */
const SIGN_OFF = /\n\s*(?:thanks|thank you|many thanks|cheers|best|best regards|kind regards|warm regards|regards|sincerely|yours(?: truly| sincerely)?)(?:[ \t]*[,!.-]?[ \t]*[\p{L} .'-]{0,40})?[ \t]*(?:\n[^\n]{0,60}){0,3}\s*$/iu;
/** A sign-off on the message's last line, after its last sentence: "… trends. Thanks, Pat". */
const INLINE_SIGN_OFF = /(?<=[.!?])\s+(?:thanks|thank you|many thanks|cheers|best regards|kind regards|regards)\b[^.!?]{0,40}[.!]?$/i;
const INTENTS: [RequestAnalysis["intent"], RegExp][] = [
  ["support", /\b(?:broken|error|bug|not working|can't log|cannot log|invoice|refund|password|outage)\b/i],
  ["course", /\b(?:course|lesson|lessons|curriculum|training|teach|tutorial|syllabus|learn(?:ing)?)\b/i],
  ["discovery", /\b(?:find|discover|new) (?:\w+ )?(?:sources|feeds|blogs|publications)\b|\bsources? (?:for|on|about)\b/i],
  ["brief", /\b(?:brief|briefing|summary|summarise|summarize|overview|quick|digest|headlines)\b/i],
  ["research", /\b(?:research|report|analysis|analyse|analyze|intelligence|market|trends|landscape|deep dive|in-depth)\b/i],
];
const URGENCY: [Urgency, RegExp][] = [
  ["critical", /\b(?:critical|emergency|immediately|right now|asap today)\b/i],
  ["high", /\b(?:urgent|urgently|asap|as soon as possible|today|tonight|by tomorrow|end of day|eod)\b/i],
  ["low", /\b(?:no rush|whenever|low priority|when you (?:can|have time)|next month)\b/i],
];
const POSITIVE = new Set(["great", "thanks", "thank", "love", "excellent", "happy", "pleased", "good", "appreciate", "helpful", "excited"]);
const NEGATIVE = new Set(["bad", "poor", "disappointed", "angry", "unhappy", "terrible", "broken", "frustrated", "late", "wrong", "problem", "complaint"]);
const TOPIC = /\b(?:on|about|regarding|covering|into|around|of)\s+((?:the\s+)?[\p{L}\p{N}][\p{L}\p{N}\s\-&'/]{2,80}?)(?=\s*(?:[.,;:!?\n]|$|\b(?:for|by|before|and (?:send|deliver|share)|please|so that|with)\b))/iu;

/** The offline analysis: rules and text statistics, deterministic. */
export function offlineAnalysis(message: string): RequestAnalysis {
  const body = message
    .split("\n").filter((line) => !line.trimStart().startsWith(">")).join("\n")
    .replace(SIGN_OFF, "")
    .trim()
    .replace(INLINE_SIGN_OFF, "")
    .replace(GREETING, "")
    .replace(/\s+/g, " ")
    .trim();
  const cleaned = (body.length > 0 ? body : message.replace(/\s+/g, " ").trim()).slice(0, 10_000);
  const text = cleaned.charAt(0).toUpperCase() + cleaned.slice(1);
  const topicMatch = TOPIC.exec(cleaned);
  const found = keywords([cleaned], 8);
  const topic = (topicMatch?.[1] ?? found.slice(0, 3).join(" ")).replace(/^the\s+/i, "").trim().toLowerCase().slice(0, 200);
  const lower = cleaned.toLowerCase().split(/[^a-z']+/);
  const pos = lower.filter((w) => POSITIVE.has(w)).length;
  const neg = lower.filter((w) => NEGATIVE.has(w)).length;
  return {
    cleaned: text || message.slice(0, 10_000),
    topic,
    intent: INTENTS.find(([, re]) => re.test(cleaned))?.[0] ?? "information",
    urgency: URGENCY.find(([, re]) => re.test(message))?.[0] ?? "medium",
    sentiment: pos + neg === 0 ? 0 : round((pos - neg) / (pos + neg)),
    keywords: found,
  };
}

/** The offline recommendation: BM25 relevance of the request to each template's description and keywords. */
export function offlineRecommendation(message: string, candidates: readonly Candidate[]): AiRecommendation {
  if (candidates.length === 0) return { template_name: "", confidence: 0, reasoning: "no template is available" };
  const index = new Bm25(candidates.map((c) => `${c.display_name}. ${c.description} ${c.category} ${c.keyword_triggers.join(" ")}`));
  const query = terms(message);
  const scored = candidates.map((c, i) => ({ c, relevance: index.relevance(i, query), score: index.score(i, query) }))
    .sort((a, b) => b.score - a.score || b.relevance - a.relevance || (a.c.template_name < b.c.template_name ? -1 : 1));
  const best = scored[0]!;
  const runnerUp = scored[1]?.score ?? 0;
  // Confident when the request matches one template clearly better than the next.
  const margin = best.score === 0 ? 0 : (best.score - runnerUp) / best.score;
  const shared = [...new Set(query)].filter((t) => terms(`${best.c.description} ${best.c.display_name} ${best.c.keyword_triggers.join(" ")}`).includes(t));
  const evidence = sentences(best.c.description)[0] ?? best.c.description;
  return {
    template_name: best.c.template_name,
    confidence: round(Math.min(1, 0.25 + 0.5 * margin + 0.25 * best.relevance)),
    reasoning: best.score === 0
      ? `Nothing in the request matches a template's description; ${best.c.display_name} is the closest by default.`
      : `The request shares ${shared.slice(0, 5).map((t) => `'${t}'`).join(", ")} with ${best.c.display_name}: ${evidence}`,
  };
}

/** The template's keyword triggers found in the message (stemmed, phrases whole). */
export function triggerMatches(message: string, triggers: readonly string[]): string[] {
  const have = ` ${terms(message).join(" ")} `;
  return triggers.filter((t) => {
    const phrase = terms(t).join(" ");
    return phrase.length > 0 && have.includes(` ${phrase} `);
  });
}
