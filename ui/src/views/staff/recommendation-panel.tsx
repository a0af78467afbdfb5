import type { Recommendation } from "../../../../src/contracts/desk";
import { Facts } from "../../components/ui";
import { dollars, duration } from "../../lib/format";

/** The recommended template: confidence, reasoning, estimate and the budget check, and the runners-up. */
export function RecommendationPanel({ recommendation: r }: { recommendation: Recommendation }) {
  const b = r.budget_check;
  return (
    <div className="panel" data-testid="desk-recommendation">
      <h3>Recommendation: {r.template_name ?? "none"}</h3>
      <Facts items={[
        ["Confidence", `${Math.round(r.confidence_score * 100)} %`],
        ["Estimate", r.estimated_cost === null ? "—" : dollars(r.estimated_cost)],
        ["Duration", duration(r.estimated_duration_ms)],
        ["Budget", b ? <span className={b.approved ? "ok-text" : "bad-text"}>{b.approved ? "fits" : "does not fit"}: needs {dollars(b.needed_cost)} of {dollars(b.remaining_budget)}</span> : "—"],
      ]} />
      <p className="note">{r.reasoning}</p>
      {r.warnings.map((w) => <p key={w} className="bad-text" role="alert">{w}</p>)}
      {r.alternatives.length > 1 ? (
        <p className="note">Also considered: {r.alternatives.filter((a) => a.template_name !== r.template_name).map((a) => `${a.template_name} (${a.score})`).join(", ")}</p>
      ) : null}
      {r.ai.error ? <p className="note warn-text">The AI did not answer: {r.ai.error}</p> : null}
    </div>
  );
}
