/**
 * The AI Factory script: the router Worker's fetch handler and every Durable Object class.
 * Worker entrypoints join this file as they are built.
 */
import { ClientLedger } from "./actors/client-ledger";
import { PipelineActor } from "./actors/pipeline";
import { ResourcePool } from "./actors/resource-pool";
import { router } from "./router";
import { ScriptedWorker } from "./workers/scripted";

export { ClientLedger, PipelineActor, ResourcePool, ScriptedWorker };

export default {
  fetch: (request, env, ctx) => router.fetch(request, env, ctx),
} satisfies ExportedHandler<Env>;
