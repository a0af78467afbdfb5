import type { Connection } from "partyserver";
import type { JsonObject } from "../../lib/json";
import type { EventLog, LiveMessage } from "./event-log";

/** The `since` a client asked for in its connection URL, or null. */
export function requestedSince(uri: string | null): number | null {
  if (!uri) return null;
  const raw = new URL(uri).searchParams.get("since");
  if (raw === null || !/^\d{1,15}$/.test(raw)) return null;
  return Number(raw);
}

/**
 * What a client gets on connect: exactly the events it missed when it reconnects with a `since`
 * the bounded log still covers; otherwise a snapshot (stamped with the last event's seq), after
 * which live events follow.
 */
export function greet(connection: Connection, log: EventLog, snapshot: () => JsonObject, now: number): void {
  const since = requestedSince(connection.uri);
  const missed = since === null ? null : log.since(since);
  if (missed !== null) {
    for (const message of missed) connection.send(JSON.stringify(message));
    return;
  }
  const message: LiveMessage = { seq: log.lastSeq, type: "snapshot", at: now, payload: snapshot() };
  connection.send(JSON.stringify(message));
}
