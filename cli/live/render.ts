/**
 * The live view of a run as lines of text, from the run's state alone (pure: the state, the
 * time and the baseline in; lines out), so a test can render any state without a terminal.
 * One line per step (state, attempt, a progress bar, queue position and ETA while waiting for
 * capacity, duration, cost), then the cost against the estimate.
 */
import type { PipelineSummary } from "../../src/actors/pipeline/protocol";
import type { RunState } from "../../ui/src/views/pipeline/run-state";
import { bar, clip, duration, micros, usd } from "../format";
import type { Colors } from "../output";
import type { CostBaseline } from "./estimate";

type Step = PipelineSummary["steps"][number];
type StepStatus = Step["status"];

/** What a frame is drawn with besides the state. */
export interface RenderOptions {
  now: number;
  c: Colors;
  /** Terminal width; lines are cut to it. */
  width: number;
  baseline: CostBaseline | null;
  /** A line about the connection (reconnecting), when there is one. */
  link?: string | null;
}

/** Each step status's mark and label. */
export const STEP_LOOK: Record<StepStatus, { mark: string; label: string }> = {
  pending: { mark: "·", label: "pending" },
  waiting_budget: { mark: "◔", label: "waiting budget" },
  waiting_capacity: { mark: "◷", label: "queued" },
  running: { mark: "●", label: "running" },
  retry_wait: { mark: "↻", label: "retry wait" },
  succeeded: { mark: "✔", label: "succeeded" },
  failed: { mark: "✖", label: "failed" },
  skipped: { mark: "–", label: "skipped" },
};
const LABEL_WIDTH = Math.max(...Object.values(STEP_LOOK).map((l) => l.label.length));
const BAR_WIDTH = 12;

function colour(status: StepStatus | PipelineSummary["status"], c: Colors): (text: string) => string {
  switch (status) {
    case "succeeded": case "completed": return c.green;
    case "failed": case "cancelled": return c.red;
    case "partial": case "retry_wait": case "waiting_budget": case "waiting_capacity": case "queued": case "paused": return c.yellow;
    case "running": return c.cyan;
    default: return c.dim;
  }
}

/** A bar for work whose progress is not reported: a block sweeping across, moved by the clock. */
export function busy(now: number, width: number): string {
  const span = width - 3;
  const step = Math.floor(now / 120) % (2 * span);
  const at = step < span ? step : 2 * span - step;
  return "░".repeat(at) + "▓▓▓" + "░".repeat(width - 3 - at);
}

/** Seconds until `at`, for people ("~12s", "now"). */
function until(at: number, now: number): string {
  const ms = at - now;
  return ms <= 500 ? "any moment" : `~${duration(ms)}`;
}

/** The part of a step's line after its label: progress, queue, errors, time and cost. */
export function stepDetail(step: Step, state: RunState, now: number): string {
  // Its attempt's running time, as the plain lines say it (the live events' segments); else from its first start.
  const ran = state.segments[step.id]?.findLast((s) => s.kind === "running" && s.attempt === step.attempt);
  const took = ran ? duration((ran.to ?? step.finished_at ?? now) - ran.from) : step.started_at !== null ? duration((step.finished_at ?? now) - step.started_at) : null;
  const cost = step.cost_micros > 0 ? micros(step.cost_micros) : null;
  switch (step.status) {
    case "pending": return step.depends_on && step.depends_on.length > 0 ? `after ${step.depends_on.join(", ")}` : "";
    case "waiting_budget": return "waiting for the budget hold";
    case "waiting_capacity": {
      if (!step.queued) return "asking the pool for a slot";
      const slot = (step.queued.at ?? step.queued.since ?? now) + step.queued.etaMs;
      return `queue #${step.queued.position} · starts ${until(slot, now)}`;
    }
    case "running": {
      const progress = state.progress[step.id];
      const parts = [progress ? `${bar(progress.done, progress.total, BAR_WIDTH)} ${progress.done}/${progress.total}` : busy(now, BAR_WIDTH)];
      if (progress?.message) parts.push(progress.message);
      if (took) parts.push(took);
      return parts.join("  ");
    }
    case "retry_wait": {
      const error = step.error ? `${step.error.code}: ${step.error.message}` : "failed";
      return `${error} · retry ${step.retry_at !== null ? until(step.retry_at, now) : "soon"}`;
    }
    case "succeeded": return [bar(1, 1, BAR_WIDTH), took?.padStart(6), cost].filter(Boolean).join("  ");
    case "failed": return [step.error ? `${step.error.code}: ${step.error.message}` : "failed", took, cost].filter(Boolean).join("  ");
    case "skipped": return step.skipped_reason ?? "";
  }
}

