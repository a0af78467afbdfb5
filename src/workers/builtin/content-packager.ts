import * as v from "valibot";
import { CoursePackageSchema, PackageFormatSchema, type PackageFormat } from "../../contracts/artifacts";
import { sha256Hex } from "../../lib/crypto";
import { slug } from "../../lib/slug";
import { defineWorker } from "../harness/define";
import { entrypointFor } from "../harness/entrypoint";
import { fatal } from "../harness/errors";
import { escapeHtml } from "../offline/report-render";
import { ContentSchema, type Content, type WrittenElement } from "../structure";

const Format = PackageFormatSchema;
type Format = PackageFormat;

const Input = v.object({
  content: ContentSchema,
  formats: v.optional(v.pipe(v.array(Format), v.minLength(1), v.maxLength(3)), ["html", "md", "json"]),
});

const Output = v.object({ package: CoursePackageSchema });

const CONTENT_TYPES: Record<Format, string> = { html: "text/html; charset=utf-8", md: "text/markdown; charset=utf-8", json: "application/json" };

/** Elements in reading order with their depth (a parent before its children). */
function ordered(elements: readonly WrittenElement[]): { e: WrittenElement; depth: number }[] {
  const children = new Map<string | null, WrittenElement[]>();
  const ids = new Set(elements.map((e) => e.id));
  for (const e of elements) {
    const parent = e.parent_id !== null && ids.has(e.parent_id) ? e.parent_id : null;
    children.set(parent, [...(children.get(parent) ?? []), e]);
  }
  const out: { e: WrittenElement; depth: number }[] = [];
  const walk = (parent: string | null, depth: number) => {
    for (const e of (children.get(parent) ?? []).sort((a, b) => a.sequence_order - b.sequence_order)) { out.push({ e, depth }); walk(e.id, depth + 1); }
  };
  walk(null, 0);
  return out;
}

/** What an outline-only package says about itself, first. */
function outlineNotice(c: Content): string {
  return `This is an outline, not a written ${c.structure_type.replace("_", " ")}: no source covering '${c.topic}' was found to write it from, so each part lists what it would cover. To get it written, add a source that covers the topic (run Topic Discovery for it, or ask staff to add a feed) and build it again.`;
}

/** Who the content is for, as a phrase ("general" reads "a general audience"). */
const audienceOf = (c: Content) => (c.audience === "general" ? "a general audience" : c.audience);

function toMarkdown(c: Content): string {
  const lines = [`# ${c.title}`, "", `*${c.structure_type.replace("_", " ")} on ${c.topic} for ${audienceOf(c)} · ${c.total_words} words*`, ""];
  if (c.outline_only) lines.push(`> ${outlineNotice(c)}`, "");
  for (const { e, depth } of ordered(c.elements)) lines.push(`${"#".repeat(Math.min(6, depth + 2))} ${e.title}`, "", e.body, "");
  if (c.sources && c.sources.length > 0) lines.push("## Sources", "", ...c.sources.map((s) => `${s.n}. ${s.url ? `[${s.title}](${s.url})` : s.title}`), "");
  return lines.join("\n");
}

/** Only http(s) links become links. */
function link(url: string | null, text: string): string {
  return url && /^https?:\/\//i.test(url) ? `<a href="${escapeHtml(url)}" rel="noopener noreferrer">${escapeHtml(text)}</a>` : escapeHtml(text);
}

/** The bodies' Markdown subset (paragraphs, "- " lists, **bold**) as HTML, every text escaped first. */
function bodyHtml(md: string): string {
  return md.split(/\n{2,}/).map((block) => {
    // **bold**, *emphasis* and [text](http…) links; everything escaped first.
    const inline = (t: string) => escapeHtml(t)
      .replace(/\*\*(.+?)\*\*/g, "<strong>$1</strong>")
      .replace(/\*([^*]+)\*/g, "<em>$1</em>")
      .replace(/\[([^\]]+)\]\((https?:\/\/[^)\s]+)\)/g, '<a href="$2" rel="noopener noreferrer">$1</a>');
    const lines = block.split("\n");
    if (lines.every((l) => l.startsWith("- "))) return `<ul>${lines.map((l) => `<li>${inline(l.slice(2))}</li>`).join("")}</ul>`;
    return `<p>${inline(block).replace(/\n/g, "<br>")}</p>`;
  }).join("\n");
}

