import * as v from "valibot";
import { ArticleSchema, FeedReportSchema, SourceSchema } from "../workers/schemas";
import { ReportSchema } from "./artifacts";
import { WorkerStatsSchema, WorkerTemplateSchema } from "./workers";
import { CheckResultSchema } from "./health";
import { Micros } from "./money";

/**
 * The answers of the seed's endpoints that alias the runtime (seed 000: the orchestrator's
 * `GET /capabilities` and `GET /pipeline-health`, each v1 worker's own surface; seed 003: a
 * worker's admin endpoints). Field names are the seed's; what the runtime knows beyond them is
 * added next to them, never instead.
 */

const Tier = v.picklist(["basic", "standard", "premium", "enterprise"]);
const JsonSchemaDoc = v.record(v.string(), v.unknown());

/** One dependency's health, as `GET /health` reports it. */
/** One health check (the shape `/health` reports). */
export const SeedCheckSchema = CheckResultSchema;

/** How one worker run over HTTP went: who ran, for whom, at what cost, and whether the answer is a replay. */
export const SeedRunSchema = v.object({
  worker: v.string(), version: v.string(), action: v.string(),
  /** Whose run it was (a client id, or the staff member or worker that asked). Nothing is charged to a ledger. */
  client_id: v.string(),
  duration_ms: v.number(), cost_micros: Micros, cost_usd: v.number(),
  tokens: v.object({ input: v.number(), output: v.number() }),
  /** Whether the output is enough for the next worker in the chain (the seed's readyForNext). */
  ready_for_next: v.boolean(),
  /** True when a repeated idempotency key answered the first run's result. */
  replayed: v.boolean(),
  next_workers: v.array(v.string()),
});
export type SeedRun = v.InferOutput<typeof SeedRunSchema>;

/** A feed source (the seed's `{url, domain, title, quality_score, reasoning}`, with the runtime's relevance and format). */
export const SeedSourceSchema = SourceSchema;

/** `GET /workers/topic-researcher?topic=`: the seed's TopicResearcherOutput. */
export const TopicResearchAnswerSchema = v.object({
  topic: v.string(),
  sources: v.array(SeedSourceSchema),
  /** Verified sources found (before `max_sources` cut the list). */
  sources_discovered: v.number(),
  avg_quality_score: v.number(),
  total_execution_time_ms: v.number(),
  candidates_checked: v.number(),
  rejected: v.array(v.object({ url: v.string(), reason: v.string() })),
  saved_to_catalog: v.number(),
  run: SeedRunSchema,
});
export type TopicResearchAnswer = v.InferOutput<typeof TopicResearchAnswerSchema>;

/** `GET /workers/rss-librarian?topic=`: the seed's `{sources, sources_count}`. */
export const LibrarianAnswerSchema = v.object({
  topic: v.string(),
  sources: v.array(SeedSourceSchema),
  sources_count: v.number(),
  /** Active catalog sources scored. */
  considered: v.number(),
  threshold: v.number(),
  total_execution_time_ms: v.number(),
  run: SeedRunSchema,
});
export type LibrarianAnswer = v.InferOutput<typeof LibrarianAnswerSchema>;

/** An article as the seed's FeedFetcherOutput lists it (`published_date`), with the runtime's fields. */
export const SeedArticleSchema = v.object({ ...v.omit(ArticleSchema, ["published_at"]).entries, published_date: ArticleSchema.entries.published_at });

/** What happened to one feed of a fetch. */
export const SeedFeedReportSchema = FeedReportSchema;

/** `GET /workers/feed-fetcher?feed_url=` and `POST /workers/feed-fetcher/batch`: the seed's FeedFetcherOutput. */
export const FeedFetchAnswerSchema = v.object({
  articles: v.array(SeedArticleSchema),
  articles_processed: v.number(),
  feeds_processed: v.number(),
  total_execution_time_ms: v.number(),
  feeds: v.array(SeedFeedReportSchema),
  feeds_ok: v.number(),
  feeds_failed: v.number(),
  duplicates_removed: v.number(),
  run: SeedRunSchema,
});
export type FeedFetchAnswer = v.InferOutput<typeof FeedFetchAnswerSchema>;

/** An analysed article as the seed's ContentClassifierOutput lists it (`summary` is the analysis). */
export const SeedAnalyzedArticleSchema = v.object({
  id: v.string(), url: v.nullable(v.string()), title: v.string(),
  relevance_score: v.number(), quality_score: v.number(), summary: v.string(), key_points: v.array(v.string()),
  source_url: v.string(), source_title: v.nullable(v.string()), published_date: v.nullable(v.string()),
});

/** `POST /workers/content-classifier/analyze`: the seed's ContentClassifierOutput. */
export const AnalyzeAnswerSchema = v.object({
  topic: v.string(),
  analyzed_articles: v.array(SeedAnalyzedArticleSchema),
  relevant_count: v.number(),
  avg_relevance_score: v.number(),
  total_execution_time_ms: v.number(),
  articles_in: v.number(),
  analysis_depth: v.picklist(["basic", "standard", "detailed"]),
  run: SeedRunSchema,
});
export type AnalyzeAnswer = v.InferOutput<typeof AnalyzeAnswerSchema>;

/** `POST /workers/report-builder/generate`: the seed's `{report, insights}`. */
export const GenerateAnswerSchema = v.object({
  report: ReportSchema,
  insights: ReportSchema.entries.key_insights,
  /** The topic reported on: the one given, or (none given) the articles' leading keywords. */
  topic: v.string(),
  topic_inferred: v.boolean(),
  article_count: v.number(),
  style: v.picklist(["full", "brief"]),
  total_execution_time_ms: v.number(),
  run: SeedRunSchema,
});
export type GenerateAnswer = v.InferOutput<typeof GenerateAnswerSchema>;

