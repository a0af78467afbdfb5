import * as v from "valibot";
import { Micros } from "../../contracts/money";
import { AdmissionStatuses, PipelineStatuses, StepStatuses } from "./statuses";

const Step = { step_id: v.string(), attempt: v.number(), worker: v.string() };
const ErrorInfo = v.nullable(v.object({ code: v.string(), message: v.string() }));

/** A pipeline summary: the snapshot and the `pipeline_finished` payload. */
export const PipelineSummarySchema = v.object({
  pipeline_id: v.string(), template: v.string(), client_id: v.string(), status: v.picklist(PipelineStatuses),
  reason: v.nullable(v.string()), notes: v.array(v.string()), cost_micros: Micros,
  /** Step payload bytes that passed through the actor, and the same payloads whole (large ones travel by reference). */
  bytes_through_actor: v.number(), payload_bytes: v.number(),
  created_at: v.number(), started_at: v.nullable(v.number()), finished_at: v.nullable(v.number()),
  steps: v.array(v.object({
    id: v.string(), status: v.picklist(StepStatuses), attempt: v.number(), worker: v.string(),
    /** The steps this one waits for (the DAG's edges). */
    depends_on: v.optional(v.array(v.string())),
    /** What one attempt of the step is estimated to cost (micro-USD). */
    estimate_micros: v.optional(v.nullable(v.number())),
    queued: v.nullable(v.object({ position: v.number(), etaMs: v.number(), since: v.optional(v.number()), at: v.optional(v.number()) })), cost_micros: Micros, error: ErrorInfo,
    skipped_reason: v.nullable(v.string()), output_ref: v.nullable(v.string()),
    started_at: v.nullable(v.number()), finished_at: v.nullable(v.number()), retry_at: v.nullable(v.number()),
  })),
  /** The run's admission hold at the client's ledger: what it was admitted for (micro-USD), and whether it is still held. */
  admission: v.optional(v.object({ status: v.picklist(AdmissionStatuses), amount_micros: v.nullable(Micros) })),
  /** A run waiting for capacity: its best queue position and estimated start and finish (ms since the epoch). */
  queue: v.optional(v.nullable(v.object({
    position: v.number(), waiting_steps: v.array(v.string()), estimated_start_at: v.number(), estimated_finish_at: v.nullable(v.number()),
  }))),
});

/** A pipeline summary, as typed by its schema. */
export type PipelineSummary = v.InferOutput<typeof PipelineSummarySchema>;

/** Payloads of the PipelineActor's live events, by type. */
export const PipelineEventPayloads = {
  snapshot: PipelineSummarySchema,
  pipeline_created: v.object({ pipeline_id: v.string(), template: v.string(), steps: v.array(v.string()) }),
  step_waiting_budget: v.object(Step),
  step_waiting_capacity: v.object(Step),
  step_started: v.object(Step),
  /** A running step's progress, as its worker reports it (throttled): `done` of `total` units. */
  step_progress: v.object({ ...Step, done: v.number(), total: v.number(), message: v.optional(v.string()) }),
  step_retrying: v.object({ ...Step, retry_at: v.nullable(v.number()), error: ErrorInfo }),
  step_succeeded: v.object({ ...Step, cost_micros: Micros, output_ref: v.nullable(v.string()) }),
  step_failed: v.object({ ...Step, error: ErrorInfo }),
  step_skipped: v.object({ ...Step, reason: v.nullable(v.string()) }),
  step_reset: v.object(Step),
  /** A step's place in its pool's queue, when it should get its slot, and when the run should end (null: no estimate). */
  queue_position: v.object({ ...Step, position: v.number(), eta_ms: v.number(), estimated_start_at: v.number(), estimated_finish_at: v.nullable(v.number()) }),
  cost_updated: v.object({ cost_micros: Micros }),
  pipeline_status: v.object({ status: v.picklist(PipelineStatuses), reason: v.nullable(v.string()) }),
  pipeline_finished: PipelineSummarySchema,
} as const;
