import { useState } from "react";
import type { StepDetail } from "../../../../src/contracts/pipeline";
import type { PipelineStep } from "../../api/types";
import { useApi, useNow } from "../../api/use-api";
import { ErrorBox, Facts, Loading, StatusBadge } from "../../components/ui";
import { clock, dateTime, duration, relative, usd } from "../../lib/format";

/** A JSON value, shown whole (pretty) with its size. */
function JsonBlock({ value }: { value: unknown }) {
  const text = JSON.stringify(value, null, 2) ?? "null";
  return <pre>{text.length > 60_000 ? `${text.slice(0, 60_000)}\n… (${text.length - 60_000} more characters)` : text}</pre>;
}

/** The step's input and output, fetched only when opened (they may be stored by reference). */
function StepData({ pipelineId, step }: { pipelineId: string; step: string }) {
  const detail = useApi<StepDetail>(`/pipeline/${encodeURIComponent(pipelineId)}/steps/${encodeURIComponent(step)}`);
  if (detail.error) return <ErrorBox error={detail.error} />;
  if (!detail.data) return <Loading what="Reading the step's data" />;
  const d = detail.data;
  return (
    <>
      {d.unavailable?.length ? <p className="muted">Not readable any more: {d.unavailable.map((u) => `${u.field} (${u.code})`).join(", ")}</p> : null}
      <h3>Attempts</h3>
      {d.attempts.length === 0 ? <p className="muted">No attempt has finished yet.</p> : (
        <div className="table-wrap">
          <table>
            <thead><tr><th>#</th><th>Worker</th><th>Started</th><th className="num">Took</th><th className="num">Cost</th><th>Outcome</th></tr></thead>
            <tbody>
              {d.attempts.map((a) => (
                <tr key={`${a.attempt}-${a.started_at}`}>
                  <td>{a.attempt}</td><td>{a.worker}</td><td>{clock(a.started_at)}</td><td className="num">{duration(a.duration_ms)}</td>
                  <td className="num">{usd(a.cost_micros)}</td>
                  <td>{a.success ? <StatusBadge status="succeeded" /> : <><StatusBadge status="failed" /> <code>{a.error?.code}</code> {a.error?.message}</>}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <details><summary>Input</summary>{d.input === null ? <p className="muted">Not given yet: the step's dependencies are not done.</p> : <JsonBlock value={d.input} />}</details>
      <details><summary>Output</summary>{d.output === null ? <p className="muted">No output yet.</p> : <JsonBlock value={d.output} />}</details>
    </>
  );
}

/** One step: state, attempts and errors, retry time, progress, cost against its estimate, and its data on demand. */
export function StepPanel({ pipelineId, step, progress }: { pipelineId: string; step: PipelineStep; progress: { done: number; total: number; message?: string | undefined } | undefined }) {
  const now = useNow(1000);
  const [open, setOpen] = useState(false);
  return (
    <div className="step-panel" data-testid="step-panel">
      <div className="card-head">
        <h2>{step.id} <StatusBadge status={step.status} /></h2>
        <span className="muted">{step.worker} · attempt {step.attempt}</span>
      </div>
      {step.status === "running" && progress ? (
        <div className="progress-line">
          <progress max={progress.total} value={progress.done} aria-label={`${step.id} progress`} />
          <span>{progress.done}/{progress.total}{progress.message ? ` · ${progress.message}` : ""}</span>
        </div>
      ) : null}
      <Facts items={[
        ["Cost", `${usd(step.cost_micros)}${step.estimate_micros ? ` of ~${usd(step.estimate_micros)}` : ""}`],
        ["Started", step.started_at ? dateTime(step.started_at) : "—"],
        ["Finished", step.finished_at ? dateTime(step.finished_at) : "—"],
        ["Took", step.started_at ? duration((step.finished_at ?? now) - step.started_at) : "—"],
        ...(step.queued ? [["Queue", `position ${step.queued.position} · about ${duration(step.queued.etaMs)}`] as [string, string]] : []),
        ...(step.status === "retry_wait" && step.retry_at ? [["Retry", `${relative(step.retry_at, now)} (${clock(step.retry_at)})`] as [string, string]] : []),
      ]} />
      {step.error ? <div className="error-box"><strong>{step.error.code}</strong><span>{step.error.message}</span></div> : null}
      {step.skipped_reason ? <p className="muted">Skipped: {step.skipped_reason}</p> : null}
      <details className="step-data" onToggle={(e) => setOpen(e.currentTarget.open)}>
        <summary>Attempts, input and output</summary>
        {/* Fetched when opened, and again when the step moves on (its key changes). */}
        {open ? <StepData key={`${step.id}-${step.status}-${step.attempt}`} pipelineId={pipelineId} step={step.id} /> : null}
      </details>
    </div>
  );
}

