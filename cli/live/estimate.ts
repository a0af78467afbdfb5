/** What a run's cost is compared with: the start's estimate, or the sum of the steps' own estimates. */
import type { EstimateSummary } from "../../src/contracts/runs";
import type { PipelineSummary } from "../../src/actors/pipeline/protocol";

/** What the cost so far is shown against. */
export type CostBaseline =
  | { kind: "run"; estimate: EstimateSummary }
  | { kind: "steps"; micros: number };

/** The baseline for a run: its start's estimate when known, else its steps' estimates added up (null without any). */
export function baselineFor(summary: PipelineSummary | null, estimate: EstimateSummary | null): CostBaseline | null {
  if (estimate) return { kind: "run", estimate };
  const steps = summary?.steps.map((s) => s.estimate_micros).filter((m): m is number => typeof m === "number") ?? [];
  return steps.length > 0 ? { kind: "steps", micros: steps.reduce((a, b) => a + b, 0) } : null;
}
