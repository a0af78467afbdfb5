import { contentClassifier } from "./content-classifier";
import { contentGenerator } from "./content-generator";
import { contentGranulator } from "./content-granulator";
import { contentPackager } from "./content-packager";
import { feedFetcher } from "./feed-fetcher";
import type { AnyWorkerSpec } from "./harness/define";
import { reportBuilder } from "./report-builder";
import { rssLibrarian } from "./rss-librarian";
import { topicResearcher } from "./topic-researcher";

/** Every built-in worker defined with the shared harness, by registry name. */
export const WorkerSpecs: ReadonlyMap<string, AnyWorkerSpec> = new Map(
  ([rssLibrarian, topicResearcher, feedFetcher, contentClassifier, reportBuilder, contentGranulator, contentGenerator, contentPackager] as AnyWorkerSpec[]).map((s) => [s.def.worker_name, s]),
);