/** The run's header: id, template, status, time so far. */
export function headerLine(summary: PipelineSummary, now: number, c: Colors): string {
  const from = summary.started_at ?? summary.created_at;
  const took = duration((summary.finished_at ?? now) - from);
  const reason = summary.reason ? ` (${summary.reason})` : "";
  return `${c.bold(summary.pipeline_id)} · ${summary.template} · ${colour(summary.status, c)(summary.status)}${reason} · ${took}`;
}

/** The cost line: spent so far against the baseline. */
export function costLine(summary: PipelineSummary, baseline: CostBaseline | null): string {
  const spent = `cost ${micros(summary.cost_micros)}`;
  if (!baseline) return spent;
  if (baseline.kind === "steps") return `${spent} of the steps' estimate ${micros(baseline.micros)}`;
  const [low, high] = baseline.estimate.cost_interval_usd;
  const interval = low !== undefined && high !== undefined && usd(low) !== usd(high)
    ? ` (${Math.round(baseline.estimate.confidence_level * 100)}%: ${usd(low)}–${usd(high)})` : "";
  return `${spent} of estimate ${usd(baseline.estimate.cost_usd)}${interval}`;
}

/** The whole live view: header, one line per step, queue, cost, and the connection when it is not fine. */
export function renderRun(state: RunState, o: RenderOptions): string[] {
  const summary = state.summary;
  if (!summary) return [o.link ?? o.c.dim("connecting…")];
  const idWidth = Math.max(...summary.steps.map((s) => s.id.length), 4);
  const lines = [headerLine(summary, o.now, o.c)];
  for (const step of summary.steps) {
    const look = STEP_LOOK[step.status];
    const paint = colour(step.status, o.c);
    const attempt = step.attempt > 0 ? `#${step.attempt}` : "  ";
    const prefix = `  ${look.mark} ${step.id.padEnd(idWidth)}  ${look.label.padEnd(LABEL_WIDTH)}  ${attempt.padEnd(3)} `;
    const detail = clip(stepDetail(step, state, o.now), Math.max(10, o.width - prefix.length - 1));
    lines.push(`  ${paint(look.mark)} ${step.id.padEnd(idWidth)}  ${paint(look.label.padEnd(LABEL_WIDTH))}  ${o.c.dim(attempt.padEnd(3))} ${detail}`.trimEnd());
  }
  if (summary.queue) {
    const q = summary.queue;
    const finish = q.estimated_finish_at !== null ? `, ends ${until(q.estimated_finish_at, o.now)}` : "";
    lines.push(o.c.yellow(`  waiting for capacity: the run starts ${until(q.estimated_start_at, o.now)}${finish}`));
  }
  lines.push(costLine(summary, o.baseline));
  if (state.gaps.length > 0) {
    const missing = state.gaps.reduce((n, g) => n + g.missing, 0);
    lines.push(o.c.dim(`(${missing} earlier event${missing === 1 ? "" : "s"} no longer kept by the server; the view starts from its snapshot)`));
  }
  if (o.link) lines.push(o.c.yellow(o.link));
  return lines;
}
