import * as v from "valibot";
import { isoTime, newRequestId } from "../lib/ids";
import { microsToUsd } from "../lib/money";
import { readJsonColumn } from "./json-columns";
import { RequestKinds, RequestStates } from "../contracts/requests";
import type { Urgency } from "./tiers";

/** Kinds of client request (seed: RequestCreationPayload.request_type), as the API contract names them. */
export const RequestTypes = RequestKinds;
/** A request's kind. */
export type RequestType = (typeof RequestTypes)[number];
/** Request lifecycle states (seed: client_requests.request_status), as the API contract names them. */
export const RequestStatuses = RequestStates;
/** A request's status. */
export type RequestStatus = (typeof RequestStatuses)[number];

interface RequestRow {
  request_id: string; client_id: string; request_type: RequestType; original_message: string;
  processed_request: string | null; urgency_level: Urgency; communication_id: string | null;
  request_status: RequestStatus; selected_template: string | null; template_parameters: string | null;
  orchestrator_pipeline_id: string | null; estimated_cost_micros: number | null; actual_cost_micros: number | null;
  failure_reason: string | null; created_by: string; created_at: string; updated_at: string;
  started_processing_at: string | null; completed_at: string | null; request_analysis: string | null;
}

/** A request as the API shows it. */
export type RequestView = Omit<RequestRow, "template_parameters" | "estimated_cost_micros" | "actual_cost_micros" | "request_analysis"> & {
  template_parameters: Record<string, unknown> | null;
  request_analysis: Record<string, unknown> | null;
  estimated_cost_usd: number | null;
  actual_cost_usd: number | null;
};

function toView(row: RequestRow): RequestView {
  const { template_parameters, estimated_cost_micros, actual_cost_micros, request_analysis, ...rest } = row;
  return {
    ...rest,
    request_analysis: readJsonColumn(v.nullable(v.record(v.string(), v.unknown())), request_analysis ?? null, "client_requests.request_analysis"),
    template_parameters: readJsonColumn(v.nullable(v.record(v.string(), v.unknown())), template_parameters, "client_requests.template_parameters"),
    estimated_cost_usd: estimated_cost_micros === null ? null : microsToUsd(estimated_cost_micros),
    actual_cost_usd: actual_cost_micros === null ? null : microsToUsd(actual_cost_micros),
  };
}

/** What a new request holds. */
export interface NewRequest {
  clientId: string; requestType: RequestType; message: string; urgency: Urgency;
  communicationId: string | null; createdBy: string;
  /** The AI's cleaned message and what it read in it; null when no provider answered. */
  processed: string | null; analysis: Record<string, unknown> | null;
}

/** Stores a new pending request and returns it. */
export async function createRequest(db: D1Database, input: NewRequest, now: number): Promise<RequestView> {
  const row = await db.prepare(
    `INSERT INTO client_requests (request_id, client_id, request_type, original_message, processed_request, request_analysis, urgency_level,
       communication_id, request_status, created_by, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?, ?) RETURNING *`,
  ).bind(newRequestId(now), input.clientId, input.requestType, input.message, input.processed, input.analysis === null ? null : JSON.stringify(input.analysis),
    input.urgency, input.communicationId, input.createdBy, isoTime(now), isoTime(now)).first<RequestRow>();
  if (!row) throw new Error("INSERT ... RETURNING gave no row");
  return toView(row);
}

/**
 * One request, scoped: with `scope` set, a request of another client is indistinguishable from
 * one that does not exist.
 */
export async function getRequest(db: D1Database, requestId: string, scope: string | null): Promise<RequestView | null> {
  const row = await db.prepare(`SELECT * FROM client_requests WHERE request_id = ?1 AND (?2 IS NULL OR client_id = ?2)`)
    .bind(requestId, scope).first<RequestRow>();
  return row ? toView(row) : null;
}

/** Filters and page for listing requests. */
export interface RequestListQuery {
  scope: string | null; clientId?: string | undefined; status?: RequestStatus | undefined;
  template?: string | undefined; since?: string | undefined; until?: string | undefined; limit: number; offset: number;
}

/** A page of requests, newest first, within the caller's scope. */
export async function listRequests(db: D1Database, q: RequestListQuery): Promise<{ requests: RequestView[]; total: number }> {
  const where = `WHERE (?1 IS NULL OR client_id = ?1) AND (?2 IS NULL OR client_id = ?2) AND (?3 IS NULL OR request_status = ?3)
    AND (?4 IS NULL OR selected_template = ?4) AND (?5 IS NULL OR created_at >= ?5) AND (?6 IS NULL OR created_at < ?6)`;
  const binds = [q.scope, q.clientId ?? null, q.status ?? null, q.template ?? null, q.since ?? null, q.until ?? null];
  const [page, count] = await db.batch<RequestRow | { n: number }>([
    db.prepare(`SELECT * FROM client_requests ${where} ORDER BY created_at DESC, request_id LIMIT ?7 OFFSET ?8`)
      .bind(...binds, q.limit, q.offset),
    db.prepare(`SELECT count(*) AS n FROM client_requests ${where}`).bind(...binds),
  ]);
  return {
    requests: (page!.results as RequestRow[]).map(toView),
    total: (count!.results[0] as { n: number }).n,
  };
}

