import { Field } from "../../components/ui";
import { REQUEST_STATES, type TemplateSummaryData } from "./api-types";

export interface RequestFilterValues { status: string; template: string; from: string; to: string }

/** Status, template and creation dates (from, to: whole days in the browser's time zone). */
export function RequestFilters({ values, templates, onChange }: {
  values: RequestFilterValues; templates: TemplateSummaryData[] | null; onChange: (changes: Partial<RequestFilterValues>) => void;
}) {
  const any = values.status || values.template || values.from || values.to;
  return (
    <form className="filters" role="search" aria-label="Filter requests" onSubmit={(e) => e.preventDefault()}>
      <Field label="Status">
        {(id) => (
          <select id={id} value={values.status} onChange={(e) => onChange({ status: e.target.value })} data-testid="filter-status">
            <option value="">Any</option>
            {REQUEST_STATES.map((s) => <option key={s} value={s}>{s}</option>)}
          </select>
        )}
      </Field>
      <Field label="Template">
        {(id) => (
          <select id={id} value={values.template} onChange={(e) => onChange({ template: e.target.value })} data-testid="filter-template">
            <option value="">Any</option>
            {(templates ?? []).map((t) => <option key={t.template_name} value={t.template_name}>{t.display_name}</option>)}
            {values.template && templates && !templates.some((t) => t.template_name === values.template) ? <option value={values.template}>{values.template}</option> : null}
          </select>
        )}
      </Field>
      <Field label="From">{(id) => <input id={id} type="date" value={values.from} max={values.to || undefined} onChange={(e) => onChange({ from: e.target.value })} />}</Field>
      <Field label="To">{(id) => <input id={id} type="date" value={values.to} min={values.from || undefined} onChange={(e) => onChange({ to: e.target.value })} />}</Field>
      {any ? <button type="button" className="btn btn-plain" onClick={() => onChange({ status: "", template: "", from: "", to: "" })}>Clear filters</button> : null}
    </form>
  );
}

/** A day's start in the browser's time zone as an ISO time (the API's `since`), or undefined. */
export function dayStart(day: string): string | undefined {
  if (!/^\d{4}-\d\d-\d\d$/.test(day)) return undefined;
  const d = new Date(`${day}T00:00:00`);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
}

/** The start of the day after (the API's `until` is exclusive), or undefined. */
export function dayEnd(day: string): string | undefined {
  const start = dayStart(day);
  if (!start) return undefined;
  const d = new Date(start);
  d.setDate(d.getDate() + 1);
  return d.toISOString();
}
