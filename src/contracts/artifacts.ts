import * as v from "valibot";
import { Micros } from "./money";

/**
 * What a run delivers, as its steps produce it and a reader takes it: the report builder's
 * report and the packager's package. The workers declare their output with these schemas; the
 * dashboard and the CLI read a run's result (`context.report`, `context.package`) with them.
 */

/** One source the report cites, numbered as the text cites it. */
export const CitationSchema = v.object({
  n: v.number(), title: v.string(), url: v.nullable(v.string()), source: v.nullable(v.string()), published_at: v.nullable(v.string()),
  relevance: v.number(), quality: v.number(),
});

/** A research report: its parts, the sources it cites, what it cost, and its Markdown and HTML renderings. */
export const ReportSchema = v.object({
  title: v.string(), topic: v.string(), generated_at: v.string(), executive_summary: v.string(),
  key_insights: v.array(v.object({ text: v.string(), citations: v.array(v.number()) })),
  themes: v.array(v.object({ name: v.string(), summary: v.string(), citations: v.array(v.number()) })),
  citations: v.array(CitationSchema), methodology: v.string(),
  /**
   * What the run cost. Written by the report step, it holds the steps before it; the delivered
   * report is rewritten when the run ends with the whole run's cost, every step's included (`final`).
   */
  cost: v.nullable(v.object({ total_micros: Micros, by_step: v.record(v.string(), v.number()), final: v.optional(v.boolean()) })),
  engines: v.array(v.string()),
  markdown: v.string(), html: v.string(),
});
export type Report = v.InferOutput<typeof ReportSchema>;

/** The formats a package is written in. */
export const PackageFormatSchema = v.picklist(["html", "md", "json"]);
export type PackageFormat = v.InferOutput<typeof PackageFormatSchema>;

/** One file of a package: its name, format and sha256 checksum (`sha256:<hex>`); its text is in `documents[format]`. */
export const PackageFileSchema = v.object({
  name: v.string(), format: PackageFormatSchema, content_type: v.string(), size_bytes: v.number(), checksum: v.string(),
});

/** A packaged course: its files and their text by format. */
export const CoursePackageSchema = v.object({
  title: v.string(),
  structure_type: v.string(),
  files: v.array(PackageFileSchema),
  documents: v.object({ html: v.optional(v.string()), md: v.optional(v.string()), json: v.optional(v.string()) }),
  element_count: v.number(),
  total_words: v.number(),
});
export type CoursePackage = v.InferOutput<typeof CoursePackageSchema>;
