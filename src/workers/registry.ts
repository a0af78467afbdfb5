import type { StepWorker } from "./contract";

/** Binding names of this script's own worker entrypoints. */
const OWN = ["ScriptedWorker", "RssLibrarian", "FeedFetcher", "ContentClassifier", "ReportBuilder", "TopicResearcher", "ContentGranulator", "ContentGenerator", "ContentPackager"] as const;
type OwnBinding = (typeof OWN)[number];

/**
 * The worker behind a registry binding: one of this script's entrypoints (`ctx.exports`), or
 * for `external:<endpoint>` the ExternalWorkers entrypoint calling that endpoint over HTTP
 * (references are read and written there, not in the actor). Null when unknown.
 */
export function workerEntrypoint(exports: Cloudflare.Exports, binding: string): StepWorker | null {
  if (binding.startsWith("external:")) {
    const endpoint = binding.slice("external:".length);
    return { execute: (h) => exports.ExternalWorkers.call(endpoint, h) };
  }
  if (!(OWN as readonly string[]).includes(binding)) return null;
  return exports[binding as OwnBinding];
}
