import { contentClassifier } from "./content-classifier";
import { contentGenerator } from "./content-generator";
import { contentGranulator } from "./content-granulator";
import { contentPackager } from "./content-packager";
import { feedFetcher } from "./feed-fetcher";
import { entrypointFor } from "./harness/entrypoint";
import { reportBuilder } from "./report-builder";
import { rssLibrarian } from "./rss-librarian";
import { topicResearcher } from "./topic-researcher";

/** The built-in workers' named entrypoints (exported by the script; the PipelineActor calls them over RPC). */
export class RssLibrarian extends entrypointFor(rssLibrarian) {}
export class FeedFetcher extends entrypointFor(feedFetcher) {}
export class ContentClassifier extends entrypointFor(contentClassifier) {}
export class ReportBuilder extends entrypointFor(reportBuilder) {}
export class TopicResearcher extends entrypointFor(topicResearcher) {}
export class ContentGranulator extends entrypointFor(contentGranulator) {}
export class ContentGenerator extends entrypointFor(contentGenerator) {}
export class ContentPackager extends entrypointFor(contentPackager) {}
