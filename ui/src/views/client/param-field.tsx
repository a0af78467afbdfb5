import { Field } from "../../components/ui";
import type { TemplateParameter } from "./api-types";
import { isEditable, optionsOf, type FormValue } from "./params";

const show = (o: unknown) => (typeof o === "string" ? o.replace(/_/g, " ") : JSON.stringify(o));

/** What the rules allow, in words: "3–200 characters", "1–25, whole numbers". */
function ruleHint(p: TemplateParameter): string | null {
  const r = p.rules;
  const n = (k: string) => (typeof r[k] === "number" ? (r[k] as number) : undefined);
  if (p.type === "text" || p.type === "file") {
    const [min, max] = [n("min_length"), n("max_length")];
    return min !== undefined && max !== undefined ? `${min}–${max} characters` : max !== undefined ? `up to ${max} characters` : null;
  }
  if (p.type === "number") {
    const [min, max] = [n("min"), n("max")];
    const range = min !== undefined && max !== undefined ? `${min}–${max}` : min !== undefined ? `at least ${min}` : max !== undefined ? `at most ${max}` : null;
    return [range, r.integer === true ? "whole numbers" : null].filter(Boolean).join(", ") || null;
  }
  if (p.type === "object") return `JSON object${n("max_keys") !== undefined ? `, up to ${n("max_keys")} keys` : ""}`;
  if (p.type === "array" && optionsOf(p).length === 0) return "comma-separated";
  return null;
}

/** One parameter's input, generated from its definition; a parameter the tier may not change is shown, disabled. */
export function ParamField({ param: p, value, error, onChange }: {
  param: TemplateParameter; value: FormValue | undefined; error: string | undefined; onChange: (value: FormValue) => void;
}) {
  const editable = isEditable(p);
  const label = `${p.display_name}${p.required ? " (required)" : ""}`;
  const hint = [p.description, ruleHint(p), editable ? null : "Fixed on your plan."].filter(Boolean).join(" · ");
  const testId = `param-${p.name}`;

  if (p.type === "boolean") {
    return (
      <div className={`field ${error ? "has-error" : ""}`}>
        <label className="cl-check">
          <input type="checkbox" checked={value === true} disabled={!editable} onChange={(e) => onChange(e.target.checked)} data-testid={testId} aria-invalid={Boolean(error)} />
          {label}
        </label>
        {error ? <small className="field-error" role="alert">{error}</small> : <small className="muted">{hint}</small>}
      </div>
    );
  }

  if (p.type === "array" && optionsOf(p).length > 0) {
    const chosen = Array.isArray(value) ? value : [];
    return (
      <div className={`field ${error ? "has-error" : ""}`}>
        <fieldset className="cl-checks" disabled={!editable} data-testid={testId} aria-invalid={Boolean(error)}>
          <legend>{label}</legend>
          {optionsOf(p).map((o, i) => (
            <label key={i} className="cl-check">
              <input type="checkbox" checked={chosen.includes(i)}
                onChange={(e) => onChange(e.target.checked ? [...chosen, i].sort((a, b) => a - b) : chosen.filter((x) => x !== i))} />
              {show(o)}
            </label>
          ))}
        </fieldset>
        {error ? <small className="field-error" role="alert">{error}</small> : <small className="muted">{hint}</small>}
      </div>
    );
  }

  return (
    <Field label={label} error={error} hint={hint}>
      {(id, describedBy) => {
        const common = { id, disabled: !editable, "aria-describedby": describedBy, "aria-invalid": Boolean(error), "data-testid": testId };
        const text = typeof value === "string" ? value : "";
        switch (p.type) {
          case "select":
            return (
              <select {...common} value={text} onChange={(e) => onChange(e.target.value)} required={p.required}>
                {p.required && text !== "" ? null : <option value="">{p.default === null ? "Choose…" : "Default"}</option>}
                {optionsOf(p).map((o, i) => <option key={i} value={String(i)}>{show(o)}</option>)}
              </select>
            );
          case "number": {
            const r = p.rules;
            return (
              <input {...common} type="number" inputMode={r.integer === true ? "numeric" : "decimal"} value={text} onChange={(e) => onChange(e.target.value)}
                min={typeof r.min === "number" ? r.min : undefined} max={typeof r.max === "number" ? r.max : undefined} step={r.integer === true ? 1 : "any"} />
            );
          }
          case "object":
            return <textarea {...common} className="cl-mono" rows={4} value={text} onChange={(e) => onChange(e.target.value)} spellCheck={false} placeholder="{}" />;
          default: {
            const r = p.rules;
            const max = typeof r.max_length === "number" ? r.max_length : undefined;
            return max !== undefined && max > 300
              ? <textarea {...common} rows={3} value={text} onChange={(e) => onChange(e.target.value)} maxLength={max} required={p.required} />
              : <input {...common} type="text" value={text} onChange={(e) => onChange(e.target.value)} maxLength={max} required={p.required} autoComplete="off" />;
          }
        }
      }}
    </Field>
  );
}
