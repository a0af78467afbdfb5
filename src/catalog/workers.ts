import { isoTime } from "../lib/ids";

/** A worker type as registered in `worker_registry`. */
export interface WorkerDef {
  worker_name: string;
  display_name: string;
  description: string;
  /** The named entrypoint of this script that implements it (built-in workers). */
  binding: string;
  input_format: string;
  output_format: string;
  capabilities: string[];
  cost_per_execution_micros: number;
  avg_execution_time_ms: number;
  max_concurrent: number;
  queue_limit: number;
  lease_ttl_ms: number;
  timeout_ms: number;
}

/**
 * The eight built-in workers of the AI Factory (seed 000 and 003). Costs are the per-execution
 * base in micro-USD before AI tokens; concurrency, queue and lease defaults are what each
 * ResourcePool starts with and an admin may change at run time.
 */
export const BuiltinWorkers: readonly WorkerDef[] = [
  {
    worker_name: "rss-librarian", display_name: "RSS Librarian", binding: "RssLibrarian",
    description: "Curated feed sources for a topic from the D1 catalog, scored and filtered by quality.",
    input_format: "TopicQuery", output_format: "SourceList", capabilities: ["source_curation"],
    cost_per_execution_micros: 500, avg_execution_time_ms: 150, max_concurrent: 16, queue_limit: 500, lease_ttl_ms: 30_000, timeout_ms: 10_000,
  },
  {
    worker_name: "topic-researcher", display_name: "Topic Researcher", binding: "TopicResearcher",
    description: "Discovers and verifies new RSS/Atom sources for a topic; saves what it finds to the catalog.",
    input_format: "TopicResearchInput", output_format: "SourceList", capabilities: ["source_discovery", "ai"],
    cost_per_execution_micros: 20_000, avg_execution_time_ms: 8_000, max_concurrent: 4, queue_limit: 200, lease_ttl_ms: 120_000, timeout_ms: 90_000,
  },
  {
    worker_name: "feed-fetcher", display_name: "Feed Fetcher", binding: "FeedFetcher",
    description: "Fetches and parses RSS 2.0, Atom and RSS 1.0 feeds into deduplicated, cleaned articles.",
    input_format: "FeedBatch", output_format: "ArticleList", capabilities: ["feed_fetching"],
    cost_per_execution_micros: 2_000, avg_execution_time_ms: 3_000, max_concurrent: 8, queue_limit: 500, lease_ttl_ms: 60_000, timeout_ms: 60_000,
  },
  {
    worker_name: "content-classifier", display_name: "Content Classifier", binding: "ContentClassifier",
    description: "Relevance, quality, summary and key points for each article against the target topic.",
    input_format: "ArticleList", output_format: "AnalyzedArticleList", capabilities: ["classification", "summarization", "ai"],
    cost_per_execution_micros: 10_000, avg_execution_time_ms: 6_000, max_concurrent: 4, queue_limit: 200, lease_ttl_ms: 120_000, timeout_ms: 120_000,
  },
  {
    worker_name: "report-builder", display_name: "Report Builder", binding: "ReportBuilder",
    description: "An intelligence report (summary, insights, themes, citations) as JSON, Markdown and HTML.",
    input_format: "AnalyzedArticleList", output_format: "Report", capabilities: ["report_generation", "ai"],
    cost_per_execution_micros: 15_000, avg_execution_time_ms: 5_000, max_concurrent: 4, queue_limit: 200, lease_ttl_ms: 120_000, timeout_ms: 120_000,
  },
  {
    worker_name: "content-granulator", display_name: "Content Granulator", binding: "ContentGranulator",
    description: "A structure (course, quiz, novel, workflow, knowledge map, learning path) with elements and word targets.",
    input_format: "GranulationInput", output_format: "Structure", capabilities: ["structuring", "ai"],
    cost_per_execution_micros: 15_000, avg_execution_time_ms: 6_000, max_concurrent: 4, queue_limit: 200, lease_ttl_ms: 120_000, timeout_ms: 120_000,
  },
  {
    worker_name: "content-generator", display_name: "Content Generator", binding: "ContentGenerator",
    description: "Content for every element of a structure, honouring priorities and word targets.",
    input_format: "Structure", output_format: "GeneratedContent", capabilities: ["generation", "ai"],
    cost_per_execution_micros: 40_000, avg_execution_time_ms: 20_000, max_concurrent: 4, queue_limit: 200, lease_ttl_ms: 300_000, timeout_ms: 300_000,
  },
  {
    worker_name: "content-packager", display_name: "Content Packager", binding: "ContentPackager",
    description: "Packages generated content as a deliverable in HTML, Markdown and JSON.",
    input_format: "GeneratedContent", output_format: "Package", capabilities: ["packaging"],
    cost_per_execution_micros: 3_000, avg_execution_time_ms: 1_500, max_concurrent: 8, queue_limit: 500, lease_ttl_ms: 60_000, timeout_ms: 60_000,
  },
];

/** A built-in worker's definition by name; a name that is not built in is a programming error. */
export function builtinWorker(name: string): WorkerDef {
  const def = BuiltinWorkers.find((w) => w.worker_name === name);
  if (!def) throw new Error(`no built-in worker '${name}'`);
  return def;
}

/** The scripted worker (test and demo only; refuses to run in production). */
export const ScriptedWorkerDef: WorkerDef = {
  worker_name: "scripted", display_name: "Scripted worker", binding: "ScriptedWorker",
  description: "Does what its input script says (succeed, fail N times, fail, retry after, hang); for tests and demos.",
  input_format: "Script", output_format: "Any", capabilities: ["testing"],
  cost_per_execution_micros: 1_000, avg_execution_time_ms: 50, max_concurrent: 4, queue_limit: 1000, lease_ttl_ms: 60_000, timeout_ms: 30_000,
};

/** Upserts workers (the built-in ones by default), keeping any run-time changes an admin made to capacity. */
export function installWorkerStatements(db: D1Database, now: number, workers: readonly WorkerDef[] = BuiltinWorkers): D1PreparedStatement[] {
  return workers.map((w) => db.prepare(
    `INSERT INTO worker_registry (worker_name, display_name, description, kind, binding, input_format, output_format,
       capabilities, cost_per_execution_micros, avg_execution_time_ms, max_concurrent, queue_limit, lease_ttl_ms,
       timeout_ms, created_at, updated_at)
     VALUES (?, ?, ?, 'builtin', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (worker_name) DO UPDATE SET display_name = excluded.display_name, description = excluded.description,
       binding = excluded.binding, input_format = excluded.input_format, output_format = excluded.output_format,
       capabilities = excluded.capabilities, updated_at = excluded.updated_at`,
  ).bind(w.worker_name, w.display_name, w.description, w.binding, w.input_format, w.output_format,
    JSON.stringify(w.capabilities), w.cost_per_execution_micros, w.avg_execution_time_ms, w.max_concurrent,
    w.queue_limit, w.lease_ttl_ms, w.timeout_ms, isoTime(now), isoTime(now)));
}
