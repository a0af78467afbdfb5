import { WorkerEntrypoint } from "cloudflare:workers";
import type { Handshake, StepWorker, WorkerResult } from "../contract";
import type { AnyWorkerSpec } from "./define";
import { executeWorker } from "./execute";

/**
 * The named entrypoint class of a worker: the PipelineActor calls `execute` over RPC
 * (`ctx.exports.<Binding>.execute(handshake)`). Every worker's class comes from here, and carries
 * its spec (`.spec`), so a list of the classes is a list of the workers.
 */
export function entrypointFor(spec: AnyWorkerSpec) {
  return class extends WorkerEntrypoint<Env> implements StepWorker {
    /** The worker this entrypoint runs (its registry row, schemas and `run`). */
    static readonly spec: AnyWorkerSpec = spec;

    async execute(handshake: Handshake): Promise<WorkerResult> {
      return executeWorker(spec, this.env, handshake, { viaActor: true });
    }
  };
}
