import { EVENT_JOURNAL_MIGRATION, EVENT_LOG_DDL } from "../shared/event-log";
import { FAILURES_DDL } from "../shared/failures";

/** The ResourcePool's SQLite schema, in order. Append only. */
export const POOL_MIGRATIONS: readonly string[] = [
  // The scheduler state (config, leases, queue, stats) as one JSON document: one write per command.
  `CREATE TABLE pool (id INTEGER PRIMARY KEY CHECK (id = 1), state TEXT NOT NULL) STRICT`,
  // Notifications owed to PipelineActors (grants, time-outs), delivered at least once.
  `CREATE TABLE outbox (
     key         TEXT NOT NULL,
     kind        TEXT NOT NULL CHECK (kind IN ('granted', 'timed_out')),
     pipeline_id TEXT NOT NULL,
     payload     TEXT NOT NULL,
     attempts    INTEGER NOT NULL DEFAULT 0,
     due_at      INTEGER NOT NULL,
     PRIMARY KEY (key, kind)
   ) STRICT`,
  EVENT_LOG_DDL,
  // Keys whose slot was given back: a late duplicate reserve for one of them is refused.
  // Kept out of the state document so its size does not grow with throughput.
  `CREATE TABLE released (key TEXT PRIMARY KEY, at INTEGER NOT NULL) STRICT`,
  `CREATE INDEX released_at ON released (at)`,
  // Call-backs given up after their retries (shared/failures.ts).
  FAILURES_DDL,
  // The event log as a journal: one row per write (shared/event-log.ts).
  EVENT_JOURNAL_MIGRATION,
];
