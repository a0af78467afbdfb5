import * as v from "valibot";
import { keywords } from "../../ai/text";
import { authenticate, type Principal } from "../../auth";
import { installWorkerStatements } from "../../catalog/workers";
import {
  AnalyzeAnswerSchema, FeedFetchAnswerSchema, GenerateAnswerSchema, LibrarianAnswerSchema, TopicResearchAnswerSchema, WorkerAnalyticsSchema,
  WorkerTemplateSyncSchema, type AnalyzeAnswer, type FeedFetchAnswer, type GenerateAnswer, type LibrarianAnswer, type SeedRun,
  type TopicResearchAnswer, type WorkerAnalytics, type WorkerTemplateSync,
} from "../../contracts/seed";
import { WorkerPingSchema } from "../../contracts/workers";
import { AppError } from "../../lib/errors";
import { isoTime } from "../../lib/ids";
import type { JsonObject } from "../../lib/json";
import { microsToUsd } from "../../lib/money";
import { contentClassifier } from "../../workers/builtin/content-classifier";
import type { WorkerFailure } from "../../workers/contract";
import { feedFetcher } from "../../workers/builtin/feed-fetcher";
import type { WorkerSpec } from "../../workers/harness/define";
import { failureHeaders, isWorkerBug, runWorkerOverHttp, type HttpRun } from "../../workers/harness/http-run";
import { workerStats } from "../../workers/harness/stats";
import { reportBuilder } from "../../workers/builtin/report-builder";
import { rssLibrarian } from "../../workers/builtin/rss-librarian";
import type { AnalyzedArticle, Article } from "../../workers/schemas";
import { ArticleInputSchema, HttpUrl, Score, Topic, uniqueArticleIds } from "../../workers/schemas";
import { toArticle } from "../../workers/articles";
import { builtinSpec } from "../worker-surface";
import { topicResearcher } from "../../workers/builtin/topic-researcher";
import { route, type RawInput, type Route } from "../define";
import { IdString, queryInt } from "../schemas";

/**
 * Who may run a worker directly: as `POST /workers/:name/api/execute`, staff admins and workers.
 * A direct run is not held or charged at any ClientLedger (its cost is only reported), so a
 * client runs workers through pipelines, which are budgeted, and never directly.
 */
const RUNNERS = ["admin", "worker"] as const;
/** The seed's worker admin endpoints are for worker authentication (and admins), as `/api/admin/stats`. */
const ADMINS = RUNNERS;

const NameParams = v.strictObject({ name: IdString });

/** A score in 0..1 from a query string, `fallback` when absent. */
function queryScore<const F extends string | undefined = undefined>(fallback?: F) {
  const score = v.pipe(
    v.string(),
    v.regex(/^(?:0|1|0?\.\d+|[01]\.\d+)$/, "must be a number from 0 to 1"),
    v.transform(Number),
    v.number(),
    v.maxValue(1, "must be a number from 0 to 1"),
  );
  return v.optional(score, fallback as F);
}

/** Whose run it is (staff and workers; nothing is charged, the id labels the run) and the caller's idempotency key. */
const RunFields = {
  client_id: v.optional(IdString),
  idempotency_key: v.optional(v.pipe(v.string(), v.minLength(8), v.maxLength(200))),
};


/** A failed run as the error envelope: busy 429, transient 503 (each with Retry-After), fatal 422 (as the execute route's statuses). */
function failure(name: string, result: WorkerFailure): AppError {
  const e = result.error;
  const code = e.kind === "retry_after" ? "rate_limited" : e.kind === "transient" ? "service_unavailable" : isWorkerBug(e) ? "internal_error" : "validation_failed";
  return new AppError(code, `${name} failed: ${e.message}`, {
    worker: name, kind: e.kind, code: e.code, ...(e.retry_after_ms !== undefined ? { retry_after_ms: e.retry_after_ms } : {}),
    cost_micros: result.cost_micros, duration_ms: result.duration_ms,
  }, failureHeaders(e));
}

