import { microsToUsd } from "../lib/money";

/** The seed's budget check: whether the client's ledger can cover an estimate now. */
export interface BudgetCheck { approved: boolean; remaining_budget: number; estimated_cost: number; remaining_micros: number; estimated_micros: number }

/** Checks an estimate against what the client's ledger has available this month (holds counted). */
export async function budgetCheck(env: Env, clientId: string, estimateMicros: number): Promise<BudgetCheck> {
  const balance = await env.ClientLedger.getByName(clientId).balance();
  return {
    approved: balance.available >= estimateMicros,
    remaining_budget: microsToUsd(balance.available), estimated_cost: microsToUsd(estimateMicros),
    remaining_micros: balance.available, estimated_micros: estimateMicros,
  };
}
