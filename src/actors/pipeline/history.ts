import { finishRequestStatement } from "../../catalog/requests";
import { isoTime } from "../../lib/ids";
import { currentWorker, outputRef, type PipelineState } from "./machine";

/**
 * A run's rows in D1: the processing row that lists it while it runs, and the history written
 * when it ends (pipeline_executions, worker_execution_results, pipeline_worker_sessions, and the
 * request it runs). Every statement is idempotent.
 *
 * `reduced`: the form written when D1 refuses the whole one for a reason no retry can fix (a
 * CHECK, a value too big): the run's parameters are left out and long texts cut, so the run is
 * still listed with its status, costs and steps.
 */
const REDUCED_TEXT = 1_000;

function text(value: string | null, reduced: boolean): string | null {
  return value !== null && reduced ? value.slice(0, REDUCED_TEXT) : value;
}

/** The run's topic input, when it has one (a history column). */
function topicOf(s: PipelineState, reduced: boolean): string | null {
  return typeof s.spec.inputs.topic === "string" ? text(s.spec.inputs.topic, reduced) : null;
}

/** The statement that lists the run as processing (nothing changes if it is already listed). */
export function registerStatement(db: D1Database, s: PipelineState, reduced: boolean): D1PreparedStatement {
  return db.prepare(
    `INSERT INTO pipeline_executions (pipeline_id, template_name, client_id, request_id, topic, status, parameters, steps_total, created_at, started_at)
     VALUES (?, ?, ?, ?, ?, 'processing', ?, ?, ?, ?) ON CONFLICT (pipeline_id) DO NOTHING`,
  ).bind(s.spec.pipelineId, s.spec.templateName, s.spec.clientId, s.spec.requestId, topicOf(s, reduced), reduced ? null : JSON.stringify(s.spec.inputs),
    s.steps.length, isoTime(s.createdAt), isoTime(s.startedAt));
}

/** The statements that record the ended run. */
export function historyStatements(db: D1Database, s: PipelineState, reduced: boolean): D1PreparedStatement[] {
  return [
    db.prepare(
      `INSERT INTO pipeline_executions (pipeline_id, template_name, client_id, request_id, topic, status, parameters, total_cost_micros,
         total_execution_time_ms, steps_total, steps_succeeded, steps_failed, failure_reason, created_at, started_at, completed_at,
         bytes_through_actor, payload_bytes)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (pipeline_id) DO UPDATE SET status = excluded.status, total_cost_micros = excluded.total_cost_micros,
         bytes_through_actor = excluded.bytes_through_actor, payload_bytes = excluded.payload_bytes,
         total_execution_time_ms = excluded.total_execution_time_ms, steps_succeeded = excluded.steps_succeeded,
         steps_failed = excluded.steps_failed, failure_reason = excluded.failure_reason, completed_at = excluded.completed_at${reduced ? ", parameters = NULL" : ""}`,
    ).bind(s.spec.pipelineId, s.spec.templateName, s.spec.clientId, s.spec.requestId, topicOf(s, reduced), s.status, reduced ? null : JSON.stringify(s.spec.inputs), s.costMicros,
      s.finishedAt !== null && s.startedAt !== null ? s.finishedAt - s.startedAt : 0, s.steps.length,
      s.steps.filter((st) => st.status === "succeeded").length, s.steps.filter((st) => st.status === "failed").length,
      text(s.reason, reduced), isoTime(s.createdAt), isoTime(s.startedAt), isoTime(s.finishedAt), s.transfer.actorBytes, s.transfer.payloadBytes),
    ...s.attempts.map((a) => db.prepare(
      `INSERT INTO worker_execution_results (result_id, pipeline_id, step_id, worker_name, attempt, success, output_ref, error_code,
         error_message, execution_time_ms, cost_micros, tokens_input, tokens_output, started_at, completed_at, input_units)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (result_id) DO NOTHING`,
    ).bind(a.key, s.spec.pipelineId, a.stepId, a.worker, a.attempt, a.success ? 1 : 0,
      a.success ? outputRef(a.stepId, a.attempt) : null, a.errorCode, text(a.errorMessage, reduced), a.durationMs, a.costMicros,
      a.tokensIn, a.tokensOut, isoTime(a.startedAt), isoTime(a.finishedAt), a.inputUnits ?? null)),
    ...s.steps.filter((st) => st.attempt > 0).map((st, i) => db.prepare(
      `INSERT INTO pipeline_worker_sessions (session_id, request_id, pipeline_id, client_id, step_id, worker_name, step_order, started_at,
         completed_at, execution_time_ms, worker_cost_micros, worker_success, deliverables_summary, error_message)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (session_id) DO UPDATE SET completed_at = excluded.completed_at, execution_time_ms = excluded.execution_time_ms,
         worker_cost_micros = excluded.worker_cost_micros, worker_success = excluded.worker_success, error_message = excluded.error_message`,
    ).bind(`${s.spec.pipelineId}:${st.id}`, s.spec.requestId, s.spec.pipelineId, s.spec.clientId, st.id,
      currentWorker(s, st), i + 1, isoTime(st.startedAt), isoTime(st.finishedAt),
      st.startedAt !== null && st.finishedAt !== null ? st.finishedAt - st.startedAt : 0, st.costMicros,
      st.status === "succeeded" ? 1 : 0, st.outputRef, text(st.error?.message ?? st.skippedReason, reduced))),
    // The request this pipeline runs follows it to its end.
    ...(s.spec.requestId ? [finishRequestStatement(db, {
      requestId: s.spec.requestId, clientId: s.spec.clientId, pipelineId: s.spec.pipelineId, status: s.status, reason: text(s.reason, reduced),
      costMicros: s.costMicros, finishedAt: isoTime(s.finishedAt),
    })] : []),
  ];
}