interface Caller { env: Env; principal: Principal; request: Request; now: number }

/**
 * Runs a worker through the execute route's code path (`runWorkerOverHttp`) and gives back its
 * output, typed by the worker's own schema, with what the run was: a failure is thrown as an
 * AppError.
 */
async function runSeed<I, O extends JsonObject>(spec: WorkerSpec<I, O>, caller: Caller, action: string, run: Omit<HttpRun, "action">): Promise<{ output: O; info: SeedRun }> {
  const name = spec.def.worker_name;
  const result = await runWorkerOverHttp(caller.env, spec, caller.principal, caller.request, caller.now, { ...run, action });
  if (!result.ok) throw failure(name, result);
  // Validated by the harness before it answered (or before a replay was kept); parsed again for its type.
  const output = v.parse(spec.output, result.output);
  return {
    output,
    info: {
      worker: name, version: spec.version, action, client_id: result.client_id,
      duration_ms: result.duration_ms, cost_micros: result.cost_micros, cost_usd: microsToUsd(result.cost_micros),
      tokens: { input: result.usage.input_tokens, output: result.usage.output_tokens },
      ready_for_next: result.output.ready_for_next === true, replayed: result.metadata?.replayed === true, next_workers: [...spec.next],
    },
  };
}

/**
 * `GET /workers/<name>?…` is two things in the seed: the v1 worker's run (`GET /?topic=…`, seed
 * 000) and, without a query, the worker pattern's public health check (`GET /`, seed 003, served
 * for every worker by `GET /workers/:name`). This route answers both on one path: registered
 * before `/workers/:name`, it gives the same public health answer when the query is empty, and
 * otherwise authenticates the caller (401/403 as any route) and runs the declared run route.
 */
function healthOrRun(name: string, runRoute: Route, runSchema: v.GenericSchema): Route {
  const spec = builtinSpec(name);
  const ping = route({
    method: "GET", path: runRoute.path, access: "public", summary: "", response: WorkerPingSchema,
    handler: ({ now }) => ({ status: "healthy" as const, service: spec.def.worker_name, version: spec.version, timestamp: new Date(now).toISOString() }),
  });
  const roles = runRoute.access === "public" ? [] : runRoute.access;
  return {
    ...runRoute,
    access: "public",
    optionalAuth: roles,
    summary: `${runRoute.summary} Needs ${roles.join(" or ")} credentials. Without a query string: the worker's public health check, as GET /workers/:name.`,
    response: v.union([runSchema, WorkerPingSchema]),
    errors: runRoute.errors,
    async run(raw: RawInput): Promise<Response> {
      // Awaited, not returned: see route().run (an early rejection would otherwise be reported as unhandled).
      if (Object.keys(raw.query).length === 0) return await ping.run(raw);
      const principal = raw.principal ?? await authenticate(raw.request.headers, raw.env, raw.now);
      if (!roles.includes(principal.role)) {
        throw new AppError("forbidden", `GET ${runRoute.path} with a query runs the worker and is for ${roles.join(" or ")}, not ${principal.role}`);
      }
      return await runRoute.run({ ...raw, principal });
    },
  };
}

const ResearchQuery = v.strictObject({
  topic: Topic,
  depth: queryInt(1, 5, 3),
  min_quality: queryScore("0.6"),
  /** At most this many sources in the answer (the seed's default 20). */
  max_sources: queryInt(1, 100, 20),
  client_id: RunFields.client_id,
});

const LibrarianQuery = v.strictObject({
  topic: Topic,
  max_feeds: queryInt(1, 50, 8),
  min_quality: queryScore(),
  client_id: RunFields.client_id,
});

const FetchQuery = v.strictObject({
  feed_url: HttpUrl,
  max_articles: queryInt(1, 200, 20),
  client_id: RunFields.client_id,
});

