import type { Connection } from "partyserver";
import { openActor, type ActorBasics } from "../shared/actor-start";
import { backoffMs, type RetryPolicy } from "../../lib/backoff";
import { ActorServer } from "../shared/actor-server";
import type { JsonObject } from "../../lib/json";
import type { AlarmClock } from "../shared/alarm-clock";
import { FailureBook } from "../shared/failures";
import { EventLog, type LiveMessage } from "../shared/event-log";
import { greet, pushSnapshots, SNAPSHOTS_TAG } from "../shared/live";
import { first, insertRows, rows } from "../shared/sqlite";
import {
  configure, effectivePriority, emptyPool, estimateWaitMs, firstInOrder, nextDue, queueOrder, release, renew, reserve, statsOf, tick,
  type Lease, type Notification, type PoolConfig, type PoolState, type ReserveAnswer,
} from "./scheduler";
import { POOL_MIGRATIONS } from "./schema";

/** A reservation request. */
export interface ReserveRequest { key: string; pipelineId: string; priority: number; maxWaitMs: number }

/** One operation of a batch. */
export type PoolOp = { op: "reserve"; request: ReserveRequest } | { op: "release"; key: string; observedMs: number | null };
/** The answer to one operation of a batch. */
export type PoolOpAnswer = ReserveAnswer | { released: boolean };

/** A call-back as a PipelineActor receives it: the notification and the pool (worker) it is from. */
export type PoolNotice = Notification & { worker: string };

/** What a PipelineActor implements so a pool can call it back. */
export interface CapacityListener { capacityNotice(note: PoolNotice): Promise<void> | void }

interface OutboxRow extends Record<string, SqlStorageValue> {
  key: string; kind: "granted" | "timed_out"; pipeline_id: string; payload: string; attempts: number; due_at: number;
}

/** How many waiters and leases a subscriber's view lists. */
const POOL_VIEW_LIMIT = 50;

const DEFAULT_CONFIG: PoolConfig = { maxConcurrent: 4, queueLimit: 100, leaseTtlMs: 60_000, defaultDurationMs: 1_000 };
const MAX_DELIVERY_ATTEMPTS = 12;
/** Redelivery of a call-back: from half a second, doubling to a minute, equal jitter (the runtime's one backoff). */
const REDELIVERY: RetryPolicy = { maxAttempts: MAX_DELIVERY_ATTEMPTS, baseMs: 500, capMs: 60_000 };
/** How long a tombstone is remembered (late duplicates arrive within seconds). */
const RELEASED_TTL_MS = 24 * 3600_000;

/**
 * Concurrency for one worker type (named by worker name). A thin shell over `scheduler.ts`: each
 * command runs the core and commits the new state, the notifications owed and the events in one
 * SQLite transaction before answering. Queued callers are called back (`capacityNotice`) when a
 * slot is granted to them or their max wait passes; nothing polls. One alarm covers lease
 * expiry, waiter deadlines and redelivery of notifications.
 */
export class ResourcePool extends ActorServer {
  static override options = { hibernate: true };

