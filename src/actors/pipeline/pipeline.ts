import { Server } from "partyserver";
import type { CapacityListener, Notification } from "../resource-pool";

/**
 * One pipeline run: its DAG state machine, checkpoints and alarms. Addressed by pipeline id
 * (`/parties/pipeline-actor/:id` over WebSocket, `env.PipelineActor.getByName(id)` over RPC).
 */
export class PipelineActor extends Server<Env> implements CapacityListener {
  static override options = { hibernate: true };

  /** Liveness probe for `/health`: proves the namespace is bound and the object starts. */
  ping(): "pong" {
    return "pong";
  }

  /** A ResourcePool's call-back: a queued reservation was granted or timed out. */
  capacityNotice(note: Notification): void {
    void note;
  }
}
