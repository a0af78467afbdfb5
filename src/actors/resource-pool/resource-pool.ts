import { Server } from "partyserver";

/**
 * Concurrency for one worker type: leases, queue and stats (behaviour lands with issue 3).
 * A hibernating partyserver Server, addressed by name (`/parties/resource-pool/:name` over WebSocket,
 * `env.ResourcePool.getByName(name)` over RPC).
 */
export class ResourcePool extends Server<Env> {
  static override options = { hibernate: true };

  /** Liveness probe for `/health`: proves the namespace is bound and the object starts. */
  ping(): "pong" {
    return "pong";
  }
}
