import type { PipelineInspection } from "../../../../src/contracts/admin";
import { api } from "../../api/http";
import { useUser } from "../../api/session";
import { useNow } from "../../api/use-api";
import type { PipelineSummary } from "../../api/types";
import { Card, ConfirmButton, Empty, Facts, StatusBadge } from "../../components/ui";
import { bytes, clock, dateTime, relative, usd } from "../../lib/format";
import { FailureTable } from "./failure-table";
import { EventTail } from "./event-tail";

/** Checkpoints, timers, holds and leases, failures and the event log tail of one pipeline actor. */
export function InspectorDetails({ data, summary }: { data: PipelineInspection; summary: PipelineSummary }) {
  const now = useNow(1000);
  const admin = useUser().role === "admin";
  const gaveUp = data.failures.some((f) => f.outcome === "gave_up");
  return (
    <>
      <Card title="Run">
        <Facts items={[
          ["Created", dateTime(summary.created_at)],
          ["Started", dateTime(summary.started_at)],
          ["Finished", dateTime(summary.finished_at)],
          ["Cost", usd(summary.cost_micros)],
          ["Admission", <><StatusBadge status={data.admission.status} /> {usd(data.admission.amount_micros)}</>],
          ["Next alarm", due(data.next_alarm, now)],
          ["Next timer", due(data.due.next_timer, now)],
          ["Deadline", data.due.deadline_at ? dateTime(data.due.deadline_at) : "none"],
          ["Attempts finished", data.attempts],
          ["Written since the actor woke", data.storage_written
            ? `${data.storage_written.rows} rows, ${bytes(data.storage_written.bytes)} (${data.storage_written.alarm_writes} alarm writes)`
            : bytes(data.bytes_written)],
          ["Through the actor", bytes(summary.bytes_through_actor)],
          ["Last event", `#${data.event_seq}`],
        ]} />
        {summary.notes.length > 0 ? <ul className="result-list">{summary.notes.map((n, i) => <li key={i}>{n}</li>)}</ul> : null}
      </Card>
      <div className="grid">
        <Card title={`Holds (${data.holds.length})`}>
          {data.holds.length === 0 ? <Empty>No step hold is open.</Empty> : (
            <div className="table-wrap"><table>
              <thead><tr><th>Step</th><th>Key</th><th>For</th></tr></thead>
              <tbody>{data.holds.map((h) => <tr key={h.key}><td>{h.step_id}</td><td className="mono">{h.key}</td><td>{h.ahead ? "next attempt" : "this attempt"}</td></tr>)}</tbody>
            </table></div>
          )}
        </Card>
        <Card title={`Leases (${data.leases.length})`}>
          {data.leases.length === 0 ? <Empty>No capacity is held or asked for.</Empty> : (
            <div className="table-wrap"><table>
              <thead><tr><th>Step</th><th>Pool</th><th>Status</th></tr></thead>
              <tbody>{data.leases.map((l) => <tr key={l.key}><td>{l.step_id}<div className="muted mono">{l.key}</div></td><td>{l.worker}</td><td><StatusBadge status={l.status} /></td></tr>)}</tbody>
            </table></div>
          )}
        </Card>
      </div>
      <Card title={`Failures (${data.failures.length})`} actions={admin && gaveUp ? (
        <ConfirmButton label="Redrive" variant="primary" question="Clear what the actor gave up on and let it try again?"
          onConfirm={() => api.post(`/admin/actors/pipelines/${encodeURIComponent(summary.pipeline_id)}/redrive`)} />
      ) : null}>
        <FailureTable failures={data.failures} />
        {data.abandoned.length > 0 ? (
          <>
            <h3>Abandoned calls</h3>
            <ul className="result-list">{data.abandoned.map((a) => <li key={a.key}><span className="mono">{a.key}</span> ({a.worker}) until {clock(a.until)}</li>)}</ul>
          </>
        ) : null}
        {data.cleanup.length > 0 ? (
          <>
            <h3>Clean-up owed</h3>
            <ul className="result-list">{data.cleanup.map((c, i) => <li key={i}>{c.kind.replace(/_/g, " ")} <span className="mono">{c.key}</span></li>)}</ul>
          </>
        ) : null}
      </Card>
      <Card title="Checkpoints">
        {data.checkpoints.length === 0 ? <Empty>No checkpoint yet.</Empty> : (
          <div className="table-wrap"><table>
            <thead><tr><th className="num">#</th><th>At</th><th>Label</th><th>Status</th><th>Steps changed</th></tr></thead>
            <tbody>
              {[...data.checkpoints].reverse().map((c) => (
                <tr key={c.seq}>
                  <td className="num">{c.seq}</td><td>{clock(c.at)}</td><td className="mono">{c.label}</td><td><StatusBadge status={c.status} /></td>
                  <td className="mono">{Object.entries(c.steps).map(([k, v]) => `${k}: ${String(v)}`).join(", ")}</td>
                </tr>
              ))}
            </tbody>
          </table></div>
        )}
      </Card>
      <Card title="Event log tail"><EventTail events={data.recent_events} /></Card>
      <Card title="Spec and context">
        <details><summary>Spec</summary><pre>{JSON.stringify(data.spec, null, 2)}</pre></details>
        <details><summary>Context</summary><pre>{JSON.stringify(data.context, null, 2)}</pre></details>
      </Card>
    </>
  );
}

/** A due time: when, and how far off; one already past is due now (the alarm is about to run). */
function due(at: number | null | undefined, now: number): string {
  if (!at) return "none";
  return at <= now ? `due now (${clock(at)})` : `${clock(at)} (${relative(at, now)})`;
}

