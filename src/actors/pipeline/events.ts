import { queueEta, slotAt } from "./eta";
import type { JsonObject } from "../../lib/json";
import type { StepProgress } from "../../workers/contract";
import type { PipelineSummary } from "./protocol";
import type { EventCodec } from "../shared/event-log";
import { currentWorker, firstWorker, isTerminal, outputRef, type PipelineState } from "./machine";

/** A pipeline event for subscribers. */
export interface PipelineEvent { type: string; payload: JsonObject }

/** The summary subscribers and the HTTP API show. */
export function summarize(s: PipelineState, now: number | null = null): PipelineSummary {
  return {
    pipeline_id: s.spec.pipelineId, template: s.spec.templateName, client_id: s.spec.clientId, status: s.status,
    reason: s.reason, notes: s.notes, cost_micros: s.costMicros,
    bytes_through_actor: s.transfer.actorBytes, payload_bytes: s.transfer.payloadBytes,
    created_at: s.createdAt, started_at: s.startedAt, finished_at: s.finishedAt,
    admission: { status: s.admission, amount_micros: s.spec.admissionMicros ?? null },
    steps: s.steps.map((st, i) => {
      const spec = s.spec.steps[i]?.id === st.id ? s.spec.steps[i] : s.spec.steps.find((x) => x.id === st.id);
      return {
        id: st.id, status: st.status, attempt: st.attempt, worker: currentWorker(s, st), depends_on: spec?.dependsOn ?? [], estimate_micros: spec?.estimateMicros ?? null,
        queued: st.queued, cost_micros: st.costMicros, error: st.error, skipped_reason: st.skippedReason, output_ref: st.outputRef,
        started_at: st.startedAt, finished_at: st.finishedAt, retry_at: st.retryAt,
      };
    }),
    // Where a run waiting for capacity stands (computed at `now`; left out of stored events).
    ...(now !== null ? { queue: queueEta(s, now) } : {}),
  };
}

/** What changed between two states, as events: step lifecycle, queue position, cost, pipeline status and result. */
export function diffEvents(before: PipelineState | null, after: PipelineState): PipelineEvent[] {
  const events: PipelineEvent[] = [];
  if (!before) events.push({ type: "pipeline_created", payload: { pipeline_id: after.spec.pipelineId, template: after.spec.templateName, steps: after.spec.steps.map((s) => s.id) } });
  const newAttempts = after.attempts.slice(before && before.attempts.length <= after.attempts.length ? before.attempts.length : 0);
  for (const step of after.steps) {
    const old = before?.steps.find((s) => s.id === step.id);
    const worker = currentWorker(after, step);
    const base = { step_id: step.id, attempt: step.attempt, worker };
    // An attempt that started and ended between two writes (a round's write is deferred, and a
    // fast worker answers first) still shows that it started, before how it ended.
    for (const a of newAttempts) {
      const ran = a.stepId === step.id && !a.errorCode?.startsWith("capacity_");
      if (ran && !(old?.status === "running" && old.attempt === a.attempt)) {
        events.push({ type: "step_started", payload: { step_id: step.id, attempt: a.attempt, worker: a.worker } });
      }
    }
    if (old?.status !== step.status) {
      switch (step.status) {
        case "waiting_budget": events.push({ type: "step_waiting_budget", payload: base }); break;
        case "waiting_capacity": events.push({ type: "step_waiting_capacity", payload: base }); break;
        case "running": events.push({ type: "step_started", payload: base }); break;
        case "retry_wait": events.push({ type: "step_retrying", payload: { ...base, retry_at: step.retryAt, error: step.error } }); break;
        case "succeeded": events.push({ type: "step_succeeded", payload: { ...base, cost_micros: step.costMicros, output_ref: step.outputRef } }); break;
        case "failed": events.push({ type: "step_failed", payload: { ...base, error: step.error } }); break;
        case "skipped": events.push({ type: "step_skipped", payload: { ...base, reason: step.skippedReason } }); break;
        case "pending": if (old) events.push({ type: "step_reset", payload: base }); break;
      }
    }
    if (step.queued && JSON.stringify(step.queued) !== JSON.stringify(old?.queued ?? null)) {
      const answeredAt = step.queued.at ?? step.queued.since;
      events.push({ type: "queue_position", payload: {
        ...base, position: step.queued.position, eta_ms: step.queued.etaMs,
        estimated_start_at: slotAt(step.queued, answeredAt), estimated_finish_at: queueEta(after, answeredAt)?.estimated_finish_at ?? null,
      } });
    }
  }
  if (before && before.costMicros !== after.costMicros) events.push({ type: "cost_updated", payload: { cost_micros: after.costMicros } });
  if (before?.status !== after.status) {
    events.push({ type: "pipeline_status", payload: { status: after.status, reason: after.reason } });
    if (isTerminal(after.status)) events.push({ type: "pipeline_finished", payload: summarize(after) as unknown as JsonObject });
  }
  return events;
}

