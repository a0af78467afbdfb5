import { microsToUsd } from "../lib/money";
import type { RunEstimate } from "./estimate";

/**
 * The seed's budget check: whether the client's ledger can cover a run now. A run is admitted
 * for its estimate's upper bound (held at the ledger when it starts), so that is what must be
 * available; `estimated_cost` is the expected cost.
 */
export interface BudgetCheck {
  approved: boolean; remaining_budget: number; estimated_cost: number; remaining_micros: number; estimated_micros: number;
  /** What starting the run holds: the estimate's upper bound. */
  needed_cost: number; needed_micros: number;
}

/** Checks an estimate against what the client's ledger has available this month (holds counted). */
export async function budgetCheck(env: Env, clientId: string, estimate: RunEstimate): Promise<BudgetCheck> {
  const balance = await env.ClientLedger.getByName(clientId).balance();
  const needed = estimate.cost_interval.high_micros;
  return {
    approved: balance.available >= needed,
    remaining_budget: microsToUsd(balance.available), estimated_cost: microsToUsd(estimate.cost_micros),
    remaining_micros: balance.available, estimated_micros: estimate.cost_micros,
    needed_cost: microsToUsd(needed), needed_micros: needed,
  };
}
