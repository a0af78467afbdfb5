import type { LoggedEvent } from "../../../../src/contracts/admin";
import { Empty } from "../../components/ui";
import { clock } from "../../lib/format";

/** The last events an actor logged, newest first. */
export function EventTail({ events }: { events: LoggedEvent[] }) {
  if (events.length === 0) return <Empty>No event yet.</Empty>;
  return (
    <div className="table-wrap">
      <table>
        <thead><tr><th className="num">#</th><th>At</th><th>Event</th><th>Payload</th></tr></thead>
        <tbody>
          {[...events].reverse().map((e) => (
            <tr key={e.seq}>
              <td className="num">{e.seq}</td>
              <td>{clock(e.at)}</td>
              <td><code>{e.type}</code></td>
              <td className="mono">{JSON.stringify(e.payload)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
