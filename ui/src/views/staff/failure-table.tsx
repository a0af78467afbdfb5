import type { FailureRecord } from "../../../../src/contracts/admin";
import { Empty, StatusBadge } from "../../components/ui";
import { clock, dateTime } from "../../lib/format";

/** What an actor gave up on, or is still retrying. */
export function FailureTable({ failures }: { failures: FailureRecord[] }) {
  if (failures.length === 0) return <Empty>Nothing failed.</Empty>;
  return (
    <div className="table-wrap">
      <table>
        <thead><tr><th>Operation</th><th>Outcome</th><th>Error</th><th className="num">Attempts</th><th>Last</th></tr></thead>
        <tbody>
          {failures.map((f) => (
            <tr key={f.operation}>
              <td className="mono">{f.operation}</td>
              <td><StatusBadge status={f.outcome === "gave_up" ? "failed" : f.outcome === "retrying" ? "retry_wait" : "degraded"} /> {f.outcome.replace("_", " ")}</td>
              <td><code>{f.code}</code> {f.message}</td>
              <td className="num">{f.attempts}</td>
              <td>{dateTime(f.last_at)}{f.retry_at ? <div className="muted">retry at {clock(f.retry_at)}</div> : null}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
