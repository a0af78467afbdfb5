import { Server, type Connection, type ConnectionContext } from "partyserver";
import { SNAPSHOTS_TAG, wantsSnapshots } from "./live";
import type { SocketErrorFrame } from "./live-message";
import { describeError, log } from "../../lib/log";

/**
 * The storage key of an actor's own name. It is partyserver's fallback record, so partyserver's
 * own `fetch` (WebSocket upgrades) finds the name there too.
 */
export const NAME_KEY = "__ps_name";


/**
 * The base of the three actors: a hibernating partyserver `Server` that always knows its own
 * name, and never sends error text to a client.
 *
 * Why the name is kept: an object woken by its alarm after the runtime restarted has no
 * `ctx.id.name` (seen under `wrangler dev` after a kill -9), and every later call reaches that
 * same nameless instance, even through `getByName`. partyserver's `this.name` then throws. So
 * the name is stored on first contact (`loadName`, called first in each actor's start-up) and
 * read back on every wake, or read from the actor's own state where that holds it.
 */
export abstract class ActorServer extends Server<Env> {
  #name: string | undefined;

  /**
   * Learns the actor's name; call first inside the constructor's `blockConcurrencyWhile`. An
   * actor whose own state names it (`fromState`: a pipeline's spec holds its id) takes it from
   * there, and with `keep` false stores no copy (before it has state, the runtime's id names it).
   * Otherwise the name is stored on first contact (`ctx.id.name`) and read back on every wake.
   */
  protected async loadName(fromState: () => string | null = () => null, keep = true): Promise<void> {
    const own = fromState();
    if (own !== null || !keep) {
      this.#name = own ?? this.ctx.id.name;
      return;
    }
    const fromId = this.ctx.id.name;
    const stored = await this.ctx.storage.get<string>(NAME_KEY);
    // Not awaited: the output gate holds every answer until the write is durable.
    if (fromId !== undefined && stored !== fromId) void this.ctx.storage.put(NAME_KEY, fromId);
    this.#name = fromId ?? stored;
  }

  /** This actor's name (the pipeline id, the worker name, the client id). */
  override get name(): string {
    const name = this.ctx.id.name ?? this.#name;
    if (name === undefined) throw new Error(`${this.constructor.name} does not know its name (never addressed by name since it was created)`);
    return name;
  }

  /** True when the name is known (from the id or from storage). */
  protected get named(): boolean {
    return this.ctx.id.name !== undefined || this.#name !== undefined;
  }

  /**
   * WebSocket upgrades (and any other HTTP) from the router. The router sends the name in
   * `x-partykit-room` too; an actor that still cannot tell its name answers with a coded frame
   * rather than partyserver's stack trace.
   */
  override async fetch(request: Request): Promise<Response> {
    if (!this.named) {
      const room = request.headers.get("x-partykit-room");
      if (room) {
        this.#name = room;
        void this.ctx.storage.put(NAME_KEY, room);
      } else {
        log("error", "actor has no name; connection refused", { actor: this.constructor.name });
        return refuse(request, { type: "error", error: { code: "unavailable", message: "this live feed is not available right now; reconnect shortly" } });
      }
    }
    // partyserver's own start-up, run here first: an error in it gets the coded frame, not
    // partyserver's answer (which carries the stack).
    try {
      await this.__unsafe_ensureInitialized();
    } catch (error) {
      log("error", "actor start-up failed; connection refused", { actor: this.constructor.name, ...describeError(error) });
      return refuse(request, { type: "error", error: { code: "internal_error", message: "the live feed failed; reconnect to try again" } });
    }
    return await super.fetch(request);
  }

  /** Tags a subscriber that asked for snapshots, so a change finds those few without reading every URL. */
  override getConnectionTags(_connection: Connection, context: ConnectionContext): string[] {
    return wantsSnapshots(context.request.url) ? [SNAPSHOTS_TAG] : [];
  }

  /**
   * Greets a new subscriber (`greet` in each actor). An error here closes the socket with a
   * coded frame; its text goes to the log only.
   */
  override async onConnect(connection: Connection): Promise<void> {
    try {
      await this.greetSubscriber(connection);
    } catch (error) {
      log("error", "subscriber greeting failed", { actor: this.constructor.name, name: this.named ? this.name : null, ...describeError(error) });
      sendError(connection, { type: "error", error: { code: "internal_error", message: "the live feed failed; reconnect to try again" } });
    }
  }

  /** What a subscriber gets on connect (a snapshot, or the events it missed). */
  protected abstract greetSubscriber(connection: Connection): void | Promise<void>;
}

/** Sends a coded error frame and closes the socket (1011: the server hit a condition it could not handle). */
export function sendError(connection: WebSocket, frame: SocketErrorFrame): void {
  try {
    connection.send(JSON.stringify(frame));
    connection.close(1011, frame.error.code);
  } catch {
    // Already closed.
  }
}

/** Answers an upgrade with a socket that carries one coded frame and closes; plain HTTP gets 503 with the frame as JSON. */
function refuse(request: Request, frame: SocketErrorFrame): Response {
  if (request.headers.get("Upgrade")?.toLowerCase() !== "websocket") {
    return new Response(JSON.stringify({ error: frame.error }), { status: 503, headers: { "Content-Type": "application/json" } });
  }
  const pair = new WebSocketPair();
  pair[1].accept();
  sendError(pair[1], frame);
  return new Response(null, { status: 101, webSocket: pair[0] });
}
