import type { ClientList } from "../../../../src/contracts/clients";
import type { TemplateList } from "../../../../src/contracts/templates";
import { useApi } from "../../api/use-api";
import { Button, Field } from "../../components/ui";

export interface Filters { state: "active" | "history"; status: string; template: string; client: string }

const STATUSES = ["processing", "completed", "partial", "failed", "cancelled"];

/** Active or history, and the history's status, template and client. */
export function PipelineFilters({ value, onChange }: { value: Filters; onChange: (f: Filters) => void }) {
  const templates = useApi<TemplateList>("/templates");
  const clients = useApi<ClientList>("/clients?limit=200");
  return (
    <>
      <div className="tabs" role="group" aria-label="Which runs">
        <Button aria-pressed={value.state === "active"} onClick={() => onChange({ ...value, state: "active", status: "" })}>Active</Button>
        <Button aria-pressed={value.state === "history"} onClick={() => onChange({ ...value, state: "history" })}>Recent and past</Button>
      </div>
      <div className="filters">
        {value.state === "history" ? (
          <Field label="Status">
            {(id) => (
              <select id={id} value={value.status} onChange={(e) => onChange({ ...value, status: e.target.value })}>
                <option value="">Any</option>
                {STATUSES.map((s) => <option key={s} value={s}>{s}</option>)}
              </select>
            )}
          </Field>
        ) : null}
        <Field label="Template">
          {(id) => (
            <select id={id} value={value.template} onChange={(e) => onChange({ ...value, template: e.target.value })}>
              <option value="">Any</option>
              {templates.data?.templates.map((t) => <option key={t.template_name} value={t.template_name}>{t.template_name}</option>)}
            </select>
          )}
        </Field>
        <Field label="Client">
          {(id) => (
            <select id={id} value={value.client} onChange={(e) => onChange({ ...value, client: e.target.value })}>
              <option value="">Any</option>
              {clients.data?.clients.map((c) => <option key={c.client_id} value={c.client_id}>{c.company_name}</option>)}
            </select>
          )}
        </Field>
      </div>
    </>
  );
}
