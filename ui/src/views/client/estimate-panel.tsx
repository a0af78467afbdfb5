import { ApiError } from "../../api/http";
import { Card, ErrorBox } from "../../components/ui";
import { dollars, duration, percent } from "../../lib/format";
import type { EstimateState } from "./use-estimate";

const BASIS = { registry: "the workers' list prices (no runs of this template yet)", thin_history: "a few earlier runs", history: "this template's earlier runs" } as const;

/** The run's estimate before it starts: cost and duration with their intervals, what they stand on, and whether the budget covers it. */
export function EstimatePanel({ state, waitingFor }: { state: EstimateState; waitingFor: string | null }) {
  const { estimate: e, error, loading } = state;
  const body = (() => {
    if (waitingFor) return <p className="muted">{waitingFor}</p>;
    if (error) {
      // Field problems are shown next to their fields.
      if (error instanceof ApiError && error.status === 422) return <p className="muted">Fix the fields marked in the form to see the estimate.</p>;
      return <ErrorBox error={error} title="No estimate" />;
    }
    if (!e) return <p className="loading" role="status">Estimating…</p>;
    const level = Math.round(e.confidence_interval.confidence_level * 100);
    const b = e.budget_check;
    return (
      <div aria-busy={loading} style={{ opacity: loading ? 0.6 : 1 }} data-testid="estimate">
        {e.warnings.map((w) => <p key={w} className="cl-budget-no" role="alert" data-testid="estimate-warning"><strong>Before you start:</strong> {w}</p>)}
        <dl className="cl-legend">
          <div>
            <dt>Cost</dt>
            <dd data-testid="estimate-cost">{dollars(e.estimated_cost_usd)}</dd>
            <dd className="cl-estimate-range">{dollars(e.confidence_interval.min_cost)} – {dollars(e.confidence_interval.max_cost)} ({level} %)</dd>
          </div>
          <div>
            <dt>Duration</dt>
            <dd data-testid="estimate-duration">{duration(e.estimated_duration_ms)}</dd>
            <dd className="cl-estimate-range">{duration(e.duration_interval.min_ms)} – {duration(e.duration_interval.max_ms)}</dd>
          </div>
        </dl>
        <p className={b.approved ? "cl-budget-ok" : "cl-budget-no"} data-testid="budget-check" data-approved={b.approved} role={b.approved ? undefined : "alert"}>
          {b.approved
            ? <>Your budget covers it: {dollars(b.remaining_budget)} available; starting holds up to {dollars(b.needed_cost)} until the run settles.</>
            : <><strong>Not enough budget this month.</strong> This run holds up to {dollars(b.needed_cost)} when it starts (the estimate's upper bound); {dollars(b.remaining_budget)} is available.</>}
        </p>
        <p className="muted"><small>
          Based on {BASIS[e.basis]}{e.history_runs > 0 ? ` (${e.history_runs} run${e.history_runs === 1 ? "" : "s"})` : ""}.
          {e.historical_executions > 0 && e.avg_cost_usd !== null ? <> Your {e.historical_executions} earlier run{e.historical_executions === 1 ? "" : "s"} averaged {dollars(e.avg_cost_usd)}{e.avg_execution_time_ms !== null ? ` in ${duration(e.avg_execution_time_ms)}` : ""}{e.success_rate !== null ? `, ${percent(e.success_rate, 1)} succeeded` : ""}.</> : null}
        </small></p>
      </div>
    );
  })();
  return <Card title="Estimate">{body}</Card>;
}
