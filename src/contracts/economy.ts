import * as v from "valibot";
import { Micros } from "./money";

/** The learned economy's read-outs: `GET /economy/stats` and `GET /economy/pricing`, as the server returns them. */

const Accuracy = {
  runs: v.number(),
  cost_mape_percent: v.nullable(v.number()),
  duration_mape_percent: v.nullable(v.number()),
  within_cost_interval: v.nullable(v.number()),
};
const AccuracySchema = v.object(Accuracy);

/** `GET /economy/stats`: the estimator's accuracy per template, and the daily cost tracking. */
export const EconomyStatsSchema = v.object({
  target: v.object({ mape_percent: v.number(), after_runs: v.number() }),
  templates: v.array(v.object({
    template: v.string(), ...Accuracy, after_20_runs: AccuracySchema, meets_target: v.nullable(v.boolean()),
    by_basis: v.record(v.string(), AccuracySchema),
  })),
  cost_tracking: v.object({
    since: v.string(),
    daily: v.array(v.object({
      date: v.string(), executions: v.number(), cost_usd: v.number(), tokens_input: v.number(), tokens_output: v.number(), execution_time_ms: v.number(),
    })),
    by_worker: v.array(v.object({ worker: v.string(), executions: v.number(), cost_usd: v.number(), execution_time_ms: v.number() })),
  }),
});
export type EconomyStats = v.InferOutput<typeof EconomyStatsSchema>;

/** `GET /economy/pricing`: workers' base and learned prices, the AI chain's prices, templates' typical runs. */
export const EconomyPricingSchema = v.object({
  currency: v.literal("USD"),
  workers: v.array(v.object({
    worker: v.string(), display_name: v.string(), unit: v.nullable(v.string()),
    base_cost_micros: Micros, registry_avg_execution_time_ms: v.number(),
    learned: v.nullable(v.object({
      samples: v.number(), fixed_cost_micros: v.number(), cost_per_unit_micros: v.nullable(v.number()), fixed_time_ms: v.number(), time_per_unit_ms: v.nullable(v.number()),
    })),
  })),
  ai_chain: v.array(v.object({ provider: v.string(), model: v.string(), price: v.unknown() })),
  templates: v.array(v.object({
    template: v.string(), display_name: v.string(), registry_estimate_usd: v.number(), registry_duration_ms: v.number(),
    recent_runs: v.number(), typical_cost_usd: v.nullable(v.number()), typical_duration_ms: v.nullable(v.number()),
  })),
});
export type EconomyPricing = v.InferOutput<typeof EconomyPricingSchema>;
