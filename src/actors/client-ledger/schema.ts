import { EVENT_JOURNAL_MIGRATION, EVENT_LOG_DDL } from "../shared/event-log";
import { FAILURES_DDL } from "../shared/failures";

/** The ClientLedger's SQLite schema, in order. Append only. */
export const LEDGER_MIGRATIONS: readonly string[] = [
  `CREATE TABLE totals (
     id          INTEGER PRIMARY KEY CHECK (id = 1),
     period      TEXT NOT NULL,
     budget      INTEGER NOT NULL CHECK (budget >= 0),
     settled     INTEGER NOT NULL,
     adjustments INTEGER NOT NULL,
     held        INTEGER NOT NULL CHECK (held >= 0),
     alerted     TEXT NOT NULL
   ) STRICT`,
  // What each idempotency key did: the answer to a repeated command.
  `CREATE TABLE keys (
     key     TEXT PRIMARY KEY,
     kind    TEXT NOT NULL CHECK (kind IN ('hold', 'adjust')),
     amount  INTEGER NOT NULL,
     status  TEXT NOT NULL CHECK (status IN ('held', 'settled', 'released', 'applied')),
     actual  INTEGER,
     charged INTEGER,
     overrun INTEGER NOT NULL CHECK (overrun IN (0, 1)),
     reason  TEXT,
     period  TEXT NOT NULL,
     at      INTEGER NOT NULL
   ) STRICT`,
  `CREATE INDEX keys_open ON keys (status) WHERE status = 'held'`,
  // The books: append-only; the totals are derivable from them.
  `CREATE TABLE entries (
     seq     INTEGER PRIMARY KEY AUTOINCREMENT,
     kind    TEXT NOT NULL CHECK (kind IN ('hold', 'settle', 'release', 'adjust', 'rollover', 'budget')),
     key     TEXT,
     amount  INTEGER NOT NULL,
     charged INTEGER NOT NULL,
     period  TEXT NOT NULL,
     reason  TEXT,
     at      INTEGER NOT NULL
   ) STRICT`,
  `CREATE TABLE periods (
     period        TEXT PRIMARY KEY,
     budget        INTEGER NOT NULL,
     settled       INTEGER NOT NULL,
     adjustments   INTEGER NOT NULL,
     held_at_close INTEGER NOT NULL,
     closed_at     INTEGER NOT NULL
   ) STRICT`,
  // One alarm over a table of due times: month rollover and the D1 usage mirror.
  `CREATE TABLE due (kind TEXT PRIMARY KEY CHECK (kind IN ('rollover', 'mirror')), at INTEGER NOT NULL) STRICT`,
  EVENT_LOG_DDL,
  // Charges from an envelope (a run's admission hold) name it; what each open hold still reserves;
  // work that could not be charged.
  `ALTER TABLE keys ADD COLUMN parent TEXT`,
  `ALTER TABLE keys ADD COLUMN remaining INTEGER NOT NULL DEFAULT 0 CHECK (remaining >= 0)`,
  `UPDATE keys SET remaining = amount WHERE status = 'held'`,
  `ALTER TABLE totals ADD COLUMN unbilled INTEGER NOT NULL DEFAULT 0`,
  `ALTER TABLE entries ADD COLUMN unbilled INTEGER NOT NULL DEFAULT 0`,
  `ALTER TABLE periods ADD COLUMN unbilled INTEGER NOT NULL DEFAULT 0`,
  // The D1 mirror and budget reads retried with a cap, or given up (shared/failures.ts).
  FAILURES_DDL,
  // The event log as a journal: one row per write (shared/event-log.ts).
  EVENT_JOURNAL_MIGRATION,
  // Fewer rows per write, as SQLite counts them (what storage bills): a key record's table keyed
  // by its text key writes the table and its key index (two rows) unless it is WITHOUT ROWID;
  // AUTOINCREMENT writes sqlite_sequence with every insert of entries (append-only, never
  // deleted, so a plain integer key keeps growing as well).
  `CREATE TABLE keys_lean (
     key       TEXT PRIMARY KEY,
     kind      TEXT NOT NULL CHECK (kind IN ('hold', 'adjust')),
     amount    INTEGER NOT NULL,
     status    TEXT NOT NULL CHECK (status IN ('held', 'settled', 'released', 'applied')),
     actual    INTEGER,
     charged   INTEGER,
     overrun   INTEGER NOT NULL CHECK (overrun IN (0, 1)),
     reason    TEXT,
     period    TEXT NOT NULL,
     at        INTEGER NOT NULL,
     parent    TEXT,
     remaining INTEGER NOT NULL DEFAULT 0 CHECK (remaining >= 0)
   ) STRICT, WITHOUT ROWID;
   INSERT INTO keys_lean (key, kind, amount, status, actual, charged, overrun, reason, period, at, parent, remaining)
     SELECT key, kind, amount, status, actual, charged, overrun, reason, period, at, parent, remaining FROM keys;
   DROP TABLE keys;
   ALTER TABLE keys_lean RENAME TO keys;
   CREATE INDEX keys_open ON keys (status) WHERE status = 'held';
   CREATE TABLE entries_lean (
     seq      INTEGER PRIMARY KEY,
     kind     TEXT NOT NULL CHECK (kind IN ('hold', 'settle', 'release', 'adjust', 'rollover', 'budget')),
     key      TEXT,
     amount   INTEGER NOT NULL,
     charged  INTEGER NOT NULL,
     period   TEXT NOT NULL,
     reason   TEXT,
     at       INTEGER NOT NULL,
     unbilled INTEGER NOT NULL DEFAULT 0
   ) STRICT;
   INSERT INTO entries_lean (seq, kind, key, amount, charged, period, reason, at, unbilled)
     SELECT seq, kind, key, amount, charged, period, reason, at, unbilled FROM entries;
   DROP TABLE entries;
   ALTER TABLE entries_lean RENAME TO entries`,
];
