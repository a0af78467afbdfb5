import * as v from "valibot";
import { Urgencies } from "../catalog/tiers";
import { IdString, Text } from "../router/schemas";
import { SignedDeliverableSchema } from "./deliverables";

/** Kinds of client request (seed: RequestCreationPayload.request_type). */
export const RequestKinds = ["pipeline_execution", "information_request", "support_request"] as const;
/** Request lifecycle states (seed: client_requests.request_status). */
export const RequestStates = ["pending", "processing", "completed", "failed"] as const;

/** `POST /requests`: the seed's RequestCreationPayload. */
export const CreateRequestBody = v.strictObject({
  client_id: v.optional(IdString),
  request_type: v.picklist(RequestKinds, `must be one of ${RequestKinds.join(", ")}`),
  message: Text(3, 10_000, { multiline: true }),
  // Left out: the urgency the AI reads in the message (medium if none answers).
  urgency_level: v.optional(v.picklist(Urgencies, `must be one of ${Urgencies.join(", ")}`)),
  communication_id: v.optional(Text(1, 200)),
});
export type CreateRequestInput = v.InferInput<typeof CreateRequestBody>;

/** A request as the API shows it. */
export const RequestViewSchema = v.object({
  request_id: v.string(), client_id: v.string(), request_type: v.picklist(RequestKinds), original_message: v.string(),
  processed_request: v.nullable(v.string()), urgency_level: v.picklist(Urgencies), communication_id: v.nullable(v.string()),
  request_status: v.picklist(RequestStates), selected_template: v.nullable(v.string()),
  template_parameters: v.nullable(v.record(v.string(), v.unknown())), request_analysis: v.nullable(v.record(v.string(), v.unknown())),
  orchestrator_pipeline_id: v.nullable(v.string()), estimated_cost_usd: v.nullable(v.number()), actual_cost_usd: v.nullable(v.number()),
  failure_reason: v.nullable(v.string()), created_by: v.string(), created_at: v.string(), updated_at: v.string(),
  started_processing_at: v.nullable(v.string()), completed_at: v.nullable(v.string()),
});
export type RequestViewData = v.InferOutput<typeof RequestViewSchema>;

/** `POST /requests`' answer (201). */
export const CreateRequestResponseSchema = v.object({
  success: v.literal(true), request_id: v.string(), message: v.string(), request: RequestViewSchema,
});
export type CreateRequestResponse = v.InferOutput<typeof CreateRequestResponseSchema>;

/** `GET /requests`: a page, newest first. */
export const RequestListSchema = v.object({
  requests: v.array(RequestViewSchema), total: v.number(), limit: v.number(), offset: v.number(),
});
export type RequestList = v.InferOutput<typeof RequestListSchema>;

/** One worker session of a request's pipeline (seed CompleteRequestResponse.worker_sessions). */
export const WorkerSessionSchema = v.object({
  step_id: v.string(), worker_name: v.string(), execution_time_ms: v.number(), worker_cost_usd: v.number(),
  worker_success: v.boolean(), deliverables_summary: v.string(), error_message: v.nullable(v.string()),
  started_at: v.nullable(v.string()), completed_at: v.nullable(v.string()),
});
export type WorkerSession = v.InferOutput<typeof WorkerSessionSchema>;

/** A waiting run's place in the queue, with its estimated start and finish (ISO times). */
export const QueueStateSchema = v.object({
  position: v.number(), waiting_steps: v.array(v.string()), estimated_start: v.string(), estimated_finish: v.nullable(v.string()),
});

/**
 * `GET /requests/:id`: the request; once it has a pipeline, its worker sessions and either the
 * running state (status, cost so far, steps done, queue) or, once ended, the seed's
 * CompleteRequestResponse (timeline, total time and cost, deliverables with signed URLs).
 */
export const RequestDetailsSchema = v.object({
  request: RequestViewSchema,
  pipeline_id: v.optional(v.string()),
  worker_sessions: v.optional(v.array(WorkerSessionSchema)),
  // While it runs.
  pipeline_status: v.optional(v.string()),
  cost_so_far_usd: v.optional(v.number()),
  steps_done: v.optional(v.number()),
  steps_total: v.optional(v.number()),
  queue: v.optional(v.nullable(QueueStateSchema)),
  // Once ended.
  request_id: v.optional(v.string()),
  client_id: v.optional(v.string()),
  request_status: v.optional(v.picklist(RequestStates)),
  selected_template: v.optional(v.nullable(v.string())),
  total_execution_time_ms: v.optional(v.number()),
  total_cost_usd: v.optional(v.number()),
  deliverables: v.optional(v.nullable(v.array(SignedDeliverableSchema))),
  created_at: v.optional(v.string()),
  started_processing_at: v.optional(v.nullable(v.string())),
  completed_at: v.optional(v.nullable(v.string())),
});
export type RequestDetails = v.InferOutput<typeof RequestDetailsSchema>;
