import { useEffect, useState } from "react";
import type { AssignAnswer } from "../../../../src/contracts/desk";
import type { RequestViewData } from "../../../../src/contracts/requests";
import type { TemplateDetail, TemplateParameter, TemplateSummaryData } from "../../../../src/contracts/templates";
import { api, query } from "../../api/http";
import { useAction } from "../../api/use-action";
import { useApi } from "../../api/use-api";
import { Button, ErrorBox, Field, Loading } from "../../components/ui";

type Values = Record<string, string | boolean>;

/**
 * The template and its parameters for a pending request, pre-filled: the recommended (or already
 * assigned) template, the topic the analysis read in the message, the request's own parameters
 * and the template's defaults. Only what the client's tier may set is shown.
 */
export function AssignForm({ request, tier, templates, suggested, topic, onAssigned }: {
  request: RequestViewData; tier: string | null; templates: TemplateSummaryData[]; suggested: string | null; topic: string | null;
  onAssigned: (a: AssignAnswer) => void;
}) {
  // Only what the client's plan allows (the API refuses the rest).
  const offered = tier ? templates.filter((t) => (t.allowed_tiers as readonly string[]).includes(tier)) : templates;
  const [template, setTemplate] = useState(request.selected_template ?? suggested ?? "");
  // A new recommendation moves the choice to it.
  useEffect(() => { if (suggested) setTemplate(suggested); }, [suggested]);
  const detail = useApi<TemplateDetail>(template ? `/templates/${encodeURIComponent(template)}${query({ tier })}` : null);
  const [values, setValues] = useState<Values>({});
  // Checks the form and calls the API; useAction keeps busy and the failure.
  const action = useAction(async () => {
    setSaved(false);
    const template_parameters: Record<string, unknown> = {};
    for (const p of params) {
      const value = encode(p, values[p.name]);
      if (value !== undefined) template_parameters[p.name] = value;
    }
    const answer = await api.put<AssignAnswer>(`/requests/${encodeURIComponent(request.request_id)}`, { selected_template: template, template_parameters });
    setSaved(true);
    onAssigned(answer);
  });
  const { error } = action;
  const [saved, setSaved] = useState(false);

  const params = detail.data && detail.data.template.template_name === template ? detail.data.template.parameters.filter((p) => p.editable === true) : [];
  useEffect(() => {
    if (!detail.data || detail.data.template.template_name !== template) return;
    const own = request.selected_template === template ? request.template_parameters ?? {} : {};
    setValues(Object.fromEntries(detail.data.template.parameters.filter((p) => p.editable === true).map((p) => [p.name, initial(p, own[p.name], topic)])));
  }, [detail.data, template, request.selected_template, request.template_parameters, topic]);

  const { fields } = action;

  return (
    <form className="panel stack" onSubmit={action.submit} aria-label={`Assign a template to ${request.request_id}`}>
      <div className="inline-form">
        <Field label="Template" error={fields["body.selected_template"]} hint={tier && offered.length < templates.length ? `Templates on the ${tier} plan.` : undefined}>
          {(id, d) => (
            <select id={id} aria-describedby={d} value={template} onChange={(e) => { setTemplate(e.target.value); setSaved(false); }}>
              <option value="">Choose a template…</option>
              {template && !offered.some((t) => t.template_name === template) ? <option value={template}>{template}</option> : null}
              {offered.map((t) => <option key={t.template_name} value={t.template_name}>{t.display_name} ({t.template_name})</option>)}
            </select>
          )}
        </Field>
      </div>
      {detail.error ? <ErrorBox error={detail.error} /> : null}
      {template && detail.loading && params.length === 0 ? <Loading what="Loading the template's parameters" /> : null}
      {params.length > 0 ? (
        <div className="inline-form">
          {params.map((p) => (
            <Field key={p.name} label={p.display_name} hint={p.description} error={fields[`body.template_parameters.${p.name}`]}>
              {(id, d) => <ParamInput id={id} describedBy={d} param={p} value={values[p.name] ?? ""} onChange={(v) => { setValues((x) => ({ ...x, [p.name]: v })); setSaved(false); }} />}
            </Field>
          ))}
        </div>
      ) : null}
      {error && Object.keys(fields).length === 0 ? <ErrorBox error={error} /> : null}
      <div className="row">
        <Button type="submit" busy={action.busy} disabled={!template || (detail.loading && params.length === 0)}>Assign</Button>
        {saved ? <span className="note ok-text" role="status">Assigned {template}.</span> : null}
      </div>
    </form>
  );
}

function ParamInput({ id, describedBy, param: p, value, onChange }: { id: string; describedBy: string | undefined; param: TemplateParameter; value: string | boolean; onChange: (v: string | boolean) => void }) {
  const rules = p.rules as { min?: number; max?: number; min_length?: number; max_length?: number };
  if (p.type === "boolean") return <input id={id} aria-describedby={describedBy} type="checkbox" checked={value === true} onChange={(e) => onChange(e.target.checked)} />;
  if (p.type === "select" && p.options) {
    return (
      <select id={id} aria-describedby={describedBy} value={String(value)} required={p.required} onChange={(e) => onChange(e.target.value)}>
        {p.required ? null : <option value="">(default)</option>}
        {p.options.map((o) => <option key={String(o)} value={String(o)}>{String(o)}</option>)}
      </select>
    );
  }
  if (p.type === "number") return <input id={id} aria-describedby={describedBy} type="number" step="any" min={rules.min} max={rules.max} required={p.required} value={String(value)} onChange={(e) => onChange(e.target.value)} />;
  if (p.type === "array" || p.type === "object") {
    return <textarea id={id} aria-describedby={describedBy} className="mono" placeholder={p.type === "array" ? "[ ]  (JSON)" : "{ }  (JSON)"} value={String(value)} onChange={(e) => onChange(e.target.value)} />;
  }
  return <input id={id} aria-describedby={describedBy} type="text" required={p.required} minLength={rules.min_length} maxLength={rules.max_length} value={String(value)} onChange={(e) => onChange(e.target.value)} />;
}

/** A field's first value: the request's own, the topic read from the message, or the default. */
function initial(p: TemplateParameter, own: unknown, topic: string | null): string | boolean {
  const v = own !== undefined ? own : p.name === "topic" && topic ? topic : p.default;
  if (p.type === "boolean") return v === true;
  if (v === null || v === undefined) return "";
  return p.type === "array" || p.type === "object" ? JSON.stringify(v) : String(v);
}

/** A field's value as the API takes it; undefined leaves the parameter to its default. */
function encode(p: TemplateParameter, v: string | boolean | undefined): unknown {
  if (p.type === "boolean") return v === true;
  if (v === undefined || v === false || String(v).trim() === "") return undefined;
  const text = String(v);
  if (p.type === "number") return Number(text);
  if (p.type === "array" || p.type === "object") {
    try {
      return JSON.parse(text);
    } catch {
      return text; // the API names the field and says what it must be
    }
  }
  return text;
}