  private state!: PoolState;
  /** Keys whose release found no lease (the `released` table, in memory): their late reserve is refused. */
  private readonly tombstones = new Map<string, number>();
  private tombstonesPrunedAt = 0;
  /** Its SQLite (writes metered), event log and alarm (shared/actor-start.ts). */
  private basics!: ActorBasics;
  /** Call-backs given up after their retries, kept for an operator. */
  private failures!: FailureBook;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    void ctx.blockConcurrencyWhile(() => this.start());
  }

  private get store(): SqlStorage {
    return this.basics.sql;
  }

  private get events(): EventLog {
    return this.basics.events;
  }

  private get clock(): AlarmClock {
    return this.basics.clock;
  }

  private async start(): Promise<void> {
    await this.loadName();
    this.basics = await openActor(this.ctx, POOL_MIGRATIONS);
    this.forgetTombstones(Date.now());
    for (const r of rows<{ key: string; at: number }>(this.store, `SELECT key, at FROM released`)) this.tombstones.set(r.key, r.at);
    this.failures = new FailureBook(this.store, () => ({ kind: "pool", name: this.name, clientId: null }), () => this.env.DB);
    const row = first<{ state: string }>(this.store, `SELECT state FROM pool WHERE id = 1`);
    if (row) {
      this.state = normalize(JSON.parse(row.state) as PoolState);
    } else {
      this.state = emptyPool(await this.configFromRegistry());
      this.store.exec(`INSERT INTO pool (id, state) VALUES (1, ?)`, JSON.stringify(this.state));
    }
    this.scheduleNextAlarm();
  }

  /** Capacity settings from the worker registry (defaults for a worker not registered). */
  private async configFromRegistry(): Promise<PoolConfig> {
    const row = await this.env.DB.prepare(
      `SELECT max_concurrent, queue_limit, lease_ttl_ms, avg_execution_time_ms FROM worker_registry WHERE worker_name = ?`,
    ).bind(this.name).first<{ max_concurrent: number; queue_limit: number; lease_ttl_ms: number; avg_execution_time_ms: number }>();
    if (!row) return DEFAULT_CONFIG;
    return { maxConcurrent: row.max_concurrent, queueLimit: row.queue_limit, leaseTtlMs: row.lease_ttl_ms, defaultDurationMs: row.avg_execution_time_ms };
  }

  // ---- RPC ---------------------------------------------------------------------------------

  /** Liveness probe for /health. */
  ping(): "pong" {
    return "pong";
  }

  /** Granted (a lease), queued (position and ETA; called back later) or rejected. Idempotent by key. */
  reserve(request: ReserveRequest): ReserveAnswer {
    return this.runOps([{ op: "reserve", request }])[0] as ReserveAnswer;
  }

  /** Extends a lease; null when it is gone (expired and reclaimed, or released). */
  renew(key: string): Lease | null {
    const now = Date.now();
    const r = renew(this.state, key, now);
    if (r.lease) this.commit(r.state, [], [], now);
    return r.lease;
  }

  /** Gives a slot (or a queue place) back, with the observed execution time. Idempotent. */
  release(key: string, observedMs: number | null): { released: boolean } {
    return this.runOps([{ op: "release", key, observedMs }])[0] as { released: boolean };
  }

  /**
   * Several operations in order, in one turn (so one commit): a pipeline gives back a finished
   * step's slot and asks for the next step's in a single message.
   */
  batch(ops: PoolOp[]): PoolOpAnswer[] {
    return this.runOps(ops);
  }

  /**
   * Runs the operations through the scheduler in order, in memory (released keys looked up in one
   * query), then commits once: SQL statements dominate an actor's time.
   */
  private runOps(ops: readonly PoolOp[]): PoolOpAnswer[] {
    const now = Date.now();
    let state = this.state;
    const notes: Notification[] = [];
    const events: { type: string; payload: JsonObject }[] = [];
    const newlyReleased: string[] = [];
    const answers: PoolOpAnswer[] = ops.map((o) => {
      if (o.op === "reserve") {
        const r = reserve(state, o.request, now, this.tombstones.has(o.request.key));
        state = r.state;
        notes.push(...r.notes);
        const a = r.answer;
        const base = { key: o.request.key, pipeline_id: o.request.pipelineId };
        if (a.status === "granted" && !a.replayed) events.push({ type: "granted", payload: { ...base, waited_ms: 0 } });
        if (a.status === "queued" && !a.replayed) events.push({ type: "queued", payload: { ...base, position: a.position, eta_ms: a.etaMs } });
        if (a.status === "rejected") events.push({ type: "rejected", payload: { ...base, reason: a.reason } });
        return a;
      }
      const r = release(state, o.key, o.observedMs, now);
      state = r.state;
      // The release comes before the grants it made possible, in the log as in time.
      if (r.released) events.push({ type: "released", payload: { key: o.key, observed_ms: o.observedMs } });
      notes.push(...r.notes);
      // A release that found no lease overtook its reserve (or repeats one): remember the key so
      // the reserve, arriving late, cannot take a slot. A lease's own release needs no tombstone:
      // keys are per attempt, and a holder reserves a key before it ever releases it.
      if (!r.released && !this.tombstones.has(o.key)) {
        newlyReleased.push(o.key);
        this.tombstones.set(o.key, now);
      }
      return { released: r.released };
    });
    this.commit(state, notes, events, now, newlyReleased);
    return answers;
  }

  /** Changes max_concurrent, queue_limit or lease_ttl_ms at run time (mirrored to the registry). */
  async configure(change: Partial<Pick<PoolConfig, "maxConcurrent" | "queueLimit" | "leaseTtlMs">>): Promise<PoolConfig> {
    const now = Date.now();
    const config = { ...this.state.config, ...change };
    const r = configure(this.state, config, now);
    this.commit(r.state, r.notes, [{ type: "config_changed", payload: { max_concurrent: config.maxConcurrent, queue_limit: config.queueLimit, lease_ttl_ms: config.leaseTtlMs } }], now);
    await this.env.DB.prepare(
      `UPDATE worker_registry SET max_concurrent = ?, queue_limit = ?, lease_ttl_ms = ?, updated_at = ? WHERE worker_name = ?`,
    ).bind(config.maxConcurrent, config.queueLimit, config.leaseTtlMs, new Date(now).toISOString(), this.name).run();
    return config;
  }

  /** Stats, which also feed queue ETAs. */
  stats() {
    return statsOf(this.state, Date.now());
  }

  /** A waiter's place now (1 = next) and its estimated wait; null when the key is not waiting. */
  position(key: string): { position: number; etaMs: number } | null {
    const now = Date.now();
    const i = queueOrder(this.state.queue, now).findIndex((w) => w.key === key);
    return i < 0 ? null : { position: i + 1, etaMs: estimateWaitMs(this.state, i + 1, now) };
  }

  /** Config, leases, queue (in grant order with ETAs), stats, undelivered notifications, alarm, events. */
  async inspect() {
    const now = Date.now();
    return {
      worker: this.name,
      config: this.state.config,
      leases: this.state.leases,
      queue: queueOrder(this.state.queue, now).map((w, i) => ({
        ...w, position: i + 1, effective_priority: effectivePriority(w, now), eta_ms: estimateWaitMs(this.state, i + 1, now),
      })),
      stats: statsOf(this.state, now),
      outbox: rows<OutboxRow>(this.store, `SELECT * FROM outbox ORDER BY due_at`).map((r) => ({ key: r.key, kind: r.kind, pipeline_id: r.pipeline_id, attempts: r.attempts, due_at: r.due_at })),
      next_alarm: await this.ctx.storage.getAlarm(),
      // Call-backs given up after their retries.
      failures: this.failures.list(),
      event_seq: this.events.lastSeq,
      recent_events: this.events.tail(20),
    };
  }

  // ---- persistence and effects ----------------------------------------------------------------

  /** Commits state, owed notifications, released keys and events together, then publishes and delivers. */
  private commit(state: PoolState, notes: readonly Notification[], extra: { type: string; payload: JsonObject }[], now: number, releasedKeys: readonly string[] = []): void {
    const published: LiveMessage[] = [];
    this.ctx.storage.transactionSync(() => {
      if (state !== this.state) this.store.exec(`UPDATE pool SET state = ? WHERE id = 1`, JSON.stringify(state));
      if (releasedKeys.length > 0) {
        insertRows(this.store, `INSERT OR IGNORE INTO released (key, at)`, releasedKeys.map((k) => [k, now]));
        if (now - this.tombstonesPrunedAt > 3600_000) this.forgetTombstones(now);
      }
      // The commands' own events first (releases, expiries), then the grants they made possible:
      // replaying the log must never show more in flight than there were.
      const events = [...extra];
      for (const note of notes) {
        this.store.exec(
          `INSERT INTO outbox (key, kind, pipeline_id, payload, attempts, due_at) VALUES (?, ?, ?, ?, 0, ?)
           ON CONFLICT (key, kind) DO UPDATE SET payload = excluded.payload, attempts = 0, due_at = excluded.due_at`,
          note.key, note.kind, note.pipelineId, JSON.stringify({ ...note, worker: this.name }), now,
        );
        events.push({ type: note.kind, payload: { key: note.key, pipeline_id: note.pipelineId, waited_ms: note.waitedMs } });
      }
      // One journal row for the write's events.
      published.push(...this.events.appendMany(events, now));
    });
    this.state = state;
    for (const message of published) this.broadcast(JSON.stringify(message));
    if (published.length > 0) pushSnapshots(this.getConnections(SNAPSHOTS_TAG), this.events, () => this.view(now), now);
    if (notes.length > 0) {
      this.ctx.waitUntil(this.deliver(now));
      this.scheduleNextAlarm();
    } else {
      // The outbox is unchanged, so only the pool's own deadlines can have moved earlier.
      this.clock.keepEarliest(nextDue(state));
    }
  }

  /** Drops tombstones older than RELEASED_TTL_MS. */
  private forgetTombstones(now: number): void {
    this.tombstonesPrunedAt = now;
    this.store.exec(`DELETE FROM released WHERE at < ?`, now - RELEASED_TTL_MS);
    for (const [key, at] of this.tombstones) if (at < now - RELEASED_TTL_MS) this.tombstones.delete(key);
  }

  /** Delivers due notifications; failures are retried with backoff by the alarm. */
  private async deliver(now: number): Promise<void> {
    const due = rows<OutboxRow>(this.store, `SELECT * FROM outbox WHERE due_at <= ? ORDER BY due_at LIMIT 50`, now);
    // Marked in flight before sending, so a delivery started meanwhile does not send them again.
    for (const row of due) this.store.exec(`UPDATE outbox SET due_at = ? WHERE key = ? AND kind = ?`, now + 30_000, row.key, row.kind);
    await Promise.all(due.map(async (row) => {
      try {
        await this.env.PipelineActor.getByName(row.pipeline_id).capacityNotice(JSON.parse(row.payload) as PoolNotice);
        this.store.exec(`DELETE FROM outbox WHERE key = ? AND kind = ? AND attempts = ?`, row.key, row.kind, row.attempts);
      } catch (error) {
        const attempts = row.attempts + 1;
        if (attempts >= REDELIVERY.maxAttempts) {
          // The pipeline's backstop timer gives up on the wait; the lease (if any) expires by its TTL.
          // Kept for an operator (the pool's inspection, GET /admin/failures).
          this.failures.gaveUpAfter(`notify_${row.kind}`, new Error(`call-back for ${row.key} to ${row.pipeline_id} dropped: ${error instanceof Error ? error.message : String(error)}`), attempts, Date.now());
          this.store.exec(`DELETE FROM outbox WHERE key = ? AND kind = ?`, row.key, row.kind);
        } else {
          this.store.exec(`UPDATE outbox SET attempts = ?, due_at = ? WHERE key = ? AND kind = ?`,
            attempts, Date.now() + backoffMs(REDELIVERY, attempts, Math.random(), 0.5), row.key, row.kind);
        }
      }
    }));
    this.scheduleNextAlarm();
  }

  /**
   * Sets the alarm from the earliest lease expiry, waiter deadline or redelivery: on wake, after
   * delivery and whenever a command wrote to the outbox. Other commands only move it earlier.
   */
  private scheduleNextAlarm(): void {
    const outbox = first<{ at: number | null }>(this.store, `SELECT min(due_at) AS at FROM outbox`)?.at ?? null;
    const candidates = [nextDue(this.state), outbox].filter((t): t is number => t !== null);
    this.clock.keepEarliest(candidates.length === 0 ? null : Math.min(...candidates));
  }

  override async onAlarm(): Promise<void> {
    this.clock.fired();
    if (this.failures.hasUnreported()) await this.failures.report();
    const now = Date.now();
    const r = tick(this.state, now);
    if (r.expired.length > 0 || r.notes.length > 0) {
      const expiredEvents = r.expired.map((l) => ({ type: "expired", payload: { key: l.key, pipeline_id: l.pipelineId } }));
      this.commit(r.state, r.notes, expiredEvents, now);
    }
    await this.deliver(now);
  }

  // ---- live ---------------------------------------------------------------------------------

  protected override greetSubscriber(connection: Connection): void {
    const now = Date.now();
    greet(connection, this.events, () => this.view(now), now);
  }

  /** What a subscriber sees: the stats, the first waiters in grant order and the leases. */
  private view(now: number): JsonObject {
    const s = this.state;
    return {
      worker: this.name, ...statsOf(s, now),
      queue_limit: s.config.queueLimit, lease_ttl_ms: s.config.leaseTtlMs,
      queue: firstInOrder(s.queue, now, POOL_VIEW_LIMIT).map((w, i) => ({
        key: w.key, pipeline_id: w.pipelineId, position: i + 1, priority: w.priority, waited_ms: now - w.enqueuedAt,
      })),
      leases: s.leases.slice(0, POOL_VIEW_LIMIT).map((l) => ({ key: l.key, pipeline_id: l.pipelineId, priority: l.priority, granted_at: l.grantedAt, expires_at: l.expiresAt })),
    };
  }
}

/** Brings a stored state written by an older version to the current shape (stats reset if needed). */
function normalize(state: PoolState): PoolState {
  const legacy = state as PoolState & { released?: unknown };
  delete legacy.released;
  if (!Array.isArray(state.stats.buckets)) {
    state.stats = { ...emptyPool(state.config).stats, granted: state.stats.granted, expired: state.stats.expired, rejected: state.stats.rejected, timedOut: state.stats.timedOut };
  }
  return state;
}
