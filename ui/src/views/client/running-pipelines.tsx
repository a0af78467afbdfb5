import { useEffect } from "react";
import { Link } from "wouter";
import { query } from "../../api/http";
import { useApi, useNow } from "../../api/use-api";
import { Card, Empty, Loaded, StatusBadge } from "../../components/ui";
import { dateTime, relative } from "../../lib/format";
import type { PipelineHistory } from "./api-types";

/**
 * The client's pipelines still running (the D1 history), each a link to its live page. Read
 * again when `changed` does: the ledger pushes a change whenever a run is admitted or settles.
 */
export function RunningPipelines({ changed }: { changed: string }) {
  const state = useApi<PipelineHistory>(`/pipeline-history${query({ status: "processing", limit: 10 })}`);
  const now = useNow(30_000);
  const { reload } = state;
  useEffect(() => reload(), [changed, reload]);
  return (
    <Card title="Running now" actions={<Link href="/run">Start a run</Link>}>
      <Loaded state={state} what="Loading running pipelines">
        {(page) => page.pipelines.length === 0 ? <Empty>Nothing is running. <Link href="/run">Start a run</Link>.</Empty> : (
          <ul className="cl-list" aria-label="Running pipelines">
            {page.pipelines.map((p) => (
              <li key={p.pipeline_id} data-testid="running-pipeline">
                <div className="cl-main">
                  <Link href={`/pipelines/${p.pipeline_id}`}>{p.topic ?? p.pipeline_id}</Link>
                  <small className="muted"> {p.template_name} · {p.steps_succeeded}/{p.steps_total} steps</small>
                </div>
                <div className="cl-side">
                  <StatusBadge status={p.status} />
                  <time dateTime={p.created_at} title={dateTime(p.created_at)}>started {relative(p.started_at ?? p.created_at, now)}</time>
                </div>
              </li>
            ))}
          </ul>
        )}
      </Loaded>
      {state.data && state.data.total > state.data.pipelines.length ? <p className="cl-more muted">{state.data.total} running in all.</p> : null}
    </Card>
  );
}
