import { useCallback, useEffect, useState } from "react";
import { Link, useParams } from "wouter";
import type { PipelineInspection } from "../../../../src/contracts/admin";
import type { LiveEventOf, PipelineSummary } from "../../api/types";
import { useApi } from "../../api/use-api";
import { Loaded, Page, StatusBadge } from "../../components/ui";
import { useLive } from "../../live/use-live";
import { InspectorControls } from "./inspector-controls";
import { InspectorDetails } from "./inspector-details";
import { InspectorSteps } from "./inspector-steps";
import { LiveDot } from "./live-state";
import { useDebounced } from "./use-debounced";
import "./staff.css";

/** /inspect/:id — a PipelineActor's insides, with pause, resume, cancel and retry; live. */
export default function InspectorView() {
  const { id } = useParams<{ id: string }>();
  const inspection = useApi<PipelineInspection>(`/admin/actors/pipelines/${encodeURIComponent(id)}`);
  // What the actor pushed since the last inspection: a newer summary, or only a status.
  const [pushed, setPushed] = useState<{ summary: PipelineSummary | null; status: PipelineSummary["status"] | null; seq: number }>({ summary: null, status: null, seq: 0 });
  const refetch = useDebounced(inspection.reload, 400);
  // A fresh inspection supersedes what was pushed before it, not what was pushed while it was
  // being read (a newer seq).
  useEffect(() => {
    const seen = inspection.data?.event_seq ?? 0;
    setPushed((p) => (p.seq <= seen ? { summary: null, status: null, seq: 0 } : p));
  }, [inspection.data]);

  const onMessage = useCallback((m: LiveEventOf<"pipeline-actor">) => {
    if (m.type === "snapshot" || m.type === "pipeline_finished") setPushed({ summary: m.payload, status: m.payload.status, seq: m.seq });
    else if (m.type === "pipeline_status") setPushed((p) => ({ ...p, status: m.payload.status, seq: m.seq }));
    // Every event but progress changes what the inspection shows: fetch it again, once per burst.
    if (m.type !== "snapshot" && m.type !== "step_progress") refetch();
  }, [refetch]);
  const live = useLive("pipeline-actor", id, { snapshots: true, initialSince: null, onMessage });

  const act = useCallback((summary: PipelineSummary) => {
    setPushed((p) => ({ summary, status: summary.status, seq: p.seq }));
    inspection.reload();
  }, [inspection]);

  return (
    <Page title={`Inspect ${id}`} subtitle="The pipeline actor's own state: steps, checkpoints, timers, holds, leases, failures."
      actions={<><LiveDot live={live} /><Link href={`/pipelines/${id}`}>Live view</Link><Link href="/pipelines">← Pipelines</Link></>}>
      <Loaded state={inspection} what="Inspecting the actor">
        {(data) => {
          const summary = pushed.summary ?? data.summary;
          const status = pushed.status ?? summary.status;
          return (
            <>
              <div className="card">
                <div className="row between">
                  <div className="row">
                    <span data-testid="inspector-status"><StatusBadge status={status} /></span>
                    <span className="muted">{summary.template} · <Link href={`/ledgers/${summary.client_id}`}>{summary.client_id}</Link></span>
                  </div>
                  <InspectorControls id={id} status={status} onDone={act} />
                </div>
                {summary.reason ? <p className="note">Reason: {summary.reason}</p> : null}
              </div>
              <InspectorSteps id={id} steps={summary.steps} status={status} onDone={act} />
              <InspectorDetails data={data} summary={summary} />
            </>
          );
        }}
      </Loaded>
    </Page>
  );
}
