import { backoffMs, type RetryPolicy } from "../../lib/backoff";
import { describeError, log } from "../../lib/log";
import { first, rows } from "./sqlite";

/**
 * Every retry loop in the actors has a cap, and what an actor gives up on is kept where an
 * operator looks: in the actor's own SQLite (its admin inspection) and in D1's `actor_failures`
 * (GET /admin/failures). This file holds the policy (pure), the classification of errors, and
 * the book each actor keeps.
 */

/** How an operation is retried: attempts before giving up, and the backoff between them. */

/** Writes to D1 and R2 (registration, history, the usage mirror): about 40 minutes of tries. */
export const STORAGE_RETRY: RetryPolicy = { maxAttempts: 12, baseMs: 1_000, capMs: 5 * 60_000 };
/** A pipeline's calls to its ledger and pools: about 1.5 hours of tries. */
export const PEER_RETRY: RetryPolicy = { maxAttempts: 20, baseMs: 1_000, capMs: 5 * 60_000 };

/**
 * The wait after `failed` failed attempts: exponential from `baseMs`, capped at `capMs`, with
 * equal jitter (half fixed, half random) so that a crowd of actors spreads out but none retries
 * in a tight loop. `random` is in [0, 1).
 */
export function retryDelayMs(policy: RetryPolicy, failed: number, random: number): number {
  return backoffMs(policy, failed, random, 0.5);
}

/** A failure as the book keeps it: a stable code, a short message without stack or path, and whether a retry can fix it. */
export interface Failure { code: string; message: string; permanent: boolean }

// D1 and SQLite refusals that come back the same however often they are tried.
const PERMANENT = /constraint failed|SQLITE_CONSTRAINT|SQLITE_TOOBIG|too big|SQLITE_MISMATCH|datatype mismatch|malformed JSON|SQLITE_ERROR: no such|no such column|no such table/i;

/** A refusal known to be final (a peer's answer that does not change when asked again), with its code. */
export class Refusal extends Error {
  constructor(readonly code: string, message: string) {
    super(message);
    this.name = "Refusal";
  }
}

/** Classifies a thrown error: a refusal or storage error no retry can fix, or something transient. */
export function classify(error: unknown): Failure {
  if (error instanceof Refusal) return { code: error.code, message: error.message.slice(0, 300), permanent: true };
  const text = error instanceof Error ? error.message : String(error);
  const permanent = PERMANENT.test(text);
  const code = /constraint/i.test(text) ? "storage_constraint" : /too big|TOOBIG/i.test(text) ? "storage_too_big" : permanent ? "storage_refused" : "transient";
  // The first line only, without file paths, bounded: what an operator reads, never a stack.
  const message = text.split("\n")[0]!.replace(/\(?(?:file:\/\/)?\/[^\s)]+\)?/g, "").slice(0, 300);
  return { code, message, permanent };
}

/** What an actor gave up on, or is still retrying. */
export interface FailureRecord {
  operation: string; code: string; message: string; attempts: number; first_at: number; last_at: number;
  /** retrying: another attempt is due at `retry_at`; gave_up: no more tries (an operator acts); degraded: done in a reduced form. */
  outcome: "retrying" | "gave_up" | "degraded";
  retry_at: number | null;
}

interface FailureRow extends Record<string, SqlStorageValue> {
  operation: string; code: string; message: string; attempts: number; first_at: number; last_at: number;
  outcome: FailureRecord["outcome"]; retry_at: number | null; reported: number;
}

/** The failures table; include it in an actor's migrations. */
export const FAILURES_DDL = `CREATE TABLE failures (
  operation TEXT PRIMARY KEY,
  code      TEXT NOT NULL,
  message   TEXT NOT NULL,
  attempts  INTEGER NOT NULL CHECK (attempts >= 1),
  first_at  INTEGER NOT NULL,
  last_at   INTEGER NOT NULL,
  outcome   TEXT NOT NULL CHECK (outcome IN ('retrying', 'gave_up', 'degraded')),
  retry_at  INTEGER,
  reported  INTEGER NOT NULL DEFAULT 0 CHECK (reported IN (0, 1))
) STRICT`;

/** Which actor a book belongs to, for the D1 record. */
export interface FailureOwner { kind: "pipeline" | "ledger" | "pool"; name: string; clientId: string | null }

/** The decision after a failed attempt. */
export interface RetryDecision { attempts: number; giveUp: boolean; retryAt: number | null }

