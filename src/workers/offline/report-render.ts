import type { Report } from "../../contracts/artifacts";

/** The report as the builder assembles it, before rendering. */
export type ReportData = Omit<Report, "markdown" | "html">;

const usd = (micros: number) => `$${(micros / 1_000_000).toFixed(4)}`;
const refs = (ns: readonly number[]) => (ns.length > 0 ? ` ${ns.map((n) => `[${n}]`).join("")}` : "");

/** The report with its Markdown and HTML renderings. */
export function rendered(data: ReportData): Report {
  return { ...data, markdown: toMarkdown(data), html: toHtml(data) };
}

/** The cost section's sentence: the whole run's cost once the run has ended, else what the steps before the report cost. */
function costLine(cost: NonNullable<ReportData["cost"]>): string {
  return cost.final
    ? `This run cost ${usd(cost.total_micros)} in all, every step included:`
    : `The steps before this report cost ${usd(cost.total_micros)}; the delivered report states the whole run's cost.`;
}

/** The report as Markdown. */
export function toMarkdown(r: ReportData): string {
  const lines = [`# ${r.title}`, "", `*Topic: ${r.topic} · generated ${r.generated_at} · ${r.citations.length} sources*`, "", "## Executive summary", "", r.executive_summary, ""];
  if (r.key_insights.length > 0) lines.push("## Key insights", "", ...r.key_insights.map((k) => `- ${k.text}${refs(k.citations)}`), "");
  if (r.themes.length > 0) lines.push("## Themes", "", ...r.themes.flatMap((t) => [`### ${t.name}`, "", `${t.summary}${refs(t.citations)}`, ""]));
  lines.push("## Sources", "", ...r.citations.map((c) => `${c.n}. ${c.url ? `[${c.title}](${c.url})` : c.title}${c.source ? ` — ${c.source}` : ""}${c.published_at ? `, ${c.published_at.slice(0, 10)}` : ""} (relevance ${c.relevance})`), "");
  lines.push("## Methodology", "", r.methodology, "");
  if (r.cost) lines.push("## Cost", "", costLine(r.cost), "", ...Object.entries(r.cost.by_step).map(([s, m]) => `- ${s}: ${usd(m)}`), "");
  return lines.join("\n");
}

/** Escapes text for HTML. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}

/** Only http(s) links are rendered as links. */
function safeHref(url: string | null): string | null {
  return url && /^https?:\/\//i.test(url) ? escapeHtml(url) : null;
}

/** The report as one standalone HTML document (inline CSS, no scripts, every text escaped). */
export function toHtml(r: ReportData): string {
  const cite = (ns: readonly number[]) => ns.map((n) => ` <a href="#src-${n}">[${n}]</a>`).join("");
  const body = [
    `<h1>${escapeHtml(r.title)}</h1>`,
    `<p class="meta">Topic: ${escapeHtml(r.topic)} · generated ${escapeHtml(r.generated_at)} · ${r.citations.length} sources</p>`,
    `<h2>Executive summary</h2><p>${escapeHtml(r.executive_summary)}</p>`,
    r.key_insights.length > 0 ? `<h2>Key insights</h2><ul>${r.key_insights.map((k) => `<li>${escapeHtml(k.text)}${cite(k.citations)}</li>`).join("")}</ul>` : "",
    r.themes.length > 0 ? `<h2>Themes</h2>${r.themes.map((t) => `<h3>${escapeHtml(t.name)}</h3><p>${escapeHtml(t.summary)}${cite(t.citations)}</p>`).join("")}` : "",
    `<h2>Sources</h2><ol>${r.citations.map((c) => {
      const href = safeHref(c.url);
      const title = href ? `<a href="${href}" rel="noopener noreferrer">${escapeHtml(c.title)}</a>` : escapeHtml(c.title);
      return `<li id="src-${c.n}">${title}${c.source ? ` — ${escapeHtml(c.source)}` : ""}${c.published_at ? `, ${escapeHtml(c.published_at.slice(0, 10))}` : ""} <span class="meta">(relevance ${c.relevance})</span></li>`;
    }).join("")}</ol>`,
    `<h2>Methodology</h2><p>${escapeHtml(r.methodology)}</p>`,
    r.cost ? `<h2>Cost</h2><p>${escapeHtml(costLine(r.cost))}</p><ul>${Object.entries(r.cost.by_step).map(([s, m]) => `<li>${escapeHtml(s)}: ${usd(m)}</li>`).join("")}</ul>` : "",
  ].join("\n");
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(r.title)}</title>
<style>body{font:16px/1.6 system-ui,sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem;color:#1b1f24}h1{line-height:1.2}.meta{color:#57606a;font-size:.9em}a{color:#0969da}li{margin:.3rem 0}</style>
</head><body>
${body}
</body></html>
`;
}
