import type { PipelineStep } from "../../api/types";
import { clock, duration } from "../../lib/format";
import type { Segment, SegmentKind } from "./run-state";

const KIND_LABEL: Record<SegmentKind, string> = {
  waiting_budget: "waiting for budget", waiting_capacity: "waiting for capacity", running: "running", retry_wait: "waiting to retry",
};

/**
 * Every attempt on one time axis: per step, the time spent waiting for budget, waiting for
 * capacity, running and waiting to retry, each in its own colour. Steps seen only in a snapshot
 * (their events no longer kept) are drawn from their start and end times.
 */
export function Timeline({ steps, segments, start, end }: { steps: readonly PipelineStep[]; segments: Record<string, Segment[]>; start: number; end: number }) {
  const span = Math.max(1, end - start);
  const x = (t: number) => `${(((t - start) / span) * 100).toFixed(3)}%`;
  const w = (a: number, b: number) => `${Math.max(0.4, ((b - a) / span) * 100).toFixed(3)}%`;
  return (
    <div className="timeline" role="table" aria-label="Attempts over time">
      <div className="tl-legend" aria-hidden="true">
        {(Object.keys(KIND_LABEL) as SegmentKind[]).map((k) => <span key={k}><i className={`seg-${k}`} />{KIND_LABEL[k]}</span>)}
        <span className="muted">{clock(start)} → {clock(end)} ({duration(span)})</span>
      </div>
      {steps.map((step) => {
        const own = segments[step.id] ?? [];
        const drawn: Segment[] = own.length > 0 ? own
          : step.started_at !== null ? [{ kind: "running", attempt: step.attempt, from: step.started_at, to: step.finished_at, outcome: step.status }] : [];
        return (
          <div className="tl-row" role="row" key={step.id}>
            <span className="tl-label" role="rowheader">{step.id}</span>
            <span className="tl-track" role="cell">
              {drawn.map((seg, i) => {
                const to = seg.to ?? end;
                const title = `${step.id} · attempt ${seg.attempt} · ${KIND_LABEL[seg.kind]} · ${clock(seg.from)} for ${duration(to - seg.from)}${seg.outcome ? ` → ${seg.outcome}` : seg.to === null ? " (now)" : ""}`;
                return <i key={i} className={`seg-${seg.kind} ${seg.outcome === "failed" ? "seg-failed" : ""} ${seg.to === null ? "seg-open" : ""}`} style={{ left: x(seg.from), width: w(seg.from, to) }} title={title} aria-label={title} />;
              })}
            </span>
          </div>
        );
      })}
    </div>
  );
}
