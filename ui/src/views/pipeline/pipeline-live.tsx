import { useCallback, useEffect, useRef, useState } from "react";
import { Link } from "wouter";
import { isStaff, useUser } from "../../api/session";
import { useNow } from "../../api/use-api";
import { Card, ErrorBox, Facts, Loading, Meter, StatusBadge } from "../../components/ui";
import { clock, dateTime, duration, relative, usd } from "../../lib/format";
import { useLive, type LiveState } from "../../live/use-live";
import type { PipelineSummary } from "../../api/types";
import { Dag } from "./dag";
import { EventList } from "./event-list";
import { applyMessages, emptyRun, isFinished, type PipelineMessage, type RunState } from "./run-state";
import { RunDeliverables, RunResult } from "./run-result";
import { StepPanel } from "./step-panel";
import { Timeline } from "./timeline";
import "./pipeline.css";

/**
 * Folds the actor's messages into the run's state once per animation frame: a replay of a
 * thousand events renders once, not a thousand times.
 */
function useRunState(pipelineId: string): [RunState, LiveState] {
  const [run, setRun] = useState<RunState>(emptyRun);
  const pending = useRef<PipelineMessage[]>([]);
  const frame = useRef<number | null>(null);
  useEffect(() => {
    setRun(emptyRun);
    pending.current = [];
  }, [pipelineId]);
  const onMessage = useCallback((message: PipelineMessage) => {
    pending.current.push(message);
    if (frame.current !== null) return;
    frame.current = requestAnimationFrame(() => {
      frame.current = null;
      const batch = pending.current;
      pending.current = [];
      setRun((state) => applyMessages(state, batch));
    });
  }, []);
  useEffect(() => () => {
    if (frame.current !== null) cancelAnimationFrame(frame.current);
    frame.current = null;
  }, []);
  // Every event the actor still keeps (since=0), then a snapshot; after a drop, exactly what was missed.
  const live = useLive("pipeline-actor", pipelineId, { initialSince: 0, snapshots: true, onMessage });
  useEffect(() => {
    const debug = ((window as unknown as { aifDebug?: Record<string, unknown> }).aifDebug ??= {});
    debug[`pipeline:${pipelineId}`] = run.events.map((e) => e.seq);
  }, [run.events, pipelineId]);
  return [run, live];
}

/** The connection's state, said plainly. */
export function ConnectionBadge({ live }: { live: LiveState }) {
  const text = live.status === "live" ? (live.reconnects > 0 ? `live (reconnected ${live.reconnects}×)` : "live")
    : live.status === "reconnecting" ? "connection lost: reconnecting…" : live.status === "connecting" ? "connecting…" : "not connected";
  return <span className={`conn ${live.status}`} data-testid="live-status" data-state={live.status} role="status">{text}</span>;
}

/**
 * The pipeline's live view: DAG, timeline, steps, cost, queue, events and result. `onProgress`
 * hears when the run's status, cost or finished steps change (a host page refreshes what it
 * shows about the run then, rather than on a timer). `deliverables`: list the run's files (a
 * host page that lists them itself says false).
 */
export function PipelineLive({ pipelineId, onProgress, deliverables = true }: { pipelineId: string; onProgress?: (summary: PipelineSummary) => void; deliverables?: boolean }) {
  const user = useUser();
  const [run, live] = useRunState(pipelineId);
  const [selected, setSelected] = useState<string | null>(null);
  const now = useNow(1000);
  const s = run.summary;
  const done = s?.steps.filter((x) => x.status === "succeeded" || x.status === "failed" || x.status === "skipped").length ?? 0;
  const progress = useRef(onProgress);
  progress.current = onProgress;
  useEffect(() => {
    if (s) progress.current?.(s);
    // Only these changes matter to a host page.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [s?.status, s?.cost_micros, done]);

  if (live.status === "failed") {
    const title = live.refusal === 404 ? "Not found" : live.refusal === 401 ? "Signed out" : live.refusal === 403 ? "Not allowed" : "Not available";
    return <ErrorBox error={new Error(live.error ?? "this pipeline's live feed is not available")} title={title} />;
  }
  if (!s) return <Card><ConnectionBadge live={live} /> <Loading what="Connecting to the pipeline" /></Card>;

  const finished = isFinished(s);
  const estimate = s.admission?.amount_micros ?? s.steps.reduce((n, st) => n + (st.estimate_micros ?? 0), 0);
  const step = s.steps.find((st) => st.id === (selected ?? "")) ?? s.steps.find((st) => st.status === "running") ?? s.steps[0];
  const start = Math.min(s.created_at, ...Object.values(run.segments).flat().map((g) => g.from));
  const end = s.finished_at ?? now;

  return (
    <div className="pipeline-live" data-testid="pipeline-live" data-status={s.status}>
      <Card>
        <div className="live-head">
          <span data-testid="pipeline-status"><StatusBadge status={s.status} /></span>
          <ConnectionBadge live={live} />
          {isStaff(user) ? <Link href={`/inspect/${s.pipeline_id}`}>Inspect the actor →</Link> : null}
        </div>
        {s.reason ? <p className={s.status === "failed" ? "field-error" : "muted"}>{s.reason}</p> : null}
        <Facts items={[
          ["Template", s.template],
          ["Cost so far", <span key="c" data-testid="pipeline-cost">{usd(s.cost_micros)}{estimate ? ` of ~${usd(estimate)}` : ""}</span>],
          ["Started", s.started_at ? `${dateTime(s.started_at)}` : "not yet"],
          ["Took", s.started_at ? duration(end - s.started_at) : "—"],
          ["Steps", stepsLine(s.steps)],
          ...(s.queue && !finished ? [["Waiting for capacity", `position ${s.queue.position} · starts ${relative(s.queue.estimated_start_at, now)}${s.queue.estimated_finish_at ? ` · done about ${clock(s.queue.estimated_finish_at)}` : ""}`] as [string, string]] : []),
        ]} />
        {estimate > 0 ? <Meter value={s.cost_micros} max={estimate} label="cost against the estimate" tone={s.cost_micros > estimate ? "bad" : "info"} /> : null}
      </Card>

      <div className="grid-2">
        <Card title="Steps">
          <Dag steps={s.steps} progress={run.progress} selected={step?.id ?? null} onSelect={setSelected} />
        </Card>
        <Card>{step ? <StepPanel pipelineId={pipelineId} step={step} progress={run.progress[step.id]} /> : null}</Card>
      </div>

      <Card title="Timeline">
        <Timeline steps={s.steps} segments={run.segments} start={start} end={end} />
      </Card>

      <Card title="Events">
        <EventList events={run.events} gaps={run.gaps} />
      </Card>

      {finished ? (
        <Card title="Result">
          {deliverables ? <><h3>Deliverables</h3><RunDeliverables key={s.status} pipelineId={pipelineId} /></> : null}
          <h3>{s.template === "course_builder" ? "Course" : "Output"}</h3>
          <RunResult key={s.finished_at ?? 0} pipelineId={pipelineId} />
        </Card>
      ) : null}
    </div>
  );
}

/** "3 of 5 done", with the skipped and failed ones said apart. */
function stepsLine(steps: PipelineSummary["steps"]): string {
  const count = (status: string) => steps.filter((x) => x.status === status).length;
  const extra = [count("skipped") ? `${count("skipped")} skipped` : "", count("failed") ? `${count("failed")} failed` : ""].filter(Boolean).join(", ");
  return `${count("succeeded")} of ${steps.length} done${extra ? ` (${extra})` : ""}`;
}

