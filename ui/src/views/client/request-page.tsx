import { useCallback } from "react";
import { Link, useParams } from "wouter";
import type { LiveEventOf } from "../../api/types";
import { useLive } from "../../live/use-live";
import { useApi, useNow } from "../../api/use-api";
import { Card, Empty, ErrorBox, Facts, Loading, Page, StatusBadge } from "../../components/ui";
import { dateTime, dollars, duration, relative } from "../../lib/format";
import { PipelineLive } from "../pipeline/pipeline-live";
import type { RequestDetails } from "./api-types";
import { DeliverableRows } from "./deliverable-rows";
import { StatusTimeline } from "./status-timeline";
import { WorkerSessions } from "./worker-sessions";
import "./client.css";

/** One request: its timeline, its run (live), its steps with time and cost, and its deliverables. */
export default function RequestPage() {
  const { id = "" } = useParams<{ id: string }>();
  const state = useApi<RequestDetails>(`/requests/${encodeURIComponent(id)}`);
  const now = useNow(30_000);
  const { reload } = state;
  // A pending request starts when someone executes it: its run's admission is a hold at the
  // client's ledger, which the ledger pushes. Read the request again then (no timer).
  const pending = state.data?.request.request_status === "pending";
  const onLedger = useCallback((m: LiveEventOf<"client-ledger">) => { if (m.type === "hold_placed") reload(); }, [reload]);
  useLive("client-ledger", pending ? state.data!.request.client_id : null, { onMessage: onLedger });

  if (state.error && !state.data) {
    return <Page title="Request"><ErrorBox error={state.error} /><p><Link href="/requests">Back to requests</Link></p></Page>;
  }
  if (!state.data) return <Page title="Request"><Loading what="Loading the request" /></Page>;
  const details = state.data;
  const r = details.request;
  const pipelineId = details.pipeline_id ?? r.orchestrator_pipeline_id;
  const analysis = r.request_analysis as { topic?: unknown; intent?: unknown; keywords?: unknown } | null;
  const cost = details.total_cost_usd ?? details.cost_so_far_usd ?? r.actual_cost_usd;
  const params = r.template_parameters ? Object.entries(r.template_parameters) : [];
  return (
    <Page title="Request" subtitle={<><code>{r.request_id}</code> · created {relative(r.created_at, now)}</>}
      actions={<>
        <StatusBadge status={r.request_status} />
        {r.request_status === "pending" ? <Link href={`/run?request=${encodeURIComponent(r.request_id)}`} className="btn btn-primary cl-btn-link" data-testid="start-run-for-request">Start a run</Link> : null}
        {pipelineId ? <Link href={`/pipelines/${pipelineId}`} className="btn btn-plain cl-btn-link">Pipeline page</Link> : null}
      </>}>
      {state.error ? <ErrorBox error={state.error} title="Could not refresh" /> : null}
      <div className="grid">
        <Card title="What you asked">
          <p style={{ whiteSpace: "pre-wrap", marginTop: 0 }}>{r.original_message}</p>
          {r.processed_request && r.processed_request !== r.original_message ? <p className="muted"><small>Read as: {r.processed_request}</small></p> : null}
          <Facts items={[
            ["Kind", r.request_type.replace(/_/g, " ")],
            ["Urgency", r.urgency_level],
            ["Template", r.selected_template ?? "not chosen yet"],
            ...(typeof analysis?.topic === "string" ? [["Topic", analysis.topic] as [string, string]] : []),
            [r.actual_cost_usd !== null || details.total_cost_usd !== undefined ? "Cost" : details.cost_so_far_usd !== undefined ? "Cost so far" : "Estimated cost",
              cost !== null && cost !== undefined ? dollars(cost) : r.estimated_cost_usd !== null ? `≈ ${dollars(r.estimated_cost_usd)}` : "—"],
            ...(details.total_execution_time_ms ? [["Run time", duration(details.total_execution_time_ms)] as [string, string]] : []),
            ...(details.steps_total !== undefined ? [["Steps", `${details.steps_done ?? 0} of ${details.steps_total}`] as [string, string]] : []),
          ]} />
          {params.length > 0 ? (
            <details className="cl-section">
              <summary>Parameters</summary>
              <Facts items={params.map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)])} />
            </details>
          ) : null}
        </Card>
        <Card title="Status">
          <StatusTimeline request={r} now={now} />
          {r.failure_reason ? <div className="cl-problem cl-section" role="alert"><strong>Why it failed</strong>{r.failure_reason}</div> : null}
          {details.queue ? (
            <p className="cl-section" data-testid="queue-position">
              Waiting for capacity: position {details.queue.position} in the queue; expected to start {relative(details.queue.estimated_start, now)}
              {details.queue.estimated_finish ? <> and finish around {dateTime(details.queue.estimated_finish)}</> : null}.
            </p>
          ) : null}
          {r.request_status === "pending" ? (
            <p className="cl-section">This request has no run yet. <Link href={`/run?request=${encodeURIComponent(r.request_id)}`}>Start a run</Link> for it: choose a template, check the estimate, and go.</p>
          ) : null}
        </Card>
      </div>
      {pipelineId ? (
        <div className="grid cl-section">
          <Card title="Steps: time and cost">
            <WorkerSessions sessions={details.worker_sessions ?? []} />
          </Card>
          <Card title="Deliverables">
            {details.deliverables && details.deliverables.length > 0
              ? <DeliverableRows deliverables={details.deliverables} showRequest={false} />
              : <Empty>{r.request_status === "processing" ? "Deliverables appear here when the run completes." : "This run delivered nothing."}</Empty>}
          </Card>
        </div>
      ) : null}
      {pipelineId ? (
        <section className="cl-section" aria-labelledby="run-live-title">
          <div className="card-head cl-live-head">
            <h2 id="run-live-title">The run, live</h2>
            <Link href={`/pipelines/${pipelineId}`}>Open the pipeline's page</Link>
          </div>
          {/* Its timeline, steps and cost follow the run as the actor pushes it (no timer). */}
          <PipelineLive pipelineId={pipelineId} onProgress={reload} deliverables={false} />
        </section>
      ) : null}
    </Page>
  );
}
