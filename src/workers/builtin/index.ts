import { ContentClassifier } from "./content-classifier";
import { ContentGenerator } from "./content-generator";
import { ContentGranulator } from "./content-granulator";
import { ContentPackager } from "./content-packager";
import { FeedFetcher } from "./feed-fetcher";
import { ReportBuilder } from "./report-builder";
import { RssLibrarian } from "./rss-librarian";
import { TopicResearcher } from "./topic-researcher";

/**
 * Every built-in worker, by the name of its entrypoint class (its registry `binding`), in the
 * order of the seed's worker chain. This is the one list a new worker joins (its file declares
 * the rest: registry row, schemas, run, entrypoint). Derived from it: the specs by name and the
 * registry rows (`../specs.ts`), the bindings a PipelineActor may call (`../registry.ts`) and
 * the script's named exports (`src/index.ts`, which must name each class: see there).
 */
export const BuiltinEntrypoints = {
  RssLibrarian,
  TopicResearcher,
  FeedFetcher,
  ContentClassifier,
  ReportBuilder,
  ContentGranulator,
  ContentGenerator,
  ContentPackager,
} as const;

/** The binding (entrypoint class name) of a built-in worker. */
export type BuiltinBinding = keyof typeof BuiltinEntrypoints;
