import * as v from "valibot";
import { ReportSchema } from "../contracts/artifacts";
import { isJsonObject, type JsonObject, type JsonValue } from "../lib/json";
import { rendered, type ReportData } from "../workers/offline/report-render";
import { slug } from "../lib/slug";

/** Deliverable kinds (the seed's DeliverableMetadata.deliverable_type, as D1 admits them). */
export type DeliverableType = "report" | "dataset" | "analysis" | "course" | "content";
/** File formats a deliverable is kept in. */
export type DeliverableFormat = "json" | "md" | "html" | "csv";

/** The context keys deliverables are made from (see `deliverablesFrom`). */
const DELIVERABLE_KEYS = ["report", "package", "sources"] as const;

/**
 * The part of a pipeline's context deliverables are made from (not, say, the fetched articles),
 * with what the whole run cost (`run_costs`, for the report's cost section); null when it has none.
 */
export function deliverableFields(context: JsonObject, costs: { total_micros: number; steps: Record<string, number> }): JsonObject | null {
  const wanted: JsonObject = Object.fromEntries(DELIVERABLE_KEYS.filter((k) => k in context).map((k) => [k, context[k]!]));
  return Object.keys(wanted).length === 0 ? null : { ...wanted, run_costs: costs };
}

/**
 * The report as delivered: when the run's whole cost is known, its cost section states it (the
 * report step could only state the steps before it) and its Markdown and HTML are rendered again.
 */
function finalReport(report: JsonObject, costs: JsonValue | undefined): JsonObject {
  const checked = v.safeParse(ReportSchema, report);
  if (!checked.success || !isJsonObject(costs) || typeof costs.total_micros !== "number" || !isJsonObject(costs.steps)) return report;
  const { markdown: _m, html: _h, ...data } = checked.output;
  if (data.cost === null) return report;
  const steps = Object.fromEntries(Object.entries(costs.steps).filter((e): e is [string, number] => typeof e[1] === "number"));
  const final: ReportData = { ...data, cost: { total_micros: costs.total_micros, by_step: steps, final: true } };
  return rendered(final) as JsonObject;
}

/** One file a finished pipeline delivers, before it is stored. */
export interface DeliverableFile { name: string; type: DeliverableType; format: DeliverableFormat; contentType: string; body: string; quality: number | null }

const CONTENT_TYPES: Record<DeliverableFormat, string> = {
  json: "application/json", md: "text/markdown; charset=utf-8", html: "text/html; charset=utf-8", csv: "text/csv; charset=utf-8",
};

function file(name: string, type: DeliverableType, format: DeliverableFormat, body: string, quality: number | null = null): DeliverableFile {
  return { name, type, format, contentType: CONTENT_TYPES[format], body, quality };
}

/** One CSV field (RFC 4180): quoted when it holds a comma, quote or line break; a leading =, +, - or @ is defused against spreadsheet formulas. */
function csvField(value: JsonValue | undefined): string {
  let text = value === undefined || value === null ? "" : typeof value === "object" ? JSON.stringify(value) : String(value);
  if (/^[=+\-@]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** Rows of objects as CSV with the given columns. */
function toCsv(rows: readonly JsonObject[], columns: readonly string[]): string {
  return [columns.join(","), ...rows.map((r) => columns.map((c) => csvField(r[c])).join(","))].join("\r\n") + "\r\n";
}

/**
 * What a finished pipeline delivers, from its context (values already read back):
 *
 * - `report` (research templates): the report as Markdown, standalone HTML and JSON (the
 *   structured report without its two renderings), with its mean citation relevance as quality;
 * - `package` (content templates): each packaged document (HTML, Markdown, JSON);
 * - `sources` (topic discovery): the verified sources as CSV and JSON.
 */
export function deliverablesFrom(context: JsonObject): DeliverableFile[] {
  const files: DeliverableFile[] = [];
  const report = isJsonObject(context.report) ? finalReport(context.report, context.run_costs) : undefined;
  if (isJsonObject(report) && typeof report.markdown === "string" && typeof report.html === "string") {
    const base = `${slug(String(report.topic ?? report.title ?? "report"), "deliverable")}-report`;
    const citations = Array.isArray(report.citations) ? report.citations.filter(isJsonObject) : [];
    const relevances = citations.map((c) => c.relevance).filter((r): r is number => typeof r === "number");
    const quality = relevances.length > 0 ? Math.round((relevances.reduce((a, b) => a + b, 0) / relevances.length) * 1000) / 1000 : null;
    const { markdown, html, ...structured } = report;
    files.push(file(`${base}.md`, "report", "md", markdown, quality), file(`${base}.html`, "report", "html", html, quality),
      file(`${base}.json`, "report", "json", JSON.stringify(structured, null, 2), quality));
  }
  const pkg = context.package;
  if (isJsonObject(pkg) && isJsonObject(pkg.documents) && Array.isArray(pkg.files)) {
    const type: DeliverableType = pkg.structure_type === "course" || pkg.structure_type === "learning_path" ? "course" : "content";
    for (const info of pkg.files.filter(isJsonObject)) {
      const format = info.format;
      const body = (format === "html" || format === "md" || format === "json") ? pkg.documents[format] : undefined;
      if (typeof body === "string" && typeof info.name === "string") files.push(file(info.name, type, format as DeliverableFormat, body));
    }
  }
  const sources = context.sources;
  // Sources are the product only of a run that makes nothing else (topic discovery); a report's or a course's curated sources are a step on the way.
  if (!report && !isJsonObject(pkg) && Array.isArray(sources) && sources.every(isJsonObject) && sources.length > 0) {
    const rows = sources as JsonObject[];
    files.push(file("sources.csv", "dataset", "csv", toCsv(rows, ["url", "title", "domain", "format", "quality_score", "relevance", "reasoning"])),
      file("sources.json", "dataset", "json", JSON.stringify(rows, null, 2)));
  }
  return files;
}