const BatchBody = v.strictObject({
  feed_urls: v.pipe(v.array(HttpUrl), v.minLength(1, "needs at least one feed URL"), v.maxLength(100, "at most 100 feeds per batch")),
  max_articles_per_feed: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(200))),
  ...RunFields,
});

/** An article as the seed sends it to the classifier (`{url, title, content}`); a feed fetcher's article, with its other fields, is accepted too. */
const SeedArticleIn = ArticleInputSchema;

const AnalyzeBody = v.strictObject({
  articles: v.pipe(v.array(SeedArticleIn), v.maxLength(1_000, "at most 1000 articles per call"), uniqueArticleIds()),
  target_topic: Topic,
  analysis_depth: v.optional(v.picklist(["basic", "standard", "detailed"])),
  /** Articles below this relevance are left out of analyzed_articles. */
  min_relevance: v.optional(Score),
  ...RunFields,
});

/** An analysed article as the seed's classifier answers it (`{url, title, relevance_score, quality_score, summary, key_points}`). */
const SeedAnalyzedIn = v.object({
  ...v.omit(SeedArticleIn, ["content", "summary"]).entries,
  relevance_score: Score,
  quality_score: Score,
  summary: v.pipe(v.string(), v.maxLength(5_000)),
  key_points: v.pipe(v.array(v.pipe(v.string(), v.maxLength(1_000))), v.maxLength(50)),
  content: v.optional(v.pipe(v.string(), v.maxLength(200_000))),
});
type SeedAnalyzedIn = v.InferOutput<typeof SeedAnalyzedIn>;

const GenerateBody = v.strictObject({
  analyzed_articles: v.pipe(v.array(SeedAnalyzedIn), v.minLength(1, "needs at least one analysed article"), v.maxLength(1_000, "at most 1000 articles per call"), uniqueArticleIds()),
  /** What the report is about; without it, the articles' leading keywords. */
  topic: v.optional(Topic),
  report_style: v.optional(v.picklist(["full", "brief"])),
  max_citations: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(100))),
  ...RunFields,
  // The rest of /analyze's answer, so that answer can be posted here whole (its topic is used; these are not).
  relevant_count: v.optional(v.number()), avg_relevance_score: v.optional(v.number()), total_execution_time_ms: v.optional(v.number()),
  articles_in: v.optional(v.number()), analysis_depth: v.optional(v.picklist(["basic", "standard", "detailed"])), run: v.optional(v.unknown()),
});



/** The article as the seed's FeedFetcherOutput lists it. */
function seedArticle(a: Article): FeedFetchAnswer["articles"][number] {
  const { published_at, ...rest } = a;
  return { ...rest, published_date: published_at };
}

/** The feed fetcher's output in the seed's FeedFetcherOutput shape. */
function fetchAnswer(out: v.InferOutput<typeof feedFetcher.output>, info: SeedRun): FeedFetchAnswer {
  return {
    articles: out.articles.map(seedArticle), articles_processed: out.articles_count, feeds_processed: out.feeds.length,
    total_execution_time_ms: info.duration_ms, feeds: out.feeds, feeds_ok: out.feeds_ok, feeds_failed: out.feeds_failed,
    duplicates_removed: out.duplicates_removed, run: info,
  };
}

const round3 = (x: number) => Math.round(x * 1000) / 1000;

