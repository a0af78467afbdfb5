import { Empty } from "../../components/ui";
import { dateTime, dollars, duration } from "../../lib/format";
import type { WorkerSession } from "./api-types";

/** The steps a request's run has done: worker, time, cost and outcome. */
export function WorkerSessions({ sessions }: { sessions: WorkerSession[] }) {
  if (sessions.length === 0) return <Empty>No step has finished yet.</Empty>;
  const total = sessions.reduce((sum, s) => sum + s.worker_cost_usd, 0);
  return (
    <div className="table-wrap">
      <table data-testid="worker-sessions">
        <caption className="muted" style={{ textAlign: "left", captionSide: "bottom", paddingTop: ".4rem" }}>{sessions.length} step{sessions.length === 1 ? "" : "s"}, {dollars(total)} in all</caption>
        <thead>
          <tr><th scope="col">Step</th><th scope="col" className="cl-hide-narrow">Worker</th><th scope="col" className="num">Time</th><th scope="col" className="num">Cost</th><th scope="col">Outcome</th></tr>
        </thead>
        <tbody>
          {sessions.map((s) => (
            <tr key={s.step_id}>
              <td title={s.started_at ? `started ${dateTime(s.started_at)}` : undefined}>{s.step_id}</td>
              <td className="cl-hide-narrow">{s.worker_name}</td>
              <td className="num">{duration(s.execution_time_ms)}</td>
              <td className="num">{dollars(s.worker_cost_usd)}</td>
              <td>
                <span className={`badge tone-${s.worker_success ? "ok" : "bad"}`}>{s.worker_success ? "succeeded" : "failed"}</span>
                {s.error_message ? <div><small className="field-error">{s.error_message}</small></div> : null}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