/** The fields of a stored `pipeline_finished` that may differ from the state's later (a run retried after it ended). */
const FINISHED_KEPT = ["status", "reason", "cost_micros", "finished_at"] as const;

/** The output reference a step event's attempt gets when it succeeds. */
function usualOutputRef(payload: JsonObject): string {
  return outputRef(String(payload.step_id), Number(payload.attempt));
}

/** How a run ended, as a stored `pipeline_finished` keeps it. */
function endedFields(payload: JsonObject): JsonObject {
  const kept: JsonObject = {};
  for (const k of FINISHED_KEPT) kept[k] = payload[k] ?? null;
  return kept;
}

/**
 * How the PipelineActor's log stores its events, each read back whole:
 * - `pipeline_created` as nothing: its id, template and steps are the spec's;
 * - `pipeline_finished` carries the whole summary (every step) when it is sent, but is stored as
 *   how the run ended (status, reason, cost, time) and read back as the summary of the state it
 *   is read from with those fields (the summary is in the state already; storing it again made
 *   the run's last write its largest). So a replay shows the run as it is now, with how it
 *   ended: what changed after the end (the admission released, a late answer's bytes, steps a
 *   retry after the end started again) reads as it is now, as the snapshot after it would;
 * - a step event leaves out its worker when that is the step's first, and `step_succeeded` its
 *   output reference when that is the usual one for the attempt.
 */
export function storedEvents(state: () => PipelineState | null): EventCodec {
  return {
    store: (type, payload) => {
      // The run's id, template and steps: its spec's.
      if (type === "pipeline_created") return {};
      if (type === "pipeline_finished") return { ended: true, ...endedFields(payload) };
      const s = state();
      if (!s || typeof payload.step_id !== "string") return payload;
      const { worker, output_ref, ...rest } = payload;
      const stored: JsonObject = rest;
      if (worker !== undefined && worker !== firstWorker(s.spec, payload.step_id)) stored.worker = worker;
      if (output_ref !== undefined && !(type === "step_succeeded" && output_ref === usualOutputRef(payload))) stored.output_ref = output_ref;
      return stored;
    },
    load: (type, payload) => {
      const s = state();
      if (!s) return payload;
      if (type === "pipeline_created") {
        return payload.pipeline_id !== undefined ? payload : { pipeline_id: s.spec.pipelineId, template: s.spec.templateName, steps: s.spec.steps.map((st) => st.id) };
      }
      if (type === "pipeline_finished") {
        return payload.ended === true ? { ...(summarize(s) as unknown as JsonObject), ...endedFields(payload) } : payload;
      }
      // (A step event stored before this always has its worker and output reference.)
      if (typeof payload.step_id !== "string") return payload;
      const whole: JsonObject = { ...payload };
      if (whole.worker === undefined) whole.worker = firstWorker(s.spec, payload.step_id) ?? null;
      if (type === "step_succeeded" && whole.output_ref === undefined) whole.output_ref = usualOutputRef(payload);
      return whole;
    },
  };
}

/**
 * A running step's progress from its worker, as a `step_progress` event: null when the attempt
 * is not running any more, or the figures are not numbers (the harness throttles what it sends).
 */
export function progressEvent(s: PipelineState, p: StepProgress): PipelineEvent | null {
  const st = s.steps.find((x) => x.id === p.step_id);
  if (!st || st.status !== "running" || st.attempt !== p.attempt) return null;
  if (!Number.isFinite(p.done) || !Number.isFinite(p.total) || p.total <= 0) return null;
  return {
    type: "step_progress",
    payload: {
      step_id: st.id, attempt: st.attempt, worker: currentWorker(s, st), done: Math.max(0, Math.min(p.done, p.total)), total: p.total,
      ...(typeof p.message === "string" ? { message: p.message.slice(0, 200) } : {}),
    },
  };
}

/** The step status each step event announces. */
const STEP_EVENT_STATUS: Record<string, string> = {
  step_waiting_budget: "waiting_budget", step_waiting_capacity: "waiting_capacity", step_started: "running", step_retrying: "retry_wait",
  step_succeeded: "succeeded", step_failed: "failed", step_skipped: "skipped", step_reset: "pending",
};

/** The steps a checkpoint changed, and to what, from the events written with it (the last one per step). */
export function checkpointSteps(events: readonly { type: string; payload: JsonObject }[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of events) {
    const status = STEP_EVENT_STATUS[e.type];
    if (status !== undefined && typeof e.payload.step_id === "string") out[e.payload.step_id] = status;
  }
  return out;
}
