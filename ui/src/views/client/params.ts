/**
 * A template's parameters as form state and back: each value kept in the shape its input edits
 * (numbers and JSON as text, selects by option index), turned into the API's values on send.
 */
import { ApiError } from "../../api/http";
import type { TemplateParameter } from "./api-types";

export type FormValue = string | boolean | number[];
export type FormValues = Record<string, FormValue>;

/** Whether the caller's tier may change this parameter (staff see the list of tiers that may). */
export function isEditable(p: TemplateParameter): boolean {
  return p.editable === true || (Array.isArray(p.editable) && p.editable.length > 0);
}

/** The options of a select, or of an array's items. */
export function optionsOf(p: TemplateParameter): unknown[] {
  if (p.options) return p.options;
  const items = p.rules.item_options;
  return Array.isArray(items) ? items : [];
}

/** A value as its input shows it. */
export function toForm(p: TemplateParameter, value: unknown): FormValue {
  switch (p.type) {
    case "boolean":
      return value === true;
    case "select": {
      const i = optionsOf(p).findIndex((o) => JSON.stringify(o) === JSON.stringify(value));
      return i < 0 ? "" : String(i);
    }
    case "array": {
      const options = optionsOf(p);
      if (options.length > 0) {
        const list = Array.isArray(value) ? value : [];
        return options.flatMap((o, i) => (list.some((x) => JSON.stringify(x) === JSON.stringify(o)) ? [i] : []));
      }
      return Array.isArray(value) ? value.map(String).join(", ") : "";
    }
    case "object":
      return value === null || value === undefined ? "" : JSON.stringify(value, null, 2);
    default:
      return value === null || value === undefined ? "" : String(value);
  }
}

/** The form's starting values: each parameter's default, then what was given (a request's parameters, its topic). */
export function initialForm(params: TemplateParameter[], given: Record<string, unknown>): FormValues {
  return Object.fromEntries(params.map((p) => [p.name, toForm(p, Object.hasOwn(given, p.name) ? given[p.name] : p.default)]));
}

/**
 * The parameters to send: the editable ones that have a value (an empty field leaves the default
 * to the server); the fixed ones are left out. `errors` names fields whose text is not readable
 * (bad JSON) or that break a plain rule (see `precheck`).
 */
export function fromForm(params: TemplateParameter[], form: FormValues): { parameters: Record<string, unknown>; errors: Record<string, string> } {
  const parameters: Record<string, unknown> = {};
  const errors: Record<string, string> = {};
  for (const p of params) {
    if (!isEditable(p)) continue;
    const value = form[p.name];
    if (value === undefined) continue;
    switch (p.type) {
      case "boolean":
        parameters[p.name] = value === true;
        break;
      case "select":
        if (value !== "") parameters[p.name] = optionsOf(p)[Number(value)];
        break;
      case "number": {
        const text = String(value).trim();
        // Not a number: sent as typed, so the API names the rule it breaks.
        if (text !== "") parameters[p.name] = Number.isFinite(Number(text)) ? Number(text) : text;
        break;
      }
      case "array":
        if (Array.isArray(value)) parameters[p.name] = value.map((i) => optionsOf(p)[i]);
        else if (String(value).trim() !== "") parameters[p.name] = String(value).split(",").map((s) => s.trim()).filter(Boolean);
        break;
      case "object": {
        const text = String(value).trim();
        if (text === "") break;
        try {
          parameters[p.name] = JSON.parse(text) as unknown;
        } catch {
          errors[p.name] = "must be valid JSON (an object such as {\"key\": \"value\"})";
        }
        break;
      }
      default:
        if (String(value) !== "") parameters[p.name] = String(value);
    }
  }
  for (const p of params) {
    if (errors[p.name] || !(p.name in parameters)) continue;
    const broken = precheck(p, parameters[p.name]);
    if (broken) errors[p.name] = broken;
  }
  return { parameters, errors };
}

/**
 * The plain rules (type, length, range, whole numbers, item counts) checked here before any call,
 * in the API's own words, so a typo needs no round trip; the API checks everything again.
 */
function precheck(p: TemplateParameter, value: unknown): string | null {
  const r = p.rules;
  const n = (k: string) => (typeof r[k] === "number" ? (r[k] as number) : undefined);
  if (p.type === "number") {
    if (typeof value !== "number" || !Number.isFinite(value)) return "must be a number";
    if (r.integer === true && !Number.isInteger(value)) return "must be a whole number";
    const [min, max] = [n("min"), n("max")];
    if (min !== undefined && value < min) return `must be at least ${min}`;
    if (max !== undefined && value > max) return `must be at most ${max}`;
  } else if ((p.type === "text" || p.type === "file") && typeof value === "string") {
    const length = [...value].length;
    const [min, max] = [n("min_length"), n("max_length")];
    if (min !== undefined && length < min) return `must be at least ${min} characters`;
    if (max !== undefined && length > max) return `must be at most ${max} characters`;
  } else if (p.type === "array" && Array.isArray(value)) {
    const [min, max] = [n("min_items"), n("max_items")];
    if (min !== undefined && value.length < min) return `must have at least ${min} item${min === 1 ? "" : "s"}`;
    if (max !== undefined && value.length > max) return `must have at most ${max} items`;
  } else if (p.type === "object" && (value === null || typeof value !== "object" || Array.isArray(value))) {
    return "must be an object";
  }
  return null;
}

/**
 * An API error's problems by the form field they name: `body.parameters.max_feeds`,
 * `body.template_parameters.max_feeds` and `body.topic` (POST /orchestrate's own field) name parameters; `body.template_name`
 * and `body.pipeline_template` the template; other body fields by their own name. A 403 that
 * names a parameter (`body.template_parameters.x: fixed at …`) counts too.
 */
export function fieldErrorsOf(error: unknown): Record<string, string> {
  if (!(error instanceof ApiError)) return {};
  const raw = { ...error.fieldErrors() };
  if (Object.keys(raw).length === 0) {
    const named = /^(body\.[\w.]+): (.+)$/s.exec(error.message);
    if (named) raw[named[1]!] = named[2]!;
  }
  const out: Record<string, string> = {};
  for (const [field, message] of Object.entries(raw)) {
    const key = field
      .replace(/^body\.(template_)?parameters\./, "")
      .replace(/^body\.topic$/, "topic")
      .replace(/^body\.(template_name|pipeline_template)$/, "@template")
      .replace(/^body\./, "@");
    if (!(key in out)) out[key] = message;
  }
  return out;
}
