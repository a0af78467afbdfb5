import type { PipelineControlAnswer } from "../../../../src/contracts/admin";
import { RetryableStatuses } from "../../../../src/actors/pipeline/statuses";
import { api } from "../../api/http";
import { useNow } from "../../api/use-api";
import type { PipelineStep, PipelineSummary } from "../../api/types";
import { Card, ConfirmButton, StatusBadge } from "../../components/ui";
import { clock, duration, relative, usd } from "../../lib/format";

/** The steps with their state, attempts, cost, times and errors; each can be retried from. */
export function InspectorSteps({ id, steps, status, onDone }: { id: string; steps: PipelineStep[]; status: PipelineSummary["status"]; onDone: (s: PipelineSummary) => void }) {
  const retryable = RetryableStatuses.includes(status);
  const now = useNow(1000);
  return (
    <Card title="Steps">
      <div className="table-wrap">
        <table>
          <thead>
            <tr><th>Step</th><th>Status</th><th className="num">Attempt</th><th>Worker</th><th className="num">Cost</th><th>Times</th><th>Detail</th><th><span className="sr-only">Actions</span></th></tr>
          </thead>
          <tbody>
            {steps.map((st) => (
              <tr key={st.id} data-testid="inspector-step" data-step={st.id}>
                <td><strong>{st.id}</strong>{st.depends_on && st.depends_on.length > 0 ? <div className="muted">after {st.depends_on.join(", ")}</div> : null}</td>
                <td><StatusBadge status={st.status} /></td>
                <td className="num">{st.attempt}</td>
                <td className="mono">{st.worker}</td>
                <td className="num">{usd(st.cost_micros)}</td>
                <td>
                  {st.started_at ? <div>started {clock(st.started_at)}</div> : null}
                  {st.finished_at ? <div>took {duration(st.finished_at - (st.started_at ?? st.finished_at))}</div> : st.started_at ? <div>running {duration(now - st.started_at)}</div> : null}
                  {st.retry_at ? <div>retry {relative(st.retry_at, now)}</div> : null}
                  {st.queued ? <div>queue #{st.queued.position}, ~{duration(st.queued.etaMs)}</div> : null}
                </td>
                <td>
                  {st.error ? <div className="bad-text"><code>{st.error.code}</code> {st.error.message}</div> : null}
                  {st.skipped_reason ? <div className="muted">{st.skipped_reason}</div> : null}
                  {st.output_ref ? <div className="muted mono">{st.output_ref}</div> : null}
                </td>
                <td>
                  <ConfirmButton label="Retry from here" confirm="Retry" disabled={!retryable || st.status === "pending"}
                    title={retryable ? undefined : "Only a paused, failed, partial or cancelled run can be retried from a step."}
                    question={<>Run <strong>{st.id}</strong> again, and every step downstream of it?</>}
                    onConfirm={async () => onDone(await api.post<PipelineControlAnswer>(`/admin/actors/pipelines/${encodeURIComponent(id)}/retry`, { step_id: st.id }))} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </Card>
  );
}
