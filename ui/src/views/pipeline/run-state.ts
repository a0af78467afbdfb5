/**
 * The live view's state, folded from the PipelineActor's messages: the summary (from snapshots,
 * then kept current by each event), the event list (each sequence number once), progress per
 * step, and the timeline's segments. Pure: messages in, a new state out, applied in batches.
 */
import { isEnded } from "../../../../src/actors/pipeline/statuses";
import type { LiveEventOf, PipelineSummary } from "../../api/types";

export type PipelineMessage = LiveEventOf<"pipeline-actor">;
type StepStatus = PipelineSummary["steps"][number]["status"];

/** What the timeline draws: a step's time waiting for budget, for capacity, running, or waiting to retry. */
export type SegmentKind = "waiting_budget" | "waiting_capacity" | "running" | "retry_wait";
export interface Segment { kind: SegmentKind; attempt: number; from: number; to: number | null; outcome: StepStatus | null }

export interface RunState {
  summary: PipelineSummary | null;
  /** Events (not snapshots), oldest first, each seq once. */
  events: PipelineMessage[];
  /** Events the actor no longer kept when we connected or reconnected: [after seq, missing count]. */
  gaps: { after: number; missing: number }[];
  progress: Record<string, { done: number; total: number; message?: string | undefined }>;
  segments: Record<string, Segment[]>;
  /** The last sequence number folded in. */
  lastSeq: number;
}

export const emptyRun: RunState = { summary: null, events: [], gaps: [], progress: {}, segments: {}, lastSeq: 0 };

const STEP_STATUS: Partial<Record<PipelineMessage["type"], StepStatus>> = {
  step_waiting_budget: "waiting_budget", step_waiting_capacity: "waiting_capacity", step_started: "running",
  step_retrying: "retry_wait", step_succeeded: "succeeded", step_failed: "failed", step_skipped: "skipped", step_reset: "pending",
};

/** Folds a batch of messages (in arrival order) into the state; copies each part at most once. */
export function applyMessages(state: RunState, messages: readonly PipelineMessage[]): RunState {
  if (messages.length === 0) return state;
  let summary = state.summary;
  let stepsCopied = false;
  const events = state.events.slice();
  const gaps = state.gaps.slice();
  const progress = { ...state.progress };
  const segments: Record<string, Segment[]> = { ...state.segments };
  let lastSeq = state.lastSeq;

  const steps = () => {
    if (summary && !stepsCopied) {
      summary = { ...summary, steps: summary.steps.map((s) => ({ ...s })) };
      stepsCopied = true;
    }
    return summary?.steps ?? [];
  };
  const segmentsOf = (id: string) => (segments[id] = (segments[id] ?? []).slice());
  const close = (id: string, at: number, outcome: StepStatus | null) => {
    const list = segmentsOf(id);
    const open = list[list.length - 1];
    if (open && open.to === null) list[list.length - 1] = { ...open, to: at, outcome };
  };

  for (const m of messages) {
    if (m.type === "snapshot") {
      // A snapshot after events we never saw (the actor's bounded log dropped them): say how many,
      // and let the snapshot settle what those events would have: open segments of steps that
      // have moved on end now, progress of steps no longer running goes.
      if (m.seq > lastSeq) {
        gaps.push({ after: lastSeq, missing: m.seq - lastSeq });
        for (const step of m.payload.steps) {
          const open = segments[step.id]?.at(-1);
          if (open && open.to === null && open.kind !== step.status) close(step.id, m.at, step.status);
          if (step.status !== "running") delete progress[step.id];
        }
      }
      summary = m.payload;
      stepsCopied = false;
      lastSeq = Math.max(lastSeq, m.seq);
      continue;
    }
    if (m.seq > lastSeq + 1 && lastSeq > 0) gaps.push({ after: lastSeq, missing: m.seq - lastSeq - 1 });
    else if (lastSeq === 0 && m.seq > 1) gaps.push({ after: 0, missing: m.seq - 1 });
    lastSeq = Math.max(lastSeq, m.seq);
    events.push(m);

    const status = STEP_STATUS[m.type];
    if (status && "step_id" in m.payload) {
      const p = m.payload as { step_id: string; attempt: number; worker: string };
      close(p.step_id, m.at, status);
      if (status === "waiting_budget" || status === "waiting_capacity" || status === "running" || status === "retry_wait") {
        segmentsOf(p.step_id).push({ kind: status, attempt: p.attempt, from: m.at, to: null, outcome: null });
      }
      if (status !== "running") delete progress[p.step_id];
      const step = steps().find((s) => s.id === p.step_id);
      if (step) {
        step.status = status;
        step.attempt = p.attempt;
        step.worker = p.worker;
        if (status === "running") { step.started_at = m.at; step.error = null; step.queued = null; }
        if (status === "succeeded" || status === "failed" || status === "skipped") step.finished_at = m.at;
        if (m.type === "step_succeeded") { step.cost_micros = m.payload.cost_micros; step.output_ref = m.payload.output_ref; }
        if (m.type === "step_failed") step.error = m.payload.error;
        if (m.type === "step_retrying") { step.error = m.payload.error; step.retry_at = m.payload.retry_at; }
        if (m.type === "step_skipped") step.skipped_reason = m.payload.reason;
      }
      continue;
    }
    switch (m.type) {
      case "step_progress":
        progress[m.payload.step_id] = { done: m.payload.done, total: m.payload.total, message: m.payload.message };
        break;
      case "queue_position": {
        const step = steps().find((s) => s.id === m.payload.step_id);
        if (step) step.queued = { position: m.payload.position, etaMs: m.payload.eta_ms, at: m.at };
        if (summary) summary = { ...summary, queue: { position: m.payload.position, waiting_steps: [m.payload.step_id], estimated_start_at: m.payload.estimated_start_at, estimated_finish_at: m.payload.estimated_finish_at } };
        break;
      }
      case "cost_updated":
        if (summary) summary = { ...summary, cost_micros: m.payload.cost_micros };
        break;
      case "pipeline_status":
        if (summary) summary = { ...summary, status: m.payload.status, reason: m.payload.reason, ...(m.payload.status === "running" ? {} : { queue: null }) };
        if (isEnded(m.payload.status)) for (const id of Object.keys(segments)) close(id, m.at, null);
        break;
      case "pipeline_finished":
        summary = { ...m.payload, queue: null };
        stepsCopied = false;
        break;
      case "pipeline_created":
        break;
    }
  }
  return { summary, events, gaps, progress, segments, lastSeq };
}

/** True once the run has ended. */
export function isFinished(summary: PipelineSummary | null): boolean {
  return summary !== null && isEnded(summary.status);
}
