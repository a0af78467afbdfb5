/**
 * The AI Factory script: the router Worker's fetch handler, every Durable Object class and every
 * step worker as a named entrypoint.
 */
import { ClientLedger } from "./actors/client-ledger";
import { PipelineActor } from "./actors/pipeline";
import { ResourcePool } from "./actors/resource-pool";
import { DeliverableRecorder } from "./deliverables/entrypoint";
import { router } from "./router";
import { runScheduled } from "./scheduled";
import { ContentClassifier, ContentGenerator, ContentGranulator, ContentPackager, FeedFetcher, ReportBuilder, RssLibrarian, TopicResearcher } from "./workers/entrypoints";
import { ExternalWorkers } from "./workers/external";
import { ScriptedWorker } from "./workers/scripted";

export { ClientLedger, DeliverableRecorder, ContentClassifier, ContentGenerator, ContentGranulator, ContentPackager, ExternalWorkers, FeedFetcher, PipelineActor, ReportBuilder, ResourcePool, RssLibrarian, ScriptedWorker, TopicResearcher };

export default {
  fetch: (request, env, ctx) => router.fetch(request, env, ctx),
  scheduled: (controller, env, ctx) => ctx.waitUntil(runScheduled(env, controller.scheduledTime)),
} satisfies ExportedHandler<Env>;
