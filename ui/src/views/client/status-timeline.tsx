import { dateTime, duration, relative } from "../../lib/format";
import type { RequestViewData } from "./api-types";

interface Stage { key: string; label: string; at: string | null; state: "done" | "current" | "failed" | "todo"; note?: string }

/** A request's life: created, processing (its run started), then completed or failed, each with its time. */
export function StatusTimeline({ request, now }: { request: RequestViewData; now: number }) {
  const status = request.request_status;
  const ended = status === "completed" || status === "failed";
  const started = request.started_processing_at;
  const took = started && request.completed_at ? Date.parse(request.completed_at) - Date.parse(started) : null;
  const stages: Stage[] = [
    { key: "created", label: "Created", at: request.created_at, state: "done" },
    {
      key: "processing", label: "Processing", at: started,
      state: started ? (ended ? "done" : "current") : "todo",
      ...(status === "pending" ? { note: "waiting for a run" } : {}),
    },
    status === "failed"
      ? { key: "failed", label: "Failed", at: request.completed_at, state: "failed", ...(took !== null ? { note: `after ${duration(took)}` } : {}) }
      : { key: "completed", label: "Completed", at: request.completed_at, state: status === "completed" ? "done" : "todo", ...(took !== null ? { note: `in ${duration(took)}` } : {}) },
  ];
  return (
    <ol className="cl-timeline" aria-label="Status timeline" data-testid="request-timeline">
      {stages.map((s) => (
        <li key={s.key} className={s.state} data-stage={s.key} data-state={s.state} aria-current={s.state === "current" ? "step" : undefined}>
          <strong>{s.label}</strong>
          {s.at ? <small><time dateTime={s.at} title={relative(s.at, now)}>{dateTime(s.at)}</time></small> : <small>{s.state === "todo" ? "not yet" : ""}</small>}
          {s.note ? <small><br />{s.note}</small> : null}
        </li>
      ))}
    </ol>
  );
}
