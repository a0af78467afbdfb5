import { WorkerEntrypoint } from "cloudflare:workers";
import type { Handshake, StepWorker, WorkerResult } from "../contract";
import type { AnyWorkerSpec } from "./define";
import { executeWorker } from "./execute";

/**
 * The named entrypoint class of a worker: the PipelineActor calls `execute` over RPC
 * (`ctx.exports.<Binding>.execute(handshake)`). Every worker's class comes from here.
 */
export function entrypointFor(spec: AnyWorkerSpec) {
  return class extends WorkerEntrypoint<Env> implements StepWorker {
    async execute(handshake: Handshake): Promise<WorkerResult> {
      return executeWorker(spec, this.env, handshake, { viaActor: true });
    }
  };
}
