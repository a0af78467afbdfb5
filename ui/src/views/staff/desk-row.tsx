import { useState } from "react";
import { Link } from "wouter";
import type { ClientView } from "../../../../src/contracts/clients";
import type { AssignAnswer, ExecuteAnswer, Recommendation } from "../../../../src/contracts/desk";
import type { RequestViewData } from "../../../../src/contracts/requests";
import type { TemplateSummaryData } from "../../../../src/contracts/templates";
import { api } from "../../api/http";
import { Button, ErrorBox, StatusBadge } from "../../components/ui";
import { dollars, duration, relative } from "../../lib/format";
import { AssignForm } from "./assign-form";
import { RecommendationPanel } from "./recommendation-panel";

/** One pending request at the desk, with its recommendation, assignment and execution. */
export function DeskRow({ request: initial, client, templates }: { request: RequestViewData; client: ClientView | null; templates: TemplateSummaryData[] }) {
  const [request, setRequest] = useState(initial);
  const [recommendation, setRecommendation] = useState<Recommendation | null>(null);
  const [assigned, setAssigned] = useState<AssignAnswer | null>(null);
  const [executed, setExecuted] = useState<ExecuteAnswer | null>(null);
  const [busy, setBusy] = useState<"recommend" | "execute" | null>(null);
  const [error, setError] = useState<unknown>(null);
  const analysis = (request.request_analysis ?? {}) as { topic?: unknown; intent?: unknown; keywords?: unknown };
  const topic = typeof analysis.topic === "string" ? analysis.topic : null;

  const recommend = async () => {
    setBusy("recommend");
    setError(null);
    try {
      setRecommendation(await api.post<Recommendation>("/recommend-template", { request_id: request.request_id }));
    } catch (e) {
      setError(e);
    } finally {
      setBusy(null);
    }
  };
  const execute = async () => {
    setBusy("execute");
    setError(null);
    try {
      setExecuted(await api.post<ExecuteAnswer>(`/requests/${encodeURIComponent(request.request_id)}/execute`, {}));
    } catch (e) {
      setError(e);
    } finally {
      setBusy(null);
    }
  };

  const runnable = request.request_type === "pipeline_execution";
  return (
    <article className="desk-row" data-testid="desk-row" data-request={request.request_id} aria-label={`Request ${request.request_id}`}>
      <div className="row between">
        <div className="row">
          <Link href={`/requests/${request.request_id}`} className="mono">{request.request_id}</Link>
          <StatusBadge status={executed ? "processing" : request.request_status} />
          <span className="badge tone-muted">{request.request_type.replace(/_/g, " ")}</span>
          <span className={`badge ${request.urgency_level === "critical" || request.urgency_level === "high" ? "tone-warn" : "tone-muted"}`}>{request.urgency_level}</span>
        </div>
        <span className="muted" title={request.created_at}>{relative(request.created_at)}</span>
      </div>
      <p className="note">
        {client ? <Link href={`/clients/${client.client_id}`}>{client.company_name}</Link> : request.client_id}
        {client ? <> · {client.subscription_tier} · {dollars(client.monthly_budget_usd - client.used_budget_current_month_usd)} left this month</> : null}
      </p>
      <blockquote>{request.processed_request ?? request.original_message}</blockquote>
      <p className="note">
        {topic ? <>Topic: <strong>{topic}</strong></> : "No topic was read from the message."}
        {typeof analysis.intent === "string" ? <> · intent {analysis.intent}</> : null}
        {Array.isArray(analysis.keywords) && analysis.keywords.length > 0 ? <> · keywords {analysis.keywords.join(", ")}</> : null}
      </p>
      {request.selected_template ? (
        <p className="note">Assigned: <strong>{request.selected_template}</strong>{request.estimated_cost_usd !== null ? <> · estimate {dollars(request.estimated_cost_usd)}</> : null}
          {assigned ? <> · about {duration(assigned.estimate.duration_ms)}</> : null}</p>
      ) : null}
      <div className="actions">
        <Button onClick={recommend} busy={busy === "recommend"} disabled={!!executed}>Recommend</Button>
        {runnable ? <Button variant="primary" onClick={execute} busy={busy === "execute"} disabled={!request.selected_template || !!executed}
          title={request.selected_template ? undefined : "assign a template first"}>Execute</Button> : null}
      </div>
      <ErrorBox error={error} />
      {executed ? (
        <p className="note ok-text" role="status">
          Started <Link href={`/pipelines/${executed.pipeline_id}`}>{executed.pipeline_id}</Link> ({executed.status}), estimate {dollars(executed.estimate.cost_usd)}.{" "}
          <Link href={`/inspect/${executed.pipeline_id}`}>Inspect</Link>
        </p>
      ) : null}
      {recommendation ? <RecommendationPanel recommendation={recommendation} /> : null}
      {!executed && runnable ? (
        <AssignForm request={request} tier={client?.subscription_tier ?? null} templates={templates}
          suggested={recommendation?.template_name ?? null} topic={topic ?? recommendation?.analysis?.topic ?? null}
          onAssigned={(a) => { setAssigned(a); setRequest(a.request); }} />
      ) : null}
    </article>
  );
}
