import { Field } from "../../components/ui";
import { dollars, duration } from "../../lib/format";
import type { TemplateSummaryData } from "./api-types";

/** The templates the client's plan allows, as a select, with the chosen one's description. */
export function TemplatePicker({ templates, value, error, onChange }: {
  templates: TemplateSummaryData[]; value: string; error?: string | undefined; onChange: (name: string) => void;
}) {
  const chosen = templates.find((t) => t.template_name === value);
  return (
    <Field label="Template" error={error}
      hint={chosen ? <>{chosen.description} <span className="muted">Typically {dollars(chosen.estimated_cost_usd)}, {duration(chosen.estimated_duration_ms)}; {chosen.worker_flow.length} steps.</span></> : "What to make: each template is a pipeline of workers."}>
      {(id, describedBy) => (
        <select id={id} aria-describedby={describedBy} value={value} onChange={(e) => onChange(e.target.value)} data-testid="template-select" required>
          <option value="">Choose a template…</option>
          {templates.map((t) => <option key={t.template_name} value={t.template_name}>{t.display_name} ({t.category})</option>)}
        </select>
      )}
    </Field>
  );
}
