import type { JsonObject } from "../../lib/json";
import { first, rows } from "./sqlite";

export { LiveMessageSchema, type LiveMessage } from "./live-message";
import type { LiveMessage } from "./live-message";

/** The SQL that created the first event log table (one row per event); kept for the actors' released migrations. */
export const EVENT_LOG_DDL = `CREATE TABLE events (
  seq     INTEGER PRIMARY KEY,
  type    TEXT NOT NULL,
  at      INTEGER NOT NULL,
  payload TEXT NOT NULL
) STRICT`;

/**
 * The event log as a journal: one row per write, holding that write's events (`first_seq` to
 * `last_seq`, possibly none) and an optional note (the PipelineActor's checkpoint: the labels of
 * what the write recorded). A SQLite row written is what storage bills and what a write costs,
 * so a write of several events writes one row. Replaces `events`, whose rows are carried over.
 */
export const EVENT_JOURNAL_DDL = `CREATE TABLE event_batches (
  id        INTEGER PRIMARY KEY,
  first_seq INTEGER NOT NULL,
  last_seq  INTEGER NOT NULL,
  at        INTEGER NOT NULL,
  note      TEXT,
  data      TEXT NOT NULL
) STRICT`;

/** The migration from `events` to the journal: the table, with the old rows carried over. */
export const EVENT_JOURNAL_MIGRATION = `${EVENT_JOURNAL_DDL};
INSERT INTO event_batches (first_seq, last_seq, at, note, data)
  SELECT seq, seq, at, NULL, json_array(json_array(type, json(payload))) FROM events ORDER BY seq;
DROP TABLE events`;

/** How many events an actor keeps for reconnecting clients. */
export const EVENT_LOG_LIMIT = 1000;

/** One journal row's note, with when it was written and the events written with it. */
export interface JournalNote { id: number; at: number; note: string; events: LiveMessage[] }

/**
 * How an actor stores some of its events more compactly than it sends them: `store` shrinks a
 * payload for the log, `load` makes it whole again when the log is read (a reconnecting client's
 * replay, the inspector). Both must agree; the live message always carries the whole payload.
 */
export interface EventCodec {
  store(type: string, payload: JsonObject): JsonObject;
  load(type: string, payload: JsonObject): JsonObject;
}

/**
 * What a write may add to its journal row besides events and a note: the actor's state change
 * (PipelineActor: the journal is also its state, see pipeline/checkpoints.ts). Only a table with a
 * `state` column takes it.
 */
export interface JournalExtra { state: string | null }

/** A bounded, durable log of an actor's events, in its SQLite (see `EVENT_JOURNAL_MIGRATION`). */
export class EventLog {
  private last: number;
  private lastRow: number;
  /**
   * Rows from this id on that carry state are kept whatever their age (state not yet in a
   * snapshot: see `keep`); null for a log without state (the ledger's and the pool's).
   */
  private keepFrom: number | null = null;
  private codec: EventCodec | null = null;

  constructor(private readonly sql: SqlStorage, private readonly limit = EVENT_LOG_LIMIT) {
    const top = first<{ seq: number; id: number }>(sql, `SELECT coalesce(max(last_seq), 0) AS seq, coalesce(max(id), 0) AS id FROM event_batches`);
    this.last = top?.seq ?? 0;
    this.lastRow = top?.id ?? 0;
  }

  /** Starts again from nothing (after the actor deleted its rows). */
  reset(): void {
    this.last = 0;
    this.lastRow = 0;
    this.keepFrom = null;
  }

  /** Stores events through `codec` from now on (and reads them back through it). */
  useCodec(codec: EventCodec): void {
    this.codec = codec;
  }

  /**
   * Keeps the rows from `id` on that carry state when the log is trimmed (a log whose rows carry
   * state: the PipelineActor's). Every other old row is trimmed as usual, so the log stays bounded
   * however long a snapshot is away.
   */
  keep(id: number): void {
    this.keepFrom = id;
  }

  /** Where the log stands: taken before a transaction that appends, given back to `restore` if it fails. */
  mark(): { last: number; lastRow: number } {
    return { last: this.last, lastRow: this.lastRow };
  }

