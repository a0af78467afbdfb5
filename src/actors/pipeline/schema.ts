import { EVENT_LOG_DDL } from "../shared/event-log";
import { FAILURES_DDL } from "../shared/failures";

/** The PipelineActor's SQLite schema, in order. Append only. */
export const PIPELINE_MIGRATIONS: readonly string[] = [
  // The state machine as one JSON document, rewritten at every checkpoint.
  `CREATE TABLE pipeline (id INTEGER PRIMARY KEY CHECK (id = 1), state TEXT NOT NULL) STRICT`,
  // Checkpoint history: what changed, when, and the status it left.
  `CREATE TABLE checkpoints (
     seq     INTEGER PRIMARY KEY AUTOINCREMENT,
     at      INTEGER NOT NULL,
     label   TEXT NOT NULL,
     status  TEXT NOT NULL,
     steps   TEXT NOT NULL
   ) STRICT`,
  // Step outputs, referenced from the state as sqlite:outputs/<step>/<attempt>.
  `CREATE TABLE outputs (step_id TEXT NOT NULL, attempt INTEGER NOT NULL, data TEXT NOT NULL, PRIMARY KEY (step_id, attempt)) STRICT`,
  // Fault injection for crash tests (development and test only).
  `CREATE TABLE faults (point TEXT PRIMARY KEY) STRICT`,
  EVENT_LOG_DDL,
  // The state split by how it changes, so a checkpoint writes only what changed: the spec once,
  // a small meta document, one row per step (rewritten when that step changes), attempts
  // appended. Step outputs live only in `outputs`. (The `pipeline` table above is read only to
  // load a state written before this split.)
  `CREATE TABLE spec (id INTEGER PRIMARY KEY CHECK (id = 1), data TEXT NOT NULL) STRICT`,
  `CREATE TABLE meta (id INTEGER PRIMARY KEY CHECK (id = 1), data TEXT NOT NULL) STRICT`,
  `CREATE TABLE steps (id TEXT PRIMARY KEY, ord INTEGER NOT NULL, data TEXT NOT NULL) STRICT`,
  `CREATE TABLE attempts (seq INTEGER PRIMARY KEY, data TEXT NOT NULL) STRICT`,
  // What the actor retries with backoff or gave up on (shared/failures.ts).
  FAILURES_DDL,
];
