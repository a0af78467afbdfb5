import type { StepWorker } from "./contract";
import { ExternalWorker } from "./external";

/** Binding names of this script's own worker entrypoints. */
const OWN = ["ScriptedWorker", "RssLibrarian", "FeedFetcher", "ContentClassifier", "ReportBuilder", "TopicResearcher", "ContentGranulator", "ContentGenerator", "ContentPackager"] as const;
type OwnBinding = (typeof OWN)[number];

/**
 * The worker behind a registry binding: one of this script's entrypoints (`ctx.exports`), or
 * for `external:<endpoint>` an ExternalWorker calling that endpoint over HTTP. Null when unknown.
 */
export function workerEntrypoint(exports: Cloudflare.Exports, env: Env, binding: string): StepWorker | null {
  if (binding.startsWith("external:")) return new ExternalWorker(env, binding.slice("external:".length));
  if (!(OWN as readonly string[]).includes(binding)) return null;
  return exports[binding as OwnBinding];
}
