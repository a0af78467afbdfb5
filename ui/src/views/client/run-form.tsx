import { useMemo, useState, type FormEvent, type ReactNode } from "react";
import { useLocation } from "wouter";
import { api, ApiError } from "../../api/http";
import { Button, Card, ErrorBox, Field } from "../../components/ui";
import { URGENCIES, type OrchestrationInput, type OrchestrationStarted, type RequestViewData, type TemplateDetail } from "./api-types";
import { BudgetProblem } from "./budget-problem";
import { EstimatePanel } from "./estimate-panel";
import { ParamField } from "./param-field";
import { fieldErrorsOf, fromForm, initialForm, isEditable, type FormValue } from "./params";
import { useEstimate } from "./use-estimate";

type Urgency = (typeof URGENCIES)[number];

/** What a request gives a run to start from: its topic (as the AI read it) and, for the same template, its parameters. */
function givenBy(request: RequestViewData | null, template: string): Record<string, unknown> {
  if (!request) return {};
  const params = request.selected_template === template && request.template_parameters ? request.template_parameters : {};
  const read = request.request_analysis?.topic;
  const topic = typeof read === "string" && read.length >= 3 ? read : (request.processed_request ?? request.original_message).slice(0, 200);
  return { topic, ...params };
}

/**
 * A template's parameters form with the estimate beside it; Start sends POST /orchestrate (linked
 * to `request` when given) and opens the pipeline's page. The API's field problems are shown
 * next to their fields, a 402 as what is available against what the run needs.
 */
export function RunForm({ template, request, templatePicker }: { template: TemplateDetail["template"]; request: RequestViewData | null; templatePicker: ReactNode }) {
  const [, navigate] = useLocation();
  const defs = template.parameters;
  const [form, setForm] = useState(() => initialForm(defs, givenBy(request, template.template_name)));
  const [urgency, setUrgency] = useState<Urgency>(request?.urgency_level ?? "medium");
  const [busy, setBusy] = useState(false);
  const [startError, setStartError] = useState<unknown>(null);
  const { parameters, errors: localErrors } = useMemo(() => fromForm(defs, form), [defs, form]);
  const missing = defs.filter((p) => p.required && isEditable(p) && (parameters[p.name] === undefined || parameters[p.name] === ""));
  const ready = missing.length === 0 && Object.keys(localErrors).length === 0;
  const estimate = useEstimate(template.template_name, parameters, ready);
  const estimateErrors = estimate.error instanceof ApiError && estimate.error.status === 422 ? fieldErrorsOf(estimate.error) : {};
  // After a start was tried, a required field left empty says so at the field.
  const [tried, setTried] = useState(false);
  const missingErrors: Record<string, string> = tried ? Object.fromEntries(missing.map((p) => [p.name, "is required"])) : {};
  const errors: Record<string, string> = { ...estimateErrors, ...fieldErrorsOf(startError), ...missingErrors, ...localErrors };

  const change = (name: string, value: FormValue) => {
    setForm((f) => ({ ...f, [name]: value }));
    setStartError(null);
  };

  const start = async (event: FormEvent) => {
    event.preventDefault();
    if (Object.keys(localErrors).length > 0 || missing.length > 0) {
      setTried(true);
      // The first field marked (in the form's order), once the marks are drawn.
      const form = event.currentTarget as HTMLFormElement;
      requestAnimationFrame(() => form.querySelector<HTMLElement>("[aria-invalid=true]")?.focus());
      return;
    }
    setBusy(true);
    setStartError(null);
    try {
      const { topic, ...rest } = parameters;
      const body: OrchestrationInput = {
        pipeline_template: template.template_name, topic: typeof topic === "string" ? topic : "", urgency,
        template_parameters: rest, ...(request ? { request_id: request.request_id } : {}),
      };
      const started = await api.post<OrchestrationStarted>("/orchestrate", body);
      navigate(`/pipelines/${started.pipeline.id}`);
    } catch (e) {
      setStartError(e);
      setBusy(false);
    }
  };

  const named = new Set(Object.keys(fieldErrorsOf(startError)));
  const shownApart = startError instanceof ApiError && startError.status === 402 ? "budget" : named.size > 0 ? "fields" : startError ? "box" : null;
  const fixed = defs.filter((p) => !isEditable(p)).length;
  return (
    <div className="grid-2">
      <Card title="Parameters">
        <form className="cl-form" onSubmit={start} aria-label="Start a run" noValidate>
          {templatePicker}
          {defs.length === 0 ? <p className="muted">This template takes no parameters.</p> : null}
          {defs.map((p) => (
            <ParamField key={p.name} param={p} value={form[p.name]} error={errors[p.name]} onChange={(v) => change(p.name, v)} />
          ))}
          {fixed > 0 ? <p className="muted"><small>{fixed} parameter{fixed === 1 ? " is" : "s are"} fixed on your plan (shown greyed).</small></p> : null}
          <Field label="Urgency" error={errors["@urgency"]} hint="Higher urgency is served first when capacity is short.">
            {(id, describedBy) => (
              <select id={id} aria-describedby={describedBy} value={urgency} onChange={(e) => setUrgency(e.target.value as Urgency)} data-testid="run-urgency">
                {URGENCIES.map((u) => <option key={u} value={u}>{u}</option>)}
              </select>
            )}
          </Field>
          {shownApart === "budget" ? <BudgetProblem error={startError as ApiError} /> : null}
          {shownApart === "fields" ? <p className="field-error" role="alert">The run was not started: fix the fields marked above.</p> : null}
          {shownApart === "box" ? <ErrorBox error={startError} title="The run was not started" /> : null}
          <div className="cl-form-actions">
            <Button type="submit" variant="primary" busy={busy} data-testid="start-run">Start the run</Button>
            {missing.length > 0 ? <small className="muted">Fill in {missing.map((p) => p.display_name).join(", ")} first.</small> : null}
          </div>
        </form>
      </Card>
      <div>
        <EstimatePanel state={estimate} waitingFor={missing.length > 0 ? `Enter ${missing.map((p) => p.display_name.toLowerCase()).join(", ")} to see the estimate.`
          : Object.keys(localErrors).length > 0 ? "Fix the fields marked in the form to see the estimate." : null} />
      </div>
    </div>
  );
}
