import { Link } from "wouter";
import { useNow } from "../../api/use-api";
import { bytes, dateTime, relative } from "../../lib/format";
import type { DeliverableMetadata } from "./api-types";
import { DeliverableDownload } from "./deliverable-download";

/** Deliverables as rows: name, format, size, checksum, when, and a download button. */
export function DeliverableRows({ deliverables, showRequest = true }: { deliverables: DeliverableMetadata[]; showRequest?: boolean }) {
  const now = useNow(30_000);
  return (
    <ul className="cl-list" aria-label="Deliverables">
      {deliverables.map((d) => (
        <li key={d.id} data-testid="deliverable-row" data-deliverable-id={d.id}>
          <div className="cl-main">
            <strong>{d.name}</strong>{" "}
            <span className="badge tone-muted">{d.format}</span>{" "}
            <small className="muted">{bytes(d.size)} · {d.type}</small>
            <div><small className="cl-mono muted" title={`Checksum of the content: ${d.checksum}`} data-checksum={d.checksum}>{shortChecksum(d.checksum)}</small></div>
            <small className="muted">
              <time dateTime={d.created_at} title={dateTime(d.created_at)}>{relative(d.created_at, now)}</time>
              {d.expires_at ? <> · kept until {dateTime(d.expires_at)}</> : null}
              {showRequest && d.request_id ? <> · <Link href={`/requests/${d.request_id}`}>request</Link></> : null}
              {" · "}<Link href={`/pipelines/${d.pipeline_id}`}>pipeline</Link>
              {d.download_count > 0 ? <> · downloaded {d.download_count}×</> : null}
            </small>
          </div>
          <div className="cl-side"><DeliverableDownload id={d.id} name={d.name} /></div>
        </li>
      ))}
    </ul>
  );
}

/** `sha256:8fbbde2394…aa050`: enough to compare by eye; the whole value is in the title. */
function shortChecksum(checksum: string): string {
  return checksum.length > 30 ? `${checksum.slice(0, 17)}…${checksum.slice(-6)}` : checksum;
}