/** A worker's own template: a named preset of its parameters. */
export const SeedWorkerTemplateSchema = WorkerTemplateSchema;

/** A worker as `GET /capabilities` describes it: registry entry, contract (JSON Schemas) and templates. */
export const CapabilityWorkerSchema = v.object({
  worker_name: v.string(), display_name: v.string(), description: v.string(),
  kind: v.picklist(["builtin", "external"]),
  /** The built-in worker's version; null for an external worker (its own business). */
  version: v.nullable(v.string()),
  capabilities: v.array(v.string()),
  input_format: v.string(), output_format: v.string(),
  /** JSON Schemas of the worker's input and output (built-in workers; null for external ones). */
  input_schema: v.nullable(JsonSchemaDoc), output_schema: v.nullable(JsonSchemaDoc),
  next_workers: v.array(v.string()),
  templates: v.array(SeedWorkerTemplateSchema),
  endpoints: v.array(v.string()),
  limits: v.object({ timeout_ms: v.number(), max_concurrent: v.number(), queue_limit: v.number() }),
  cost_per_execution_usd: v.number(),
  avg_execution_time_ms: v.number(),
});

/** A pipeline template as `GET /templates` lists it. */
export const CapabilityTemplateSchema = v.object({
  template_name: v.string(), display_name: v.string(), description: v.string(), category: v.string(), complexity_level: v.string(),
  worker_flow: v.array(v.unknown()), allowed_tiers: v.array(Tier), keyword_triggers: v.array(v.string()),
  estimated_duration_ms: v.number(), estimated_cost_usd: v.number(),
});

/** `GET /capabilities`: the active workers with their contracts, and the templates the caller's tier may run. */
export const CapabilitiesSchema = v.object({
  /** The tier whose templates are listed (a client's own; null: staff, every template). */
  tier: v.nullable(Tier),
  workers: v.array(CapabilityWorkerSchema),
  templates: v.array(CapabilityTemplateSchema),
  timestamp: v.string(),
});
export type Capabilities = v.InferOutput<typeof CapabilitiesSchema>;

/** A worker's pool right now (its ResourcePool's statistics). */
export const SeedPoolLoadSchema = v.object({
  in_flight: v.number(), max_concurrent: v.number(), load: v.number(), queue_depth: v.number(), utilization: v.number(),
  ewma_ms: v.nullable(v.number()), p95_ms: v.nullable(v.number()),
});

/** One worker's health in `GET /pipeline-health`. */
export const WorkerHealthSchema = v.object({
  worker_name: v.string(),
  kind: v.picklist(["builtin", "external"]),
  status: v.picklist(["healthy", "degraded"]),
  /**
   * entrypoint (a built-in worker's entrypoint is exported by this script), ai_chain (workers
   * that call the AI chain), pool (its ResourcePool answers), endpoint (an external worker's
   * `GET <endpoint>/health` answers 2xx).
   */
  checks: v.record(v.string(), SeedCheckSchema),
  pool: v.nullable(SeedPoolLoadSchema),
  last_24h: v.object({ executions: v.number(), failed: v.number(), success_rate: v.nullable(v.number()), avg_execution_time_ms: v.nullable(v.number()) }),
});

/** `GET /pipeline-health`: every active worker's health; 200 healthy or 503 degraded. */
export const PipelineHealthSchema = v.object({
  status: v.picklist(["healthy", "degraded"]),
  timestamp: v.string(),
  /** What every worker depends on: D1 and KV. */
  checks: v.record(v.string(), SeedCheckSchema),
  workers: v.array(WorkerHealthSchema),
  summary: v.object({ healthy: v.number(), degraded: v.number() }),
});
export type PipelineHealth = v.InferOutput<typeof PipelineHealthSchema>;

/** `POST /workers/:name/api/admin/templates`: the worker's registry entry re-installed and its templates. */
export const WorkerTemplateSyncSchema = v.object({
  success: v.literal(true),
  worker: v.string(),
  version: v.string(),
  /** The worker's templates (presets of its parameters, defined with the worker). */
  templates: v.array(SeedWorkerTemplateSchema),
  /** Active pipeline templates with a step on this worker. */
  pipeline_templates: v.array(v.string()),
  synced_at: v.string(),
});
export type WorkerTemplateSync = v.InferOutput<typeof WorkerTemplateSyncSchema>;

/** One day of a worker's executions. */
export const WorkerDaySchema = v.object({
  date: v.string(), executions: v.number(), succeeded: v.number(), failed: v.number(), success_rate: v.nullable(v.number()),
  avg_execution_time_ms: v.nullable(v.number()), cost_usd: v.number(), cost_micros: Micros, tokens_input: v.number(), tokens_output: v.number(),
});

/** `GET /workers/:name/api/admin/analytics`: per-day performance, error patterns and totals from pipeline history. */
export const WorkerAnalyticsSchema = v.object({
  worker: v.string(),
  since: v.string(),
  days: v.number(),
  daily: v.array(WorkerDaySchema),
  errors: v.array(v.object({ error_code: v.string(), count: v.number(), last_at: v.nullable(v.string()) })),
  totals: WorkerStatsSchema,
});
export type WorkerAnalytics = v.InferOutput<typeof WorkerAnalyticsSchema>;
