import { Server } from "partyserver";

/**
 * One client's money: monthly budget, holds and settlements (behaviour lands with issue 3).
 * A hibernating partyserver Server, addressed by name (`/parties/client-ledger/:name` over WebSocket,
 * `env.ClientLedger.getByName(name)` over RPC).
 */
export class ClientLedger extends Server<Env> {
  static override options = { hibernate: true };

  /** Liveness probe for `/health`: proves the namespace is bound and the object starts. */
  ping(): "pong" {
    return "pong";
  }
}
