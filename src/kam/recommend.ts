import { aiClient, AiClient } from "../ai";
import type { ClientView } from "../catalog/clients";
import { runWarnings } from "../catalog/coverage";
import { listTemplates } from "../catalog/templates";
import { budgetCheck, type BudgetCheck } from "../economy/budget";
import { estimateRun } from "../economy/estimate";
import { describeError, log } from "../lib/log";
import { microsToUsd } from "../lib/money";
import { runInputs } from "../orchestrator/start";
import { round } from "../ai/text";
import { analyseRequestTask, recommendTask, triggerMatches, type AiRecommendation, type Candidate, type RequestAnalysis } from "./analysis";

/** How long a request path waits for the AI (each call): past it, the request goes on without. */
const AI_WAIT_MS = 8_000;

/** Weights of the two signals in a template's score: its keyword triggers, and the AI's pick. */
const KEYWORD_WEIGHT = 0.5;
const AI_WEIGHT = 0.5;

/** The seed's TemplateRecommendation, with the runners-up and what the AI said. */
export interface Recommendation {
  template_name: string | null;
  confidence_score: number;
  estimated_cost: number | null;
  estimated_duration_ms: number | null;
  reasoning: string;
  budget_check: BudgetCheck | null;
  estimate_basis: string | null;
  warnings: string[];
  alternatives: { template_name: string; score: number; keyword_matches: string[]; ai_pick: boolean }[];
  analysis: RequestAnalysis | null;
  ai: { provider: string; model: string; cost_micros: number; error: string | null };
}

/** Runs the analysis task (processed_request): null when no provider answers, never an error for the caller. */
export async function analyseMessage(env: Env, message: string): Promise<{ analysis: RequestAnalysis | null; ai: AiClient }> {
  const ai = aiClient(env);
  return { analysis: await analyseWith(ai, message), ai };
}

/**
 * Recommends a template for a client's message (seed phase 2): the templates the client's tier
 * may use (KAM cache) are scored by their keyword triggers found in the message and by the AI's
 * pick among them (with its confidence); the best is estimated (learned estimator, default
 * parameters, the analysed topic) and checked against the client's ledger. Without an AI answer
 * the keywords decide alone, and the reasoning says so.
 */
export async function recommendTemplate(env: Env, client: ClientView, message: string, known: RequestAnalysis | null): Promise<Recommendation> {
  const templates = await listTemplates(env.DB, client.subscription_tier);
  const candidates: Candidate[] = templates
    .filter((t) => t.category !== "diagnostics")
    .map((t) => ({ template_name: t.template_name, display_name: t.display_name, description: t.description, category: t.category, keyword_triggers: t.keyword_triggers }));
  const ai = aiClient(env);
  const analysis = known ?? (await analyseWith(ai, message));
  let pick: AiRecommendation | null = null;
  let aiError: string | null = null;
  if (candidates.length > 0) {
    try {
      const answer = await ai.run(recommendTask(message, analysis, candidates), AbortSignal.timeout(AI_WAIT_MS));
      if (candidates.some((c) => c.template_name === answer.template_name)) pick = answer;
      else aiError = `the AI named '${answer.template_name}', which is not a candidate`;
    } catch (error) {
      aiError = error instanceof Error ? error.message : String(error);
    }
  }
  const text = `${message} ${analysis?.keywords.join(" ") ?? ""}`;
  const scored = candidates.map((c) => {
    const matches = triggerMatches(text, c.keyword_triggers);
    const keywordScore = matches.length / (matches.length + 1);
    const aiPick = pick?.template_name === c.template_name;
    return { template_name: c.template_name, score: round(KEYWORD_WEIGHT * keywordScore + (aiPick ? AI_WEIGHT * pick!.confidence : 0)), keyword_matches: matches, ai_pick: aiPick };
  }).sort((a, b) => b.score - a.score || (a.template_name < b.template_name ? -1 : 1));
  const aiInfo = { ...ai.primary, cost_micros: ai.costMicros, error: aiError };
  const best = scored[0];
  if (!best || best.score === 0) {
    return {
      template_name: null, confidence_score: 0, estimated_cost: null, estimated_duration_ms: null,
      reasoning: candidates.length === 0 ? `no template is available to the ${client.subscription_tier} tier` : "nothing in the request matches a template's keywords, and the AI gave no pick",
      budget_check: null, estimate_basis: null, warnings: [], alternatives: scored, analysis, ai: aiInfo,
    };
  }
  const parts = [
    best.keyword_matches.length > 0 ? `Keywords ${best.keyword_matches.map((k) => `'${k}'`).join(", ")} trigger ${best.template_name}.` : `No keyword of ${best.template_name} appears in the request.`,
    pick ? (best.ai_pick ? `The AI picked it (confidence ${pick.confidence}): ${pick.reasoning}` : `The AI preferred ${pick.template_name} (confidence ${pick.confidence}): ${pick.reasoning}`) : `No AI pick (${aiError ?? "no provider"}); keywords alone decided.`,
  ];
  // The estimate with the template's defaults and the analysed topic; a topic the template refuses is estimated without one.
  let estimate = null;
  let warnings: string[] = [];
  try {
    const inputs = await runInputs(env.DB, best.template_name, client.subscription_tier, analysis && analysis.topic.length >= 3 ? { topic: analysis.topic } : {}, {}, "recommendation")
      .catch(() => runInputs(env.DB, best.template_name, client.subscription_tier, { topic: "general request" }, {}, "recommendation"));
    estimate = await estimateRun(env, best.template_name, inputs);
    if (analysis && analysis.topic.length >= 3) warnings = await runWarnings(env.DB, best.template_name, estimate.steps.map((st) => st.worker), inputs);
  } catch (error) {
    log("warn", "recommendation could not be estimated", { template: best.template_name, ...describeError(error) });
  }
  return {
    template_name: best.template_name, confidence_score: Math.min(1, best.score),
    estimated_cost: estimate ? microsToUsd(estimate.cost_micros) : null, estimated_duration_ms: estimate?.duration_ms ?? null,
    reasoning: parts.join(" "),
    budget_check: estimate ? await budgetCheck(env, client.client_id, estimate) : null,
    estimate_basis: estimate?.basis ?? null,
    warnings,
    alternatives: scored, analysis, ai: { ...aiInfo, cost_micros: ai.costMicros },
  };
}

async function analyseWith(ai: AiClient, message: string): Promise<RequestAnalysis | null> {
  try {
    return await ai.run(analyseRequestTask(message), AbortSignal.timeout(AI_WAIT_MS));
  } catch (error) {
    log("warn", "request analysis failed; going on without it", describeError(error));
    return null;
  }
}
