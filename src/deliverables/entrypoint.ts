import { WorkerEntrypoint } from "cloudflare:workers";
import type { JsonObject } from "../lib/json";
import { recordDeliverables, type FinishedRun } from "./store";

/**
 * Records a finished pipeline's deliverables, called by its PipelineActor: the stored outputs
 * are read and written here, not in the actor.
 */
export class DeliverableRecorder extends WorkerEntrypoint<Env> {
  async record(run: FinishedRun, fields: JsonObject): Promise<number> {
    return recordDeliverables(this.env, run, fields);
  }
}