function toHtml(c: Content): string {
  const items = ordered(c.elements);
  const toc = items.map(({ e, depth }) => `<li style="margin-left:${depth * 1.2}rem"><a href="#${e.id}">${escapeHtml(e.title)}</a></li>`).join("");
  const sections = items.map(({ e, depth }) => `<section id="${e.id}"><h${Math.min(6, depth + 2)}>${escapeHtml(e.title)}</h${Math.min(6, depth + 2)}>\n${bodyHtml(e.body)}</section>`).join("\n");
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(c.title)}</title>
<style>body{font:16px/1.6 system-ui,sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem;color:#1b1f24}nav ul{list-style:none;padding:0}.notice{background:#fff8c5;border:1px solid #d4a72c;padding:.6rem .8rem;border-radius:6px}.meta{color:#57606a}a{color:#0969da}</style>
</head><body>
<h1>${escapeHtml(c.title)}</h1>
<p class="meta">${escapeHtml(c.structure_type.replace("_", " "))} on ${escapeHtml(c.topic)} for ${escapeHtml(audienceOf(c))} · ${c.total_words} words</p>
${c.outline_only ? `<p class="notice" role="note"><strong>Outline.</strong> ${escapeHtml(outlineNotice(c))}</p>` : ""}
<nav><h2>Contents</h2><ul>${toc}</ul></nav>
${sections}
${c.sources && c.sources.length > 0 ? `<section id="sources"><h2>Sources</h2><ol>${c.sources.map((s) => `<li>${link(s.url, s.title)}</li>`).join("")}</ol></section>` : ""}
</body></html>
`;
}

/**
 * Content Packager: generated content packaged as a deliverable in HTML (standalone, with a table
 * of contents, every text escaped), Markdown and JSON, each file with its content type, size and
 * SHA-256 checksum.
 */
export const contentPackager = defineWorker({
  def: {
    worker_name: "content-packager", display_name: "Content Packager", binding: "ContentPackager",
    description: "Packages generated content as a deliverable in HTML, Markdown and JSON.",
    input_format: "GeneratedContent", output_format: "Package", capabilities: ["packaging"],
    cost_per_execution_micros: 3_000, avg_execution_time_ms: 1_500, max_concurrent: 8, queue_limit: 500, lease_ttl_ms: 60_000, timeout_ms: 60_000,
  },
  version: "1.0.0",
  input: Input,
  output: Output,
  next: [],
  templates: [
    { name: "web", description: "HTML only.", parameters: { formats: ["html"] } },
    { name: "all", description: "HTML, Markdown and JSON.", parameters: { formats: ["html", "md", "json"] } },
  ],
  capabilities: { formats: ["html", "md", "json"], checksums: "sha256" },
  unit: "elements",
  estimate: (input) => ({ units: input.content.elements.length, ai_input_tokens: 0, ai_output_tokens: 0, duration_ms: 100 + input.content.elements.length * 2 }),
  readyForNext: (output) => output.package.files.length > 0,
  async run(_ctx, input) {
    const c = input.content;
    if (c.elements.length === 0) throw fatal("no_content", `nothing to package for '${c.title}': no element was written`);
    const base = slug(c.topic, "package");
    const documents: Partial<Record<Format, string>> = {};
    for (const f of [...new Set(input.formats)]) documents[f] = f === "html" ? toHtml(c) : f === "md" ? toMarkdown(c) : JSON.stringify(c, null, 2);
    const files = await Promise.all(Object.entries(documents).map(async ([format, text]) => ({
      name: `${base}-${c.structure_type}.${format}`, format: format as Format, content_type: CONTENT_TYPES[format as Format],
      size_bytes: new TextEncoder().encode(text).byteLength, checksum: await sha256Hex(text),
    })));
    return { package: { title: c.title, structure_type: c.structure_type, files, documents, element_count: c.elements.length, total_words: c.total_words } };
  },
});

/** The Content Packager's named entrypoint: this script exports it as `ContentPackager`, and a PipelineActor calls it over RPC (`ctx.exports.ContentPackager`). */
export class ContentPackager extends entrypointFor(contentPackager) {}
