import * as v from "valibot";
import { Micros } from "./money";
import { Urgencies } from "../catalog/tiers";
import { RequestViewSchema } from "./requests";
import { BudgetCheckSchema, EstimateBases, EstimateSummarySchema } from "./runs";

/**
 * The request desk's answers (seed phases 2 and 3) not described elsewhere: the template
 * recommendation, the assignment and the execution. Requests themselves: ./requests.ts.
 */

/** What the AI read in a request's message (stored in `request_analysis`, without the cleaned text). */
export const StoredAnalysisSchema = v.object({
  topic: v.optional(v.string()), intent: v.optional(v.string()), urgency: v.optional(v.string()),
  sentiment: v.optional(v.number()), keywords: v.optional(v.array(v.string())),
});
export type StoredAnalysis = v.InferOutput<typeof StoredAnalysisSchema>;

/** `POST /recommend-template`'s answer. */
export const RecommendationSchema = v.object({
  success: v.literal(true), client_id: v.string(), request_id: v.nullable(v.string()),
  template_name: v.nullable(v.string()), confidence_score: v.number(),
  estimated_cost: v.nullable(v.number()), estimated_duration_ms: v.nullable(v.number()),
  reasoning: v.string(), budget_check: v.nullable(BudgetCheckSchema), estimate_basis: v.nullable(v.string()),
  /** What the client should know before starting the recommended template (a topic no catalogued source covers). */
  warnings: v.array(v.string()),
  alternatives: v.array(v.object({ template_name: v.string(), score: v.number(), keyword_matches: v.array(v.string()), ai_pick: v.boolean() })),
  analysis: v.nullable(v.object({
    cleaned: v.string(), topic: v.string(), intent: v.string(), urgency: v.picklist(Urgencies), sentiment: v.number(), keywords: v.array(v.string()),
  })),
  ai: v.object({ provider: v.string(), model: v.string(), cost_micros: Micros, error: v.nullable(v.string()) }),
});
export type Recommendation = v.InferOutput<typeof RecommendationSchema>;

/** A run's learned estimate (micro-USD) as `PUT /requests/:id` returns it. */
export const RunEstimateSchema = v.object({
  template_name: v.string(), cost_micros: Micros, duration_ms: v.number(),
  cost_interval: v.object({ low_micros: v.number(), high_micros: v.number(), confidence_level: v.number() }),
  duration_interval: v.object({ low_ms: v.number(), high_ms: v.number(), confidence_level: v.number() }),
  basis: v.picklist(EstimateBases), history_runs: v.number(),
});

/** `PUT /requests/:id`'s answer: the request with its template and parameters, and the estimate. */
export const AssignAnswerSchema = v.object({ success: v.literal(true), request: RequestViewSchema, estimate: RunEstimateSchema });
export type AssignAnswer = v.InferOutput<typeof AssignAnswerSchema>;

/** `POST /requests/:id/execute`'s answer (202). */
export const ExecuteAnswerSchema = v.object({
  success: v.literal(true), request_id: v.string(), pipeline_id: v.string(), status: v.string(), estimate: EstimateSummarySchema,
});
export type ExecuteAnswer = v.InferOutput<typeof ExecuteAnswerSchema>;
