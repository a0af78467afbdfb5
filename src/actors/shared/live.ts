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
 * True when the client asked for snapshots as well as events (`snapshot=1`): after the events it
 * missed, and (from the ledger and the pools, whose events alone do not say the whole balance or
 * queue) after every change.
 */
export function wantsSnapshots(uri: string | null): boolean {
  return uri !== null && new URL(uri).searchParams.get("snapshot") === "1";
}

/**
 * What a client gets on connect: exactly the events it missed when it reconnects with a `since`
 * the bounded log still covers (then a snapshot if it asked for one); otherwise a snapshot
 * (stamped with the last event's seq), after which live events follow.
 */
export function greet(connection: Connection, log: EventLog, snapshot: () => JsonObject, now: number): void {
  const since = requestedSince(connection.uri);
  const missed = since === null ? null : log.since(since);
  if (missed !== null) {
    for (const message of missed) connection.send(JSON.stringify(message));
    if (!wantsSnapshots(connection.uri)) return;
  }
  const message: LiveMessage = { seq: log.lastSeq, type: "snapshot", at: now, payload: snapshot() };
  connection.send(JSON.stringify(message));
}

/** The tag of a connection that asked for snapshots (set on connect by the actors' base class). */
export const SNAPSHOTS_TAG = "snapshots";

/**
 * Sends a fresh snapshot (stamped with the last event's seq, not stored) to the subscribers that
 * asked for snapshots (`getConnections(SNAPSHOTS_TAG)`): built once, and only when one did.
 */
export function pushSnapshots(subscribers: Iterable<Connection>, log: EventLog, snapshot: () => JsonObject, now: number): void {
  let text: string | null = null;
  for (const connection of subscribers) {
    text ??= JSON.stringify({ seq: log.lastSeq, type: "snapshot", at: now, payload: snapshot() } satisfies LiveMessage);
    connection.send(text);
  }
}