/** Assigns a template and its parameters to a pending request (seed phase 2): the request as it is now, or null when it is not pending. */
export async function assignTemplate(db: D1Database, requestId: string, clientId: string, template: string, parameters: Record<string, unknown>, estimateMicros: number, now: number): Promise<RequestView | null> {
  const row = await db.prepare(
    `UPDATE client_requests SET selected_template = ?, template_parameters = ?, estimated_cost_micros = ?, updated_at = ?
     WHERE request_id = ? AND client_id = ? AND request_status = 'pending' RETURNING *`,
  ).bind(template, JSON.stringify(parameters), estimateMicros, isoTime(now), requestId, clientId).first<RequestRow>();
  return row ? toView(row) : null;
}

/**
 * Links a pending request to the pipeline that runs it: processing, with its pipeline id and
 * template (seed phase 3). True when linked now or already linked to this same pipeline (a
 * repeated execute), false when the request is not pending or runs another pipeline.
 */
export async function linkPipeline(db: D1Database, requestId: string, clientId: string, pipelineId: string, template: string, now: number): Promise<boolean> {
  const r = await db.prepare(
    `UPDATE client_requests SET request_status = 'processing', orchestrator_pipeline_id = ?, selected_template = ?,
       started_processing_at = ?, updated_at = ?
     WHERE request_id = ? AND client_id = ? AND request_status = 'pending'`,
  ).bind(pipelineId, template, isoTime(now), isoTime(now), requestId, clientId).run();
  if (r.meta.changes === 1) return true;
  const row = await db.prepare(`SELECT orchestrator_pipeline_id FROM client_requests WHERE request_id = ? AND client_id = ?`).bind(requestId, clientId).first<{ orchestrator_pipeline_id: string | null }>();
  return row?.orchestrator_pipeline_id === pipelineId;
}

/**
 * Undoes `linkPipeline` for a run that was not admitted (the client's budget could not cover it):
 * the request is pending again and may be executed later. Only a request still linked to that
 * pipeline and processing changes.
 */
export async function unlinkPipeline(db: D1Database, requestId: string, clientId: string, pipelineId: string, now: number): Promise<void> {
  await db.prepare(
    `UPDATE client_requests SET request_status = 'pending', orchestrator_pipeline_id = NULL, started_processing_at = NULL, updated_at = ?
     WHERE request_id = ? AND client_id = ? AND orchestrator_pipeline_id = ? AND request_status = 'processing'`,
  ).bind(isoTime(now), requestId, clientId, pipelineId).run();
}

/**
 * The statement that records a pipeline's end on the request it runs (seed phase 5): completed
 * (also when optional steps failed: `partial`), or failed with the reason; its actual cost and
 * completion time. Only the request linked to this pipeline changes, so it is idempotent.
 */
export function finishRequestStatement(db: D1Database, p: { requestId: string; clientId: string; pipelineId: string; status: string; reason: string | null; costMicros: number; finishedAt: string | null }): D1PreparedStatement {
  const status = p.status === "completed" || p.status === "partial" ? "completed" : "failed";
  return db.prepare(
    `UPDATE client_requests SET request_status = ?, actual_cost_micros = ?, failure_reason = ?, completed_at = ?, updated_at = ?
     WHERE request_id = ? AND client_id = ? AND orchestrator_pipeline_id = ?`,
  ).bind(status, p.costMicros, status === "failed" ? (p.reason ?? p.status) : p.status === "partial" ? `partial: ${p.reason ?? "optional steps failed"}` : null,
    p.finishedAt, p.finishedAt, p.requestId, p.clientId, p.pipelineId);
}

/** A request whose pipeline runs again (retry from a step): processing until the run ends again. */
export function reopenRequestStatement(db: D1Database, requestId: string, clientId: string, pipelineId: string, at: string): D1PreparedStatement {
  return db.prepare(
    `UPDATE client_requests SET request_status = 'processing', actual_cost_micros = NULL, failure_reason = NULL, completed_at = NULL, updated_at = ?
     WHERE request_id = ? AND client_id = ? AND orchestrator_pipeline_id = ?`,
  ).bind(at, requestId, clientId, pipelineId);
}

interface SessionRow {
  step_id: string; worker_name: string; step_order: number; execution_time_ms: number; worker_cost_micros: number;
  worker_success: number; deliverables_summary: string | null; error_message: string | null; started_at: string | null; completed_at: string | null;
}

/** The worker sessions of a request's pipeline (seed CompleteRequestResponse.worker_sessions). */
export async function workerSessions(db: D1Database, requestId: string, clientId: string) {
  const { results } = await db.prepare(
    `SELECT * FROM pipeline_worker_sessions WHERE request_id = ? AND client_id = ? ORDER BY step_order`,
  ).bind(requestId, clientId).all<SessionRow>();
  return results.map((r) => ({
    step_id: r.step_id, worker_name: r.worker_name, execution_time_ms: r.execution_time_ms, worker_cost_usd: microsToUsd(r.worker_cost_micros),
    worker_success: r.worker_success === 1, deliverables_summary: r.deliverables_summary ?? "", error_message: r.error_message,
    started_at: r.started_at, completed_at: r.completed_at,
  }));
}
