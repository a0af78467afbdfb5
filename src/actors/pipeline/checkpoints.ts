import type { EventLog, LiveMessage } from "../shared/event-log";
import { diffEvents, storedEvents } from "./events";
import type { PipelineState } from "./machine";
import { RUN_TABLES } from "./schema";
import { loadState, saveOutputs, saveSnapshot, stateDelta } from "./store";

/**
 * A round that started steps is written this long after their worker calls went out, unless a
 * commit (usually the first result) writes it sooner: one write then covers both.
 */
export const FLUSH_DELAY_MS = 20;

/**
 * A snapshot of the state is written after this many writes carried in the journal, or this many
 * bytes of their changes, whichever comes first: what waking replays is bounded by both.
 */
export const SNAPSHOT_EVERY_WRITES = 32;
export const SNAPSHOT_EVERY_BYTES = 16_384;

/** The label prefixes every step writes, and the short forms a note stores them as (a label never starts with "~"). */
const SHORT_LABELS: readonly [string, string][] = [
  ["cleanup:release_capacity:", "~c:"], ["cleanup:settle:", "~s:"], ["cleanup:release_hold:", "~h:"],
  ["reserved:", "~r:"], ["result:", "~R:"], ["held:", "~H:"], ["dispatch:", "~d:"],
];

/**
 * A write's checkpoint as its journal row's note: the pipeline's status after it, then the
 * labels of what it recorded, space-separated, the usual prefixes shortened
 * ("running ~H:s2 ~r:s2 ~R:s2" for held:s2 reserved:s2 result:s2).
 */
export function encodeNote(labels: readonly string[], status: string): string {
  return `${status} ${labels.map((label) => {
    for (const [long, short] of SHORT_LABELS) if (label.startsWith(long)) return short + label.slice(long.length);
    return label;
  }).join(" ")}`;
}

/** A note's labels and status (a note written before was a JSON object, and may carry its steps). */
export function decodeNote(note: string): { labels: string; status: string; steps?: Record<string, string> } {
  if (note.startsWith("{")) return JSON.parse(note) as { labels: string; status: string; steps?: Record<string, string> };
  const space = note.indexOf(" ");
  const labels = note.slice(space + 1).split(" ").map((label) => {
    if (label.startsWith("~")) for (const [long, short] of SHORT_LABELS) if (label.startsWith(short)) return long + label.slice(short.length);
    return label;
  });
  return { status: note.slice(0, space), labels: labels.join(" ") };
}

/** What the write path tells the rest of the actor. */
export interface CheckpointHooks {
  /** After each write, its events (to broadcast), the state written and its labels (fault points, waiters for the end). */
  written(messages: readonly LiveMessage[], next: PipelineState, labels: readonly string[]): void;
  /** The flush timer wrote a deferred round: the driver goes on. */
  flushed(): void;
  /** The flush timer's write failed (the round is sent again from the last checkpoint). */
  flushFailed(error: unknown): void;
}

/**
 * The PipelineActor's write path: the state, and every change to it checkpointed in SQLite
 * before the next effect, as one transaction per write. A write is one journal row: its events,
 * its checkpoint (labels and status; the steps it changed are told by its events) and its state
 * change (the fields that changed, store.ts `stateDelta`), plus the output of a step that
 * succeeded. The journal is the state: every SNAPSHOT_EVERY_WRITES writes (or bytes), a write
 * also stores a snapshot of the state (the state rows, by difference from the last snapshot; its
 * journal row then carries events and note but no state change), and waking loads the snapshot
 * and replays the journal rows after it. The log keeps those rows when it trims. What is in memory and not yet on disk needs no keeping: a round written late (see
 * `writeRound`), or a fact carried to the next write (`carry`), is done again by an object that
 * stops before writing it, with the same result (each is an idempotent answer under its key).
 */
export class Checkpoints {
  private current: PipelineState | null;
  /** The state as written (what a write's difference is taken from). */
  private onDisk: PipelineState | null;
  /** Labels of answers applied in memory and not yet written. */
  private pending: string[] = [];
  /** A round written late is waiting for the flush timer (or the next commit). */
  private roundPending = false;
  private flushTimer: ReturnType<typeof setTimeout> | null = null;
  /** The state as of the last snapshot (the next is written by difference from it). */
  private snapshot: PipelineState | null;
  /** Writes carried in the journal since the snapshot, and their state changes' length. */
  private sinceSnapshot = { writes: 0, bytes: 0 };

  constructor(private readonly storage: Pick<DurableObjectStorage, "transactionSync">, private readonly sql: SqlStorage, private readonly log: EventLog, private readonly hooks: CheckpointHooks) {
    const loaded = loadState(sql);
    this.current = loaded?.state ?? null;
    this.onDisk = this.current;
    this.snapshot = loaded?.snapshot ?? null;
    if (loaded) {
      this.sinceSnapshot = { writes: loaded.replayed, bytes: loaded.replayedBytes };
      log.keep(loaded.journal + 1);
    }
    // The finished event's summary is stored once, in the state: the log keeps what it ended with.
    log.useCodec(storedEvents(() => this.current));
  }