/** The v1 run routes of the three workers the seed calls with a query (each also answers its public health check). */
const researchRun = route({
  method: "GET", path: "/workers/topic-researcher", access: RUNNERS, query: ResearchQuery,
  summary: "The seed's topic researcher (GET /?topic=&depth=&min_quality=&max_sources=): discovers and verifies RSS/Atom sources for a topic and saves them to the catalog; the seed's TopicResearcherOutput. Runs like POST /workers/topic-researcher/api/execute (Idempotency-Key header, failures 422, 429 or 503).",
  response: TopicResearchAnswerSchema, errors: [429, 503],
  handler: async ({ env, principal, request, now, query }) => {
    const { output, info } = await runSeed(topicResearcher, { env, principal, request, now }, "research", {
      input: { topic: query.topic, depth: query.depth, min_quality: query.min_quality }, client_id: query.client_id,
    });
    const sources = output.sources.slice(0, query.max_sources);
    return {
      topic: output.topic, sources, sources_discovered: output.sources_count,
      avg_quality_score: sources.length === 0 ? 0 : round3(sources.reduce((s, x) => s + x.quality_score, 0) / sources.length),
      total_execution_time_ms: info.duration_ms, candidates_checked: output.candidates_checked, rejected: output.rejected,
      saved_to_catalog: output.saved_to_catalog, run: info,
    } satisfies TopicResearchAnswer;
  },
});

const librarianRun = route({
  method: "GET", path: "/workers/rss-librarian", access: RUNNERS, query: LibrarianQuery,
  summary: "The seed's RSS librarian (GET /?topic=&max_feeds=): curated sources for a topic from the catalog, scored and filtered by quality; the seed's {sources, sources_count}. Runs like POST /workers/rss-librarian/api/execute.",
  response: LibrarianAnswerSchema, errors: [429, 503],
  handler: async ({ env, principal, request, now, query }) => {
    const input: JsonObject = { topic: query.topic, max_feeds: query.max_feeds };
    if (query.min_quality !== undefined) input.min_quality = query.min_quality;
    const { output, info } = await runSeed(rssLibrarian, { env, principal, request, now }, "curate", { input, client_id: query.client_id });
    return { ...output, total_execution_time_ms: info.duration_ms, run: info } satisfies LibrarianAnswer;
  },
});

const fetchRun = route({
  method: "GET", path: "/workers/feed-fetcher", access: RUNNERS, query: FetchQuery,
  summary: "The seed's feed fetcher for one feed (GET /?feed_url=&max_articles=): its articles as clean text, deduplicated; the seed's FeedFetcherOutput. Runs like POST /workers/feed-fetcher/api/execute (a feed that cannot be read: 503, or 422 when its URL is refused).",
  response: FeedFetchAnswerSchema, errors: [429, 503],
  handler: async ({ env, principal, request, now, query }) => {
    const { output, info } = await runSeed(feedFetcher, { env, principal, request, now }, "fetch", {
      input: { feed_urls: [query.feed_url], max_articles_per_feed: query.max_articles }, client_id: query.client_id,
    });
    return fetchAnswer(output, info);
  },
});


/**
 * Each v1 worker's own surface from seed 000 (topic researcher, RSS librarian, feed fetcher,
 * content classifier, report builder) and the worker pattern's admin endpoints from seed 003,
 * as thin aliases over the worker harness: a run goes through the same code path as
 * `POST /workers/:name/api/execute` (same callers, idempotency, base cost and failure statuses),
 * with the seed's input mapped to the harness's and its output to the seed's field names.
 * Registered before the generic `/workers/:name` routes (the query routes share their path).
 */