/**
 * An actor's failures, in its SQLite (kept in memory too: it is small, and the alarm reads it
 * on every scheduling decision). Given-up and degraded records stay until an operator clears
 * them (`clear`); a retrying one goes away when the operation succeeds.
 */
export class FailureBook {
  private records = new Map<string, FailureRecord>();
  /** Some given-up or degraded record is not in D1 yet. */
  private unreported = false;

  constructor(private readonly sql: SqlStorage, private readonly owner: () => FailureOwner, private readonly db: () => D1Database) {
    for (const r of rows<FailureRow>(sql, `SELECT * FROM failures`)) {
      this.records.set(r.operation, { operation: r.operation, code: r.code, message: r.message, attempts: r.attempts, first_at: r.first_at, last_at: r.last_at, outcome: r.outcome, retry_at: r.retry_at });
      if (r.reported === 0 && r.outcome !== "retrying") this.unreported = true;
    }
  }

  /**
   * Records a failed attempt of `operation` and decides: retry at a time (backoff), or give up
   * (a permanent failure at once, a transient one after `policy.maxAttempts`). A give-up is
   * logged and reported to D1 (best effort).
   */
  failed(operation: string, error: unknown, policy: RetryPolicy, now: number, random = Math.random()): RetryDecision {
    const before = this.records.get(operation);
    const attempts = (before?.outcome === "degraded" ? 0 : before?.attempts ?? 0) + 1;
    // Once given up, it stays given up (an operator clears it); a new failure only counts.
    const giveUp = classify(error).permanent || attempts >= policy.maxAttempts || before?.outcome === "gave_up";
    const retryAt = giveUp ? null : now + retryDelayMs(policy, attempts, random);
    this.record(operation, error, giveUp ? "gave_up" : "retrying", attempts, retryAt, now);
    return { attempts, giveUp, retryAt };
  }

  /**
   * Records a give-up decided by a loop with its own cap (`attempts` made). Under one operation
   * name, attempts add up: a kind of work given up many times is one record.
   */
  gaveUpAfter(operation: string, error: unknown, attempts: number, now: number): void {
    const before = this.records.get(operation);
    this.record(operation, error, "gave_up", Math.max(1, attempts) + (before?.outcome === "gave_up" ? before.attempts : 0), null, now);
  }

  /** Records that `operation` was done in a reduced form (e.g. history without its parameters), with why. */
  degraded(operation: string, error: unknown, now: number): void {
    this.record(operation, error, "degraded", (this.records.get(operation)?.attempts ?? 0) + 1, null, now);
  }

  /**
   * Saves a record (keeping when the trouble began, unless the last record was a degraded one),
   * logs it, and reports to D1 what was newly given up or degraded.
   */
  private record(operation: string, error: unknown, outcome: FailureRecord["outcome"], attempts: number, retryAt: number | null, now: number): void {
    const failure = classify(error);
    const before = this.records.get(operation);
    this.save({
      operation, code: failure.code, message: failure.message, attempts, first_at: before && before.outcome !== "degraded" ? before.first_at : now,
      last_at: now, outcome, retry_at: retryAt,
    });
    const msg = outcome === "retrying" ? "actor operation failed; will retry" : outcome === "gave_up" ? "actor gave up an operation" : "actor did an operation in a reduced form";
    log(outcome === "retrying" ? "warn" : "error", msg, { ...this.owner(), operation, attempts, retry_at: retryAt, ...describeError(error) });
    // Reported when it is first given up or degraded (later failures of a given-up one only count, locally).
    if (outcome !== "retrying" && before?.outcome !== "gave_up") void this.report();
  }

  /**
   * A write with a reduced fallback: `write(false)`, and if that fails for a reason no retry can
   * fix, `write(true)` (e.g. without the value the store refuses), recorded as degraded. Any other
   * failure is recorded for a retry with backoff, or given up at the cap. "done" when the work is
   * written (whole or reduced).
   */
  async write(operation: string, policy: RetryPolicy, write: (reduced: boolean) => Promise<void>, now: number): Promise<"done" | "later" | "gave_up"> {
    try {
      await write(false);
      this.succeeded(operation);
      return "done";
    } catch (error) {
      if (!classify(error).permanent) return this.failed(operation, error, policy, now).giveUp ? "gave_up" : "later";
      try {
        await write(true);
        this.degraded(operation, error, now);
        return "done";
      } catch (again) {
        return this.failed(operation, again, policy, now).giveUp ? "gave_up" : "later";
      }
    }
  }