  /** Forgets what a failed transaction appended (its rows were rolled back). */
  restore(mark: { last: number; lastRow: number }): void {
    this.last = mark.last;
    this.lastRow = mark.lastRow;
  }

  /** The sequence number of the newest event (0 when there is none). */
  get lastSeq(): number {
    return this.last;
  }

  /** The id of the newest journal row (0 when there is none). */
  get lastRowId(): number {
    return this.lastRow;
  }

  /** Appends an event (call inside the transaction that made the change) and returns it. */
  append(type: string, payload: JsonObject, at: number): LiveMessage {
    return this.appendMany([{ type, payload }], at)[0]!;
  }

  /**
   * Appends a write's events, and its note and state change if any, as one row (call inside the
   * transaction that made the change). Nothing is written for no events, no note and no state.
   */
  appendMany(events: readonly { type: string; payload: JsonObject }[], at: number, note: string | null = null, extra: JournalExtra | null = null): LiveMessage[] {
    const state = extra?.state ?? null;
    if (events.length === 0 && note === null && state === null) return [];
    const first = this.last + 1;
    const messages = events.map((e, i) => ({ seq: first + i, type: e.type, at, payload: e.payload }));
    const last = first + messages.length - 1;
    const codec = this.codec;
    const data = JSON.stringify(events.map((e) => [e.type, codec ? codec.store(e.type, e.payload) : e.payload]));
    const id = this.lastRow + 1;
    if (extra) {
      this.sql.exec(`INSERT INTO event_batches (id, first_seq, last_seq, at, note, data, state) VALUES (?, ?, ?, ?, ?, ?, ?)`, id, first, last, at, note, data, state);
    } else {
      this.sql.exec(`INSERT INTO event_batches (id, first_seq, last_seq, at, note, data) VALUES (?, ?, ?, ?, ?, ?)`, id, first, last, at, note, data);
    }
    // Trim the bounded log when the sequence crosses a multiple of 100.
    if (Math.floor(last / 100) > Math.floor((first - 1) / 100)) {
      if (this.keepFrom === null) this.sql.exec(`DELETE FROM event_batches WHERE last_seq <= ?`, last - this.limit);
      else this.sql.exec(`DELETE FROM event_batches WHERE last_seq <= ? AND (id < ? OR state IS NULL)`, last - this.limit, this.keepFrom);
    }
    this.last = last;
    this.lastRow = id;
    return messages;
  }

  /**
   * The events after `seq`, oldest first; null when some of them have been dropped from the
   * bounded log (the client must take a snapshot instead).
   */
  since(seq: number): LiveMessage[] | null {
    if (seq >= this.last) return [];
    const oldest = first<{ seq: number }>(this.sql, `SELECT min(first_seq) AS seq FROM event_batches WHERE last_seq >= first_seq`)?.seq ?? this.last + 1;
    if (seq + 1 < oldest) return null;
    return this.read(`SELECT first_seq, at, data FROM event_batches WHERE last_seq > ? ORDER BY id`, seq).filter((m) => m.seq > seq);
  }

  /** The newest `n` events, oldest first. */
  tail(n: number): LiveMessage[] {
    return this.read(`SELECT first_seq, at, data FROM event_batches WHERE last_seq > ? ORDER BY id`, Math.max(0, this.last - n)).slice(-n);
  }

  /** The newest `n` notes, oldest first. */
  notes(n: number): JournalNote[] {
    return rows<{ id: number; at: number; note: string; first_seq: number; data: string }>(this.sql,
      `SELECT * FROM (SELECT id, at, note, first_seq, data FROM event_batches WHERE note IS NOT NULL ORDER BY id DESC LIMIT ?) ORDER BY id`, n)
      .map((r) => ({ id: r.id, at: r.at, note: r.note, events: this.messages(r) }));
  }

  private read(query: string, ...binds: number[]): LiveMessage[] {
    return rows<{ first_seq: number; at: number; data: string }>(this.sql, query, ...binds).flatMap((r) => this.messages(r));
  }

  private messages(r: { first_seq: number; at: number; data: string }): LiveMessage[] {
    const codec = this.codec;
    return (JSON.parse(r.data) as [string, JsonObject][]).map(([type, payload], i) => ({ seq: r.first_seq + i, type, at: r.at, payload: codec ? codec.load(type, payload) : payload }));
  }
}
