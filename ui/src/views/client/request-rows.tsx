import { Link } from "wouter";
import { useNow } from "../../api/use-api";
import { StatusBadge } from "../../components/ui";
import { dateTime, dollars, relative } from "../../lib/format";
import type { RequestViewData } from "./api-types";

/** Requests as a list of rows: the message (a link to the request's page), status, template, when, and cost. */
export function RequestRows({ requests }: { requests: RequestViewData[] }) {
  const now = useNow(30_000);
  return (
    <ul className="cl-list" aria-label="Requests">
      {requests.map((r) => {
        const cost = r.actual_cost_usd ?? r.estimated_cost_usd;
        return (
          <li key={r.request_id} data-testid="request-row" data-request-id={r.request_id} data-status={r.request_status}>
            <div className="cl-main">
              <Link href={`/requests/${r.request_id}`} className="cl-clip">{r.processed_request || r.original_message}</Link>
              <small className="muted">{r.request_id}{r.selected_template ? ` · ${r.selected_template}` : ""} · {r.urgency_level} urgency</small>
            </div>
            <div className="cl-side">
              <StatusBadge status={r.request_status} />
              <time dateTime={r.created_at} title={dateTime(r.created_at)}>{relative(r.created_at, now)}</time>
              {cost !== null ? <span title={r.actual_cost_usd !== null ? "cost" : "estimated cost"}>{r.actual_cost_usd === null ? "≈ " : ""}{dollars(cost)}</span> : null}
            </div>
          </li>
        );
      })}
    </ul>
  );
}
