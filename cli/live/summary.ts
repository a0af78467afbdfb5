/** How a run ended, for people, and the exit status it gives the command. */
import type { PipelineSummary } from "../../src/actors/pipeline/protocol";
import { Exit } from "../errors";
import { duration } from "../format";
import type { Colors } from "../output";
import { costLine } from "./render";
import type { CostBaseline } from "./estimate";

/** 0 completed, 2 partial, 1 failed or cancelled (or not ended). */
export function exitCodeFor(status: PipelineSummary["status"]): number {
  switch (status) {
    case "completed": return Exit.ok;
    case "partial": return Exit.partial;
    default: return Exit.failed;
  }
}

/** What the summary is written with besides the run. */
export interface SummaryOptions {
  c: Colors;
  baseline: CostBaseline | null;
  /** How many deliverables the run left (null: not known). */
  deliverables: number | null;
  /** Leave out the cost (the live view right above shows it). */
  costShown?: boolean;
}

/** The lines that close a run's view: outcome, time, cost, what failed, and where the result is. */
export function summaryLines(summary: PipelineSummary, o: SummaryOptions): string[] {
  const { c } = o;
  const took = summary.finished_at !== null ? duration(summary.finished_at - (summary.started_at ?? summary.created_at)) : null;
  const mark = summary.status === "completed" ? c.green("✔") : summary.status === "partial" ? c.yellow("◐") : c.red("✖");
  const status = summary.status === "completed" ? c.green(summary.status) : summary.status === "partial" ? c.yellow(summary.status) : c.red(summary.status);
  const cost = o.costShown ? "" : ` · ${costLine(summary, o.baseline)}`;
  const lines = [`${mark} ${summary.pipeline_id} ${status}${summary.reason ? ` (${summary.reason})` : ""}${took ? ` in ${took}` : ""}${cost}`];
  for (const step of summary.steps) {
    if (step.status === "failed" && step.error) lines.push(`  ${step.id} failed after ${step.attempt} attempt${step.attempt === 1 ? "" : "s"}: ${step.error.code}: ${step.error.message}`);
  }
  for (const note of summary.notes) lines.push(`  note: ${note}`);
  if (summary.status === "completed" || summary.status === "partial") {
    lines.push(`  result:        aif result ${summary.pipeline_id}`);
    if (o.deliverables !== null && o.deliverables > 0) {
      lines.push(`  deliverables:  ${o.deliverables} (aif deliverables list --pipeline ${summary.pipeline_id})`);
    }
  } else if (summary.status === "failed" || summary.status === "cancelled") {
    const first = summary.steps.find((s) => s.status === "failed" || s.status === "pending" || s.status === "skipped");
    if (first) lines.push(c.dim(`  staff can run it again from a step: aif pipelines retry ${summary.pipeline_id} --from-step ${first.id}`));
  }
  return lines;
}
