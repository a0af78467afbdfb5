import { Server } from "partyserver";

/**
 * One pipeline run: its DAG state machine, checkpoints and alarms (behaviour lands with issue 3).
 * A hibernating partyserver Server, addressed by name (`/parties/pipeline-actor/:name` over WebSocket,
 * `env.PipelineActor.getByName(name)` over RPC).
 */
export class PipelineActor extends Server<Env> {
  static override options = { hibernate: true };

  /** Liveness probe for `/health`: proves the namespace is bound and the object starts. */
  ping(): "pong" {
    return "pong";
  }
}
