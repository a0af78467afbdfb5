import { Link } from "wouter";
import { useApi } from "../../api/use-api";
import { Card, Empty, ErrorBox, Loaded, Loading, Page, StatusBadge } from "../../components/ui";
import type { RequestDetails, TemplateDetail, TemplateList } from "./api-types";
import { RunForm } from "./run-form";
import { TemplatePicker } from "./template-picker";
import { useSearchParams } from "./use-search-params";
import "./client.css";

/** Start a run: a template the plan allows (`?template=`), its parameters, the estimate, then go; `?request=` links the run to a pending request. */
export default function StartRun() {
  const [params, setParams] = useSearchParams();
  const requestId = params.get("request");
  const templates = useApi<TemplateList>("/templates");
  const request = useApi<RequestDetails>(requestId ? `/requests/${encodeURIComponent(requestId)}` : null);
  const linked = request.data?.request ?? null;
  // A request that already chose a template starts there.
  const chosen = params.get("template") ?? linked?.selected_template ?? "";
  // Only a template the plan allows is asked for (another would answer 404).
  const allowed = Boolean(chosen && templates.data?.templates.some((t) => t.template_name === chosen));
  const detail = useApi<TemplateDetail>(allowed ? `/templates/${encodeURIComponent(chosen)}` : null);
  const pick = (name: string) => setParams({ template: name || null }, { replace: true });

  if (requestId && !request.data) {
    return <Page title="Start a run">{request.error ? <ErrorBox error={request.error} title="The request could not be read" /> : <Loading what="Loading the request" />}</Page>;
  }
  const usable = linked === null || linked.request_status === "pending";
  return (
    <Page title="Start a run" subtitle="Choose a template, set its parameters, check the estimate, and start.">
      {linked ? (
        <Card title="For request" className="cl-section" actions={<StatusBadge status={linked.request_status} />}>
          <p style={{ margin: 0 }}><Link href={`/requests/${linked.request_id}`} className="cl-clip">{linked.processed_request ?? linked.original_message}</Link></p>
          {usable
            ? <small className="muted">The run is linked to this request: it follows the run and gets its deliverables.</small>
            : <p className="cl-problem" role="alert">This request is {linked.request_status}{linked.orchestrator_pipeline_id ? <> with <Link href={`/pipelines/${linked.orchestrator_pipeline_id}`}>its run</Link></> : null}: a run can only be linked to a pending request. <button type="button" className="btn btn-plain" onClick={() => setParams({ request: null })}>Start a run not linked to it</button></p>}
        </Card>
      ) : null}
      {usable ? (
        <Loaded state={templates} what="Loading templates">
          {(list) => {
            if (list.templates.length === 0) return <Empty>Your plan has no templates available. Ask your account manager.</Empty>;
            // Diagnostics templates (the scripted runtime demo) are for operators and tests; a
            // client reaches one only by its link (?template=).
            const offered = list.templates.filter((t) => t.category !== "diagnostics" || t.template_name === chosen);
            const picker = <TemplatePicker templates={offered} value={allowed ? chosen : ""} onChange={pick}
              error={chosen && !allowed ? `“${chosen}” is not a template your plan allows: choose one of these` : undefined} />;
            if (!allowed) return <Card title="Parameters"><div className="cl-form">{picker}</div></Card>;
            if (detail.error && !detail.data) return <Card title="Parameters"><div className="cl-form">{picker}</div><ErrorBox error={detail.error} /></Card>;
            if (!detail.data || detail.data.template.template_name !== chosen) return <Card title="Parameters"><div className="cl-form">{picker}</div><Loading what="Loading the template" /></Card>;
            return <RunForm key={`${chosen}/${linked?.request_id ?? ""}`} template={detail.data.template} request={linked} templatePicker={picker} />;
          }}
        </Loaded>
      ) : null}
    </Page>
  );
}
