import { EVENT_JOURNAL_DDL, EVENT_JOURNAL_MIGRATION, EVENT_LOG_DDL } from "../shared/event-log";
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
  // The lean write path: every write is one SQLite row (a table keyed by a text primary key
  // writes its index too: two rows), so step rows are keyed by their order, outputs live in a
  // table without rowid, and the context (mapped outputs, possibly large) has its own row,
  // written only when it changes rather than with every change of the small meta document.
  `CREATE TABLE step_rows (ord INTEGER PRIMARY KEY, data TEXT NOT NULL) STRICT;
   INSERT INTO step_rows (ord, data) SELECT ord, data FROM steps;
   DROP TABLE steps;
   CREATE TABLE step_outputs (step_id TEXT NOT NULL, attempt INTEGER NOT NULL, data TEXT NOT NULL, PRIMARY KEY (step_id, attempt)) STRICT, WITHOUT ROWID;
   INSERT INTO step_outputs (step_id, attempt, data) SELECT step_id, attempt, data FROM outputs;
   DROP TABLE outputs;
   CREATE TABLE context (id INTEGER PRIMARY KEY CHECK (id = 1), data TEXT NOT NULL) STRICT`,
  // The event log as a journal (one row per write, see shared/event-log.ts); a write's
  // checkpoint (its labels, status and changed steps) is that row's note, so the checkpoint
  // history moves there too.
  EVENT_JOURNAL_MIGRATION,
  `INSERT INTO event_batches (first_seq, last_seq, at, note, data)
     SELECT 0, -1, at, json_object('labels', label, 'status', status, 'steps', json(steps)), '[]' FROM checkpoints ORDER BY seq;
   DROP TABLE checkpoints`,
  // The context written before it had its own row (inside the meta document) moves to its row:
  // a meta written since leaves it out, and an unchanged context is not written again.
  `INSERT OR IGNORE INTO context (id, data) SELECT 1, json_extract(data, '$.context') FROM meta WHERE json_type(data, '$.context') = 'object'`,
  // The journal as the state (checkpoints.ts): a write's state change rides in its journal row,
  // and the state rows above are a snapshot, taken every few writes, of the state as of the
  // journal row `meta.journal` (0: the rows hold the whole state, as everything written before).
  `ALTER TABLE event_batches ADD COLUMN state TEXT;
   ALTER TABLE meta ADD COLUMN journal INTEGER NOT NULL DEFAULT 0`,
];

/** Every table that holds one pipeline's run (forgotten together when a run is not admitted). */
export const RUN_TABLES = ["spec", "meta", "context", "step_rows", "attempts", "step_outputs", "event_batches"] as const;

/**
 * The schema PIPELINE_MIGRATIONS leave, for a new object to create directly (`migrate`'s
 * `current`): one PipelineActor is made per run, so its schema is paid on every run. Kept equal
 * to the migrations' result by test/pipeline-schema.test.ts; change both together.
 */
export const PIPELINE_SCHEMA = [
  `CREATE TABLE faults (point TEXT PRIMARY KEY) STRICT`,
  `CREATE TABLE spec (id INTEGER PRIMARY KEY CHECK (id = 1), data TEXT NOT NULL) STRICT`,
  `CREATE TABLE meta (id INTEGER PRIMARY KEY CHECK (id = 1), data TEXT NOT NULL, journal INTEGER NOT NULL DEFAULT 0) STRICT`,
  `CREATE TABLE attempts (seq INTEGER PRIMARY KEY, data TEXT NOT NULL) STRICT`,
  FAILURES_DDL,
  `CREATE TABLE step_rows (ord INTEGER PRIMARY KEY, data TEXT NOT NULL) STRICT`,
  `CREATE TABLE step_outputs (step_id TEXT NOT NULL, attempt INTEGER NOT NULL, data TEXT NOT NULL, PRIMARY KEY (step_id, attempt)) STRICT, WITHOUT ROWID`,
  `CREATE TABLE context (id INTEGER PRIMARY KEY CHECK (id = 1), data TEXT NOT NULL) STRICT`,
  EVENT_JOURNAL_DDL.replace(/\n\) STRICT$/, ",\n  state     TEXT\n) STRICT"),
  // Read only to load a state written before the state was split (never written now).
  `CREATE TABLE pipeline (id INTEGER PRIMARY KEY CHECK (id = 1), state TEXT NOT NULL) STRICT`,
].join(";\n");
