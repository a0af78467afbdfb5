import { notFound } from "../lib/errors";
import type { AnyWorkerSpec } from "../workers/harness/define";
import { WorkerSpecs } from "../workers/specs";

/** The built-in worker of a name, or 404. */
export function builtinSpec(name: string): AnyWorkerSpec {
  const spec = WorkerSpecs.get(name);
  if (!spec) throw notFound("worker", name);
  return spec;
}

/** Each built-in worker's seed v1 alias paths (served by routes/seed-workers.ts). */
export const seedWorkerPaths: ReadonlyMap<string, readonly string[]> = new Map([
  ["topic-researcher", ["GET /workers/topic-researcher?topic=&depth=&min_quality="]],
  ["rss-librarian", ["GET /workers/rss-librarian?topic=&max_feeds="]],
  ["feed-fetcher", ["GET /workers/feed-fetcher?feed_url=&max_articles=", "POST /workers/feed-fetcher/batch"]],
  ["content-classifier", ["POST /workers/content-classifier/analyze"]],
  ["report-builder", ["POST /workers/report-builder/generate"]],
]);

/** Every HTTP endpoint of a built-in worker, as `/workers/:name/help` and `GET /capabilities` list them. */
export function workerEndpoints(name: string): string[] {
  const base = `/workers/${name}`;
  return [`GET ${base}/`, `GET ${base}/health`, `GET ${base}/help`, `POST ${base}/api/execute`, `GET ${base}/api/templates`, `GET ${base}/api/templates/:name`,
    `GET ${base}/api/stats`, `POST ${base}/api/economy/estimate`, `GET ${base}/api/economy/pricing`, `GET ${base}/api/economy/stats`, `GET ${base}/api/admin/stats`,
    `POST ${base}/api/admin/templates`, `GET ${base}/api/admin/analytics`, ...(seedWorkerPaths.get(name) ?? [])];
}