  /** The state (null before the pipeline was created). */
  get state(): PipelineState | null {
    return this.current;
  }

  /** True when the state in memory is the state written (nothing deferred, nothing carried). */
  get allWritten(): boolean {
    return this.current === this.onDisk;
  }

  /** True while a round's answers are applied but not yet written (the flush timer writes them and the driver goes on). */
  get hasUnsaved(): boolean {
    return this.roundPending;
  }

  /** Persists the new state with one checkpoint label, in one transaction; then tells the hooks. */
  commit(next: PipelineState, label: string): void {
    if (this.current === next) return;
    this.write(next, [label]);
  }

  /**
   * Applies a change in memory that the next write carries: for a fact whose loss costs only
   * asking again (the run's D1 row exists, its admission hold is placed), each answered the same
   * when asked again under its key. Saves a whole write (a transaction, the meta row, a journal
   * row) per such fact.
   */
  carry(next: PipelineState, label: string): void {
    if (this.current === next) return;
    this.current = next;
    this.pending.push(label);
  }

  /** Writes what a round left unsaved, if anything: before any effect other than its dispatches. */
  flush(): void {
    if (this.roundPending) this.write(this.current!, []);
  }

  /**
   * Persists everything a round's answers changed in one transaction: a round writes its state
   * difference, its checkpoint and its events once rather than once per answer.
   *
   * When the answers start steps (`deferred`), the worker calls go out first and the write
   * follows in a later turn (FLUSH_DELAY_MS, or with the next commit): a write in the same turn
   * would hold the calls behind its commit (the output gate), a full commit on every step's
   * critical path. Nothing is lost by the order: the answers are idempotent replies to effects
   * sent under the attempt's keys, so an actor that stops before the write sends the same round
   * again from its last checkpoint, gets the same answers (the pool's lease and the ledger's
   * hold are already recorded there) and calls the worker again under the same key, which is
   * the at-least-once the workers are built for. Every other effect writes what is unsaved first.
   * The flush timer need not survive eviction, for the same reason.
   */
  writeRound(next: PipelineState, labels: readonly string[], deferred: boolean): void {
    if (labels.length === 0) return;
    if (!deferred) return this.write(next, labels);
    this.current = next;
    this.pending.push(...labels);
    this.roundPending = true;
    this.flushTimer ??= setTimeout(() => {
      this.flushTimer = null;
      try {
        this.flush();
      } catch (error) {
        this.hooks.flushFailed(error);
        return;
      }
      this.hooks.flushed();
    }, FLUSH_DELAY_MS);
  }

  /** Forgets a run that was not admitted: its state, checkpoints and events. */
  forget(): void {
    this.storage.transactionSync(() => {
      for (const table of RUN_TABLES) this.sql.exec(`DELETE FROM ${table}`);
    });
    this.current = null;
    this.onDisk = null;
    this.snapshot = null;
    this.sinceSnapshot = { writes: 0, bytes: 0 };
    this.pending = [];
    this.roundPending = false;
    this.log.reset();
  }

  /** Persists `next` from what is on disk, with the labels of what it carries. */
  private write(next: PipelineState, labels: readonly string[]): void {
    const before = this.onDisk;
    const all = [...this.pending, ...labels];
    const now = Date.now();
    let published: LiveMessage[] = [];
    const since = this.sinceSnapshot;
    // No snapshot yet: a new run (nothing on disk), or one stored as a single document.
    const snapshot = !this.snapshot || since.writes >= SNAPSHOT_EVERY_WRITES || since.bytes >= SNAPSHOT_EVERY_BYTES;
    let delta: string | null = null;
    const mark = this.log.mark();
    try {
      this.storage.transactionSync(() => {
        saveOutputs(this.sql, before, next);
        if (!snapshot) delta = stateDelta(before!, next);
        // The steps it changed are told by the events beside it (see `checkpointSteps`).
        const note = all.length > 0 ? encodeNote(all, next.status) : null;
        published = this.log.appendMany(diffEvents(before, next), now, note, { state: delta });
        // As of the newest row on disk (this write's, when it had events or a note).
        if (snapshot) saveSnapshot(this.sql, this.snapshot, next, this.log.lastRowId);
      });
    } catch (error) {
      // Rolled back: the log's counters go back with it, so no later row reuses a skipped id.
      this.log.restore(mark);
      throw error;
    }
    if (snapshot) {
      this.snapshot = next;
      this.sinceSnapshot = { writes: 0, bytes: 0 };
      this.log.keep(this.log.lastRowId + 1);
    } else if (delta !== null) {
      this.sinceSnapshot = { writes: since.writes + 1, bytes: since.bytes + (delta as string).length };
    }
    // Written: nothing is pending any more (a failed write above leaves it to be written again).
    this.current = next;
    this.onDisk = next;
    this.pending = [];
    this.roundPending = false;
    this.hooks.written(published, next, all);
  }
}
