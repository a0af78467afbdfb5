import { useState } from "react";
import { Link } from "wouter";
import type { AdminPipelines } from "../../../../src/contracts/admin";
import type { PipelineHistory } from "../../../../src/contracts/runs";
import { query } from "../../api/http";
import { useUser } from "../../api/session";
import { useApi } from "../../api/use-api";
import { Button, Empty, Loaded, Page, Pager, StatusBadge } from "../../components/ui";
import { dateTime, usd } from "../../lib/format";
import { BulkCancel } from "./bulk-cancel";
import { PipelineFilters, type Filters } from "./pipeline-filters";
import "./staff.css";

const LIMIT = 50;

/** What the list shows of a run: the registry's row (history rows carry more). */
type Row = AdminPipelines["pipelines"][number];

/** /pipelines — runs across clients: active ones from the actors' registry, the rest from history, filtered. */
export default function PipelinesView() {
  const admin = useUser().role === "admin";
  const [filters, setFilters] = useState<Filters>({ state: "active", status: "", template: "", client: "" });
  const [offset, setOffset] = useState(0);
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const active = filters.state === "active";
  const activeRuns = useApi<AdminPipelines>(active ? `/admin/actors/pipelines${query({ state: "active", limit: LIMIT, offset })}` : null);
  const history = useApi<PipelineHistory>(active ? null : `/pipeline-history${query({ status: filters.status, template: filters.template, client_id: filters.client, limit: LIMIT, offset })}`);
  const state = active ? activeRuns : history;
  const reload = state.reload;

  const change = (next: Filters) => { setFilters(next); setOffset(0); setSelected(new Set()); };
  const toggle = (id: string) => setSelected((s) => { const n = new Set(s); if (n.has(id)) n.delete(id); else n.add(id); return n; });

  return (
    <Page title="Pipelines" subtitle="Runs across every client. Open one live, or inspect its actor."
      actions={<Button onClick={reload}>Refresh</Button>}>
      <PipelineFilters value={filters} onChange={change} />
      {admin ? <BulkCancel ids={[...selected]} onDone={() => { setSelected(new Set()); reload(); }} /> : null}
      <Loaded state={state as { data: AdminPipelines | PipelineHistory | null; error: unknown; loading: boolean }} what="Loading pipelines">
        {(data) => {
          // The active list has no filter of its own: applied here to the page.
          const all: readonly Row[] = data.pipelines;
          const rows = all.filter((p) => !active || ((!filters.template || p.template_name === filters.template) && (!filters.client || p.client_id === filters.client)));
          const total = "total" in data ? data.total : offset + data.pipelines.length + (data.pipelines.length === LIMIT ? 1 : 0);
          const cancellable = rows.filter((r) => r.status === "processing" || r.status === "pending");
          const chosen = cancellable.filter((r) => selected.has(r.pipeline_id)).map((r) => r.pipeline_id);
          return rows.length === 0 ? <Empty>{active ? "No pipeline is running now." : "No run matches these filters."}</Empty> : (
            <>
              <div className="table-wrap">
                <table>
                  <thead>
                    <tr>
                      {admin ? (
                        <th className="check">
                          <input type="checkbox" aria-label="Select every running pipeline on this page" disabled={cancellable.length === 0}
                            checked={chosen.length > 0 && chosen.length === cancellable.length}
                            onChange={(e) => setSelected(e.target.checked ? new Set(cancellable.map((r) => r.pipeline_id)) : new Set())} />
                        </th>
                      ) : null}
                      <th>Pipeline</th><th>Template</th><th>Client</th><th>Status</th><th className="num">Cost</th><th>Created</th><th>Finished</th>
                    </tr>
                  </thead>
                  <tbody>
                    {rows.map((p) => (
                      <tr key={p.pipeline_id} className={selected.has(p.pipeline_id) ? "selected" : ""} data-testid="pipeline-row" data-pipeline={p.pipeline_id}>
                        {admin ? (
                          <td className="check">
                            {p.status === "processing" || p.status === "pending"
                              ? <input type="checkbox" aria-label={`Select ${p.pipeline_id}`} checked={selected.has(p.pipeline_id)} onChange={() => toggle(p.pipeline_id)} />
                              : null}
                          </td>
                        ) : null}
                        <td>
                          <Link href={`/pipelines/${p.pipeline_id}`} className="mono">{p.pipeline_id}</Link>
                          <div><Link href={`/inspect/${p.pipeline_id}`} className="note">Inspect</Link></div>
                        </td>
                        <td>{p.template_name}</td>
                        <td><Link href={`/ledgers/${p.client_id}`}>{p.client_id}</Link></td>
                        <td><StatusBadge status={p.status} /></td>
                        <td className="num">{usd(p.total_cost_micros)}</td>
                        <td>{dateTime(p.created_at)}</td>
                        <td>{dateTime(p.completed_at)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
              <Pager offset={offset} limit={LIMIT} total={total} onChange={setOffset} />
            </>
          );
        }}
      </Loaded>
    </Page>
  );
}