export const seedWorkerRoutes: Route[] = [
  healthOrRun("topic-researcher", researchRun, TopicResearchAnswerSchema),
  healthOrRun("rss-librarian", librarianRun, LibrarianAnswerSchema),
  healthOrRun("feed-fetcher", fetchRun, FeedFetchAnswerSchema),
  route({
    method: "POST", path: "/workers/feed-fetcher/batch", access: RUNNERS, body: BatchBody,
    summary: "The seed's feed fetcher batch (POST /batch {feed_urls, max_articles_per_feed}): every feed's articles, deduplicated across feeds; the seed's FeedFetcherOutput. Idempotent per idempotency_key (or the Idempotency-Key header); some feeds failing is reported per feed, all failing is 503 (422 when every URL is refused).",
    response: FeedFetchAnswerSchema, errors: [429, 503],
    handler: async ({ env, principal, request, now, body }) => {
      const input: JsonObject = { feed_urls: body.feed_urls };
      if (body.max_articles_per_feed !== undefined) input.max_articles_per_feed = body.max_articles_per_feed;
      const { output, info } = await runSeed(feedFetcher, { env, principal, request, now }, "batch", { input, client_id: body.client_id, idempotency_key: body.idempotency_key });
      return fetchAnswer(output, info);
    },
  }),
  route({
    method: "POST", path: "/workers/content-classifier/analyze", access: RUNNERS, body: AnalyzeBody,
    summary: "The seed's content classifier (POST /analyze {articles: [{url, title, content}], target_topic, analysis_depth}): relevance, quality, a summary and key points per article, articles under min_relevance (default 0.25) left out; the seed's ContentClassifierOutput. A feed fetcher's articles are accepted as they come.",
    response: AnalyzeAnswerSchema, errors: [429, 503],
    handler: async ({ env, principal, request, now, body }) => {
      const articles = await Promise.all(body.articles.map(toArticle));
      const input: JsonObject = { articles: articles, target_topic: body.target_topic };
      if (body.analysis_depth !== undefined) input.analysis_depth = body.analysis_depth;
      if (body.min_relevance !== undefined) input.min_relevance = body.min_relevance;
      const { output, info } = await runSeed(contentClassifier, { env, principal, request, now }, "analyze", { input, client_id: body.client_id, idempotency_key: body.idempotency_key });
      return {
        topic: output.topic,
        analyzed_articles: output.analyzed_articles.map((a) => ({
          id: a.id, url: a.url, title: a.title, relevance_score: a.relevance_score, quality_score: a.quality_score, summary: a.analysis_summary,
          key_points: a.key_points, source_url: a.source_url, source_title: a.source_title, published_date: a.published_at,
        })),
        relevant_count: output.relevant_count, avg_relevance_score: output.average_relevance ?? 0, total_execution_time_ms: info.duration_ms,
        articles_in: output.articles_in, analysis_depth: output.analysis_depth, run: info,
      } satisfies AnalyzeAnswer;
    },
  }),
  route({
    method: "POST", path: "/workers/report-builder/generate", access: RUNNERS, body: GenerateBody,
    summary: "The seed's report builder (POST /generate {analyzed_articles}): an intelligence report (executive summary, key insights, themes, citations) as JSON, Markdown and HTML; the seed's {report, insights}. The classifier's analyzed_articles are accepted as they come; without a topic, the articles' leading keywords name it.",
    response: GenerateAnswerSchema, errors: [429, 503],
    handler: async ({ env, principal, request, now, body }) => {
      const analyzed: AnalyzedArticle[] = await Promise.all(body.analyzed_articles.map(async (a, i) => ({
        ...(await toArticle({ ...a, content: a.content ?? a.summary, summary: a.summary }, i)),
        relevance_score: a.relevance_score, quality_score: a.quality_score, analysis_summary: a.summary, key_points: a.key_points,
      })));
      const topic = body.topic ?? keywords(analyzed.map((a) => `${a.title} ${a.title} ${a.analysis_summary}`), 3).join(" ").slice(0, 200).trim();
      if (topic.length < 2) {
        throw new AppError("validation_failed", "body.topic: is required (the articles name no topic to report on)", { issues: [{ field: "body.topic", rule: "required", message: "is required" }] });
      }
      const input: JsonObject = { analyzed_articles: analyzed, topic };
      if (body.report_style !== undefined) input.report_style = body.report_style;
      if (body.max_citations !== undefined) input.max_citations = body.max_citations;
      const { output, info } = await runSeed(reportBuilder, { env, principal, request, now }, "generate", { input, client_id: body.client_id, idempotency_key: body.idempotency_key });
      return {
        report: output.report, insights: output.report.key_insights, topic, topic_inferred: body.topic === undefined,
        article_count: output.article_count, style: output.style, total_execution_time_ms: info.duration_ms, run: info,
      } satisfies GenerateAnswer;
    },
  }),
  route({
    method: "POST", path: "/workers/:name/api/admin/templates", access: ADMINS, params: NameParams,
    summary: "The seed's worker template management: a worker's templates are presets of its parameters defined with the worker, so this re-installs the worker's registry entry from this version's definition (as POST /templates/sync does for all; an admin's cost and capacity settings are kept) and answers its templates and the active pipeline templates that run it.",
    response: WorkerTemplateSyncSchema,
    handler: async ({ env, params, now }) => {
      const spec = builtinSpec(params.name);
      const [, used] = await env.DB.batch<{ template_name: string }>([
        ...installWorkerStatements(env.DB, now, [spec.def]),
        env.DB.prepare(`SELECT DISTINCT s.template_name FROM pipeline_steps s JOIN pipeline_template_cache c ON c.template_name = s.template_name
          WHERE s.worker_name = ? AND c.is_active = 1 ORDER BY s.template_name`).bind(spec.def.worker_name),
      ]);
      return {
        success: true as const, worker: spec.def.worker_name, version: spec.version,
        templates: spec.templates.map((t) => ({ name: t.name, description: t.description, parameters: t.parameters })),
        pipeline_templates: used!.results.map((r) => r.template_name), synced_at: isoTime(now),
      } satisfies WorkerTemplateSync;
    },
  }),
  route({
    method: "GET", path: "/workers/:name/api/admin/analytics", access: ADMINS, params: NameParams,
    query: v.strictObject({ days: queryInt(1, 366, 30) }),
    summary: "The seed's worker analytics: per day of the last `days` (default 30) executions, successes and failures, success rate, average time, cost and tokens; the error codes seen, most frequent first; and the worker's totals, from pipeline history.",
    response: WorkerAnalyticsSchema,
    handler: async ({ env, params, query, now }) => {
      const name = builtinSpec(params.name).def.worker_name;
      const since = new Date(now - query.days * 86_400_000).toISOString().slice(0, 10);
      const db = env.DB;
      const [daily, errors] = await db.batch<Record<string, string | number | null>>([
        db.prepare(`SELECT substr(completed_at, 1, 10) AS date, count(*) AS n, coalesce(sum(success), 0) AS ok, avg(execution_time_ms) AS avg_ms,
            coalesce(sum(cost_micros), 0) AS cost, coalesce(sum(tokens_input), 0) AS tin, coalesce(sum(tokens_output), 0) AS tout
          FROM worker_execution_results WHERE worker_name = ? AND completed_at >= ? GROUP BY 1 ORDER BY 1`).bind(name, since),
        db.prepare(`SELECT coalesce(error_code, 'unknown') AS error_code, count(*) AS n, max(completed_at) AS last_at
          FROM worker_execution_results WHERE worker_name = ? AND success = 0 AND completed_at >= ? GROUP BY 1 ORDER BY n DESC, error_code LIMIT 20`).bind(name, since),
      ]);
      return {
        worker: name, since, days: query.days,
        daily: daily!.results.map((r) => {
          const n = Number(r.n);
          const ok = Number(r.ok);
          return {
            date: String(r.date), executions: n, succeeded: ok, failed: n - ok, success_rate: n > 0 ? ok / n : null,
            avg_execution_time_ms: r.avg_ms === null ? null : Math.round(Number(r.avg_ms)),
            cost_usd: microsToUsd(Number(r.cost)), cost_micros: Number(r.cost), tokens_input: Number(r.tin), tokens_output: Number(r.tout),
          };
        }),
        errors: errors!.results.map((r) => ({ error_code: String(r.error_code), count: Number(r.n), last_at: r.last_at === null ? null : String(r.last_at) })),
        totals: await workerStats(db, name, now),
      } satisfies WorkerAnalytics;
    },
  }),
];
