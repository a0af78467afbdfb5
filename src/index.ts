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
import { BuiltinEntrypoints } from "./workers/builtin";
import { ExternalWorkers } from "./workers/external";
import { ScriptedWorker } from "./workers/scripted";

export { ClientLedger, DeliverableRecorder, ExternalWorkers, PipelineActor, ResourcePool, ScriptedWorker };

/**
 * The built-in workers' entrypoints, each exported under its binding: workerd finds named
 * entrypoints (and `ctx.exports`) among the main module's static exports, so each name is
 * written here once; the list itself is BuiltinEntrypoints. A worker listed there but not here is
 * a type error in workers/registry.ts.
 */
export const {
  RssLibrarian, TopicResearcher, FeedFetcher, ContentClassifier, ReportBuilder, ContentGranulator, ContentGenerator, ContentPackager,
} = BuiltinEntrypoints;

export default {
  fetch: (request, env, ctx) => router.fetch(request, env, ctx),
  scheduled: (controller, env, ctx) => ctx.waitUntil(runScheduled(env, controller.scheduledTime)),
} satisfies ExportedHandler<Env>;
