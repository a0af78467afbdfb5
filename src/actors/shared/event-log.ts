import type { JsonObject } from "../../lib/json";
import { first, insertRows, rows } from "./sqlite";

export { LiveMessageSchema, type LiveMessage } from "./live-message";
import type { LiveMessage } from "./live-message";

/** The SQL that creates the event log table; include it in an actor's migrations. */
export const EVENT_LOG_DDL = `CREATE TABLE events (
  seq     INTEGER PRIMARY KEY,
  type    TEXT NOT NULL,
  at      INTEGER NOT NULL,
  payload TEXT NOT NULL
) STRICT`;

/** How many events an actor keeps for reconnecting clients. */
export const EVENT_LOG_LIMIT = 1000;

/** A bounded, durable log of an actor's events, in its SQLite. */
export class EventLog {
  private last: number;

  constructor(private readonly sql: SqlStorage, private readonly limit = EVENT_LOG_LIMIT) {
    this.last = first<{ seq: number }>(sql, `SELECT coalesce(max(seq), 0) AS seq FROM events`)?.seq ?? 0;
  }

  /** The sequence number of the newest event (0 when there is none). */
  get lastSeq(): number {
    return this.last;
  }

  /** Appends an event (call inside the transaction that made the change) and returns it. */
  append(type: string, payload: JsonObject, at: number): LiveMessage {
    return this.appendMany([{ type, payload }], at)[0]!;
  }

  /** Appends several events with one statement (SQL statements dominate an actor's CPU time). */
  appendMany(events: readonly { type: string; payload: JsonObject }[], at: number): LiveMessage[] {
    if (events.length === 0) return [];
    const first = this.last + 1;
    const messages = events.map((e, i) => ({ seq: first + i, type: e.type, at, payload: e.payload }));
    insertRows(this.sql, `INSERT INTO events (seq, type, at, payload)`, messages.map((m) => [m.seq, m.type, m.at, JSON.stringify(m.payload)]));
    this.last = first + messages.length - 1;
    // Trim the bounded log when the sequence crosses a multiple of 100.
    if (Math.floor(this.last / 100) > Math.floor((first - 1) / 100)) this.sql.exec(`DELETE FROM events WHERE seq <= ?`, this.last - this.limit);
    return messages;
  }

  /**
   * The events after `seq`, oldest first; null when some of them have been dropped from the
   * bounded log (the client must take a snapshot instead).
   */
  since(seq: number): LiveMessage[] | null {
    if (seq >= this.last) return [];
    const oldest = first<{ seq: number }>(this.sql, `SELECT min(seq) AS seq FROM events`)?.seq ?? this.last + 1;
    if (seq + 1 < oldest) return null;
    return this.read(`SELECT * FROM events WHERE seq > ? ORDER BY seq`, seq);
  }

  /** The newest `n` events, oldest first. */
  tail(n: number): LiveMessage[] {
    return this.read(`SELECT * FROM (SELECT * FROM events ORDER BY seq DESC LIMIT ?) ORDER BY seq`, n);
  }

  private read(query: string, ...binds: number[]): LiveMessage[] {
    return rows<{ seq: number; type: string; at: number; payload: string }>(this.sql, query, ...binds)
      .map((r) => ({ seq: r.seq, type: r.type, at: r.at, payload: JSON.parse(r.payload) as JsonObject }));
  }
}