  /**
   * The operation succeeded: a retrying or given-up record of it is forgotten here (a given-up one
   * stays in D1 as what happened); a degraded one stays (it says what was not written).
   */
  succeeded(operation: string): void {
    const outcome = this.records.get(operation)?.outcome;
    if (outcome === undefined || outcome === "degraded") return;
    this.records.delete(operation);
    this.sql.exec(`DELETE FROM failures WHERE operation = ?`, operation);
  }

  /** When `operation` may be tried again: now (null) unless it is waiting out a backoff or was given up (Infinity). */
  notBefore(operation: string): number | null {
    const r = this.records.get(operation);
    if (!r) return null;
    return r.outcome === "gave_up" ? Infinity : r.outcome === "retrying" ? r.retry_at : null;
  }

  /** When an owed operation may run: `earliest`, or later while it waits out a backoff; null once given up. */
  dueAt(operation: string, earliest: number): number | null {
    const notBefore = this.notBefore(operation);
    if (notBefore === Infinity) return null;
    return Math.max(earliest, notBefore ?? earliest);
  }

  /** True when an operation is not waiting out a backoff and was not given up. */
  mayTry(operation: string, now: number): boolean {
    return (this.notBefore(operation) ?? 0) <= now;
  }

  /** Every record, newest first. */
  list(): FailureRecord[] {
    return [...this.records.values()].sort((a, b) => b.last_at - a.last_at);
  }

  /** Forgets records (an operator retried the work): all, or one operation's. */
  clear(operation?: string): void {
    if (operation === undefined) {
      this.records.clear();
      this.sql.exec(`DELETE FROM failures`);
    } else {
      this.records.delete(operation);
      this.sql.exec(`DELETE FROM failures WHERE operation = ?`, operation);
    }
  }

  /**
   * Copies the given-up and degraded records not reported yet to D1's `actor_failures`, one row
   * per actor and operation. Best effort: on failure they stay unreported and go with the next
   * report; the local record is the source either way.
   */
  async report(): Promise<void> {
    const pending = rows<FailureRow>(this.sql, `SELECT * FROM failures WHERE reported = 0 AND outcome <> 'retrying'`);
    if (pending.length === 0) return;
    const owner = this.owner();
    const db = this.db();
    try {
      await db.batch(pending.map((r) => db.prepare(
        `INSERT INTO actor_failures (failure_id, actor_kind, actor_name, operation, client_id, code, message, attempts, outcome, first_at, last_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (failure_id) DO UPDATE SET code = excluded.code, message = excluded.message, attempts = excluded.attempts,
           outcome = excluded.outcome, last_at = excluded.last_at`,
      ).bind(`${owner.kind}:${owner.name}:${r.operation}`, owner.kind, owner.name, r.operation, owner.clientId, r.code, r.message, r.attempts, r.outcome,
        new Date(r.first_at).toISOString(), new Date(r.last_at).toISOString())));
      for (const r of pending) this.sql.exec(`UPDATE failures SET reported = 1 WHERE operation = ? AND last_at = ?`, r.operation, r.last_at);
      this.unreported = (first<{ n: number }>(this.sql, `SELECT count(*) AS n FROM failures WHERE reported = 0 AND outcome <> 'retrying'`)?.n ?? 0) > 0;
    } catch (error) {
      log("warn", "actor failure not reported to D1 yet", { ...owner, ...describeError(error) });
    }
  }

  /** True when some given-up or degraded record still waits to be reported to D1. */
  hasUnreported(): boolean {
    return this.unreported;
  }

  private save(r: FailureRecord): void {
    this.records.set(r.operation, r);
    if (r.outcome !== "retrying") this.unreported = true;
    this.sql.exec(
      `INSERT INTO failures (operation, code, message, attempts, first_at, last_at, outcome, retry_at, reported) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0)
       ON CONFLICT (operation) DO UPDATE SET code = excluded.code, message = excluded.message, attempts = excluded.attempts, first_at = excluded.first_at,
         last_at = excluded.last_at, outcome = excluded.outcome, retry_at = excluded.retry_at, reported = 0`,
      r.operation, r.code, r.message, r.attempts, r.first_at, r.last_at, r.outcome, r.retry_at,
    );
  }
}
