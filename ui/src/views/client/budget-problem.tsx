import { Link } from "wouter";
import { ApiError } from "../../api/http";
import { dollars } from "../../lib/format";
import type { InsufficientBudgetDetails } from "./api-types";

/** A 402 from starting a run, plainly: what is available, what the run needs, and what to do. */
export function BudgetProblem({ error }: { error: ApiError }) {
  const d = error.details as Partial<InsufficientBudgetDetails> | undefined;
  return (
    <div className="cl-problem" role="alert" data-testid="budget-problem">
      <strong>Not enough budget to start this run</strong>
      {typeof d?.available_usd === "number" && typeof d.needed_usd === "number"
        ? <>It needs up to <b data-testid="budget-needed">{dollars(d.needed_usd)}</b> held while it runs; <b data-testid="budget-available-now">{dollars(d.available_usd)}</b> is available this month.</>
        : error.message}
      <div>
        <small>Try fewer sources or a lighter template, wait for running work to settle (held amounts are released), or ask your account manager to raise the budget. <Link href="/">See your budget</Link>.</small>
      </div>
    </div>
  );
}
