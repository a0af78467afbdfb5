/**
 * The ResourcePool's pure core: concurrency for one worker type. No Cloudflare API, no clock:
 * every function takes the state, a command and `now` and returns the new state, the
 * notifications to deliver (grants and time-outs for queued callers) and the answer.
 *
 * Invariant: leases.length <= config.maxConcurrent after every command (a lowered limit drains
 * by attrition: no new grant until in-flight is below it). A key holds at most one lease or one
 * queue place. Leases expire `leaseTtlMs` after their last renewal, freeing the slot.
 */

import type { PoolRefusalCode } from "../refusals";

export interface PoolConfig {
  maxConcurrent: number;
  queueLimit: number;
  leaseTtlMs: number;
  /** Execution time assumed before any has been observed (registry's avg_execution_time_ms). */
  defaultDurationMs: number;
}

/** A granted slot. Its id is the reservation key. */
export interface Lease { key: string; pipelineId: string; priority: number; grantedAt: number; expiresAt: number }

/** A caller waiting for a slot. */
export interface Waiter { key: string; pipelineId: string; priority: number; enqueuedAt: number; deadline: number; seq: number }

/**
 * Rolling execution statistics, bounded whatever the throughput: the utilisation and
 * throughput windows are kept as one-second buckets.
 */
export interface PoolStats {
  /** Exponentially weighted moving average of observed durations (ms), null before the first. */
  ewmaMs: number | null;
  /** The last observed durations, newest last (bounded). */
  recent: number[];
  /** Per-second buckets within the window: [second, busy slot-ms, releases]. */
  buckets: [number, number, number][];
  /** When in-flight last changed, and to what (for integrating busy slot-time). */
  lastChangeAt: number;
  lastInflight: number;
  granted: number;
  expired: number;
  rejected: number;
  timedOut: number;
}

/** The whole pool. */
export interface PoolState {
  config: PoolConfig;
  leases: Lease[];
  queue: Waiter[];
  nextSeq: number;
  stats: PoolStats;
}

/** A message for a queued caller's PipelineActor. */
export type Notification =
  | { kind: "granted"; key: string; pipelineId: string; lease: Lease; waitedMs: number }
  | { kind: "timed_out"; key: string; pipelineId: string; waitedMs: number };

/** Answers. */
export type ReserveAnswer =
  | { status: "granted"; lease: Lease; replayed: boolean }
  | { status: "queued"; key: string; position: number; etaMs: number; replayed: boolean }
  | { status: "rejected"; key: string; reason: PoolRefusalCode; etaMs: number | null };

/** Seconds kept in the statistics window. */
const WINDOW_SECONDS = 60;

/** Pool tuning. */
export const EWMA_ALPHA = 0.2;
export const RECENT_LIMIT = 100;
export const STATS_WINDOW_MS = WINDOW_SECONDS * 1000;
/** A waiter gains one priority level per this much waiting, so low tiers are never starved. */
export const AGING_MS = 10_000;

/** Queue priority from the client's tier and the request's urgency: 0 (basic, low) to 15. */
export function priorityOf(tier: "basic" | "standard" | "premium" | "enterprise", urgency: "low" | "medium" | "high" | "critical"): number {
  const tiers = { basic: 0, standard: 1, premium: 2, enterprise: 3 } as const;
  const urgencies = { low: 0, medium: 1, high: 2, critical: 3 } as const;
  return tiers[tier] * 4 + urgencies[urgency];
}

/** A new, empty pool. */
export function emptyPool(config: PoolConfig): PoolState {
  return {
    config, leases: [], queue: [], nextSeq: 1,
    stats: { ewmaMs: null, recent: [], buckets: [], lastChangeAt: 0, lastInflight: 0, granted: 0, expired: 0, rejected: 0, timedOut: 0 },
  };
}

/** A waiter's priority after aging. */
export function effectivePriority(w: Waiter, now: number): number {
  return w.priority + Math.floor((now - w.enqueuedAt) / AGING_MS);
}

/** The queue in grant order: effective priority, then first come first served. */
export function queueOrder(queue: readonly Waiter[], now: number): Waiter[] {
  return [...queue].sort((a, b) => grantOrder(a, b, now));
}

/** Negative when `a` is granted before `b`. */
function grantOrder(a: Waiter, b: Waiter, now: number): number {
  return effectivePriority(b, now) - effectivePriority(a, now) || a.seq - b.seq;
}

/** The first `n` waiters in grant order, without sorting a long queue whole (a subscriber's view). */
export function firstInOrder(queue: readonly Waiter[], now: number, n: number): Waiter[] {
  if (queue.length <= n * 4) return queueOrder(queue, now).slice(0, n);
  const top: Waiter[] = [];
  for (const w of queue) {
    if (top.length === n && grantOrder(w, top[n - 1]!, now) >= 0) continue;
    let i = top.length;
    while (i > 0 && grantOrder(w, top[i - 1]!, now) < 0) i--;
    top.splice(i, 0, w);
    if (top.length > n) top.pop();
  }
  return top;
}

/** Expected execution time: the EWMA once known, else the configured default. */
function expectedDuration(s: PoolState): number {
  return s.stats.ewmaMs ?? s.config.defaultDurationMs;
}

/**
 * Estimated wait for the `position`-th waiter (1-based): the slots must turn over
 * ceil(position / maxConcurrent) times; the first turnover comes when the oldest lease is due.
 */
export function estimateWaitMs(s: PoolState, position: number, now: number): number {
  const d = expectedDuration(s);
  const rounds = Math.ceil(position / s.config.maxConcurrent);
  const soonestFree = s.leases.length < s.config.maxConcurrent ? 0
    : Math.max(0, Math.min(...s.leases.map((l) => l.grantedAt + d)) - now);
  return Math.round(soonestFree + (rounds - 1) * d);
}

/**
 * Adds `amount` busy slot-ms and `releases` to the bucket of `at`, dropping buckets outside the
 * window. Nothing to add makes no bucket: an idle second counts nothing, and the pool's document
 * (written with every command) stays small.
 */
function addToBucket(buckets: [number, number, number][], at: number, busy: number, releases: number): [number, number, number][] {
  if (busy === 0 && releases === 0) return buckets;
  const second = Math.floor(at / 1000);
  // Buckets are in time order: only a leading run can be outside the window.
  let from = 0;
  while (from < buckets.length && buckets[from]![0] <= second - WINDOW_SECONDS) from++;
  const kept = from === 0 ? buckets : buckets.slice(from);
  const last = kept.at(-1);
  if (last && last[0] === second) return [...kept.slice(0, -1), [second, last[1] + busy, last[2] + releases]];
  return [...kept, [second, busy, releases]];
}

/** Integrates busy slot-time since the last change (spread over the seconds it covered), then records the new level. */
function recordLoad(stats: PoolStats, inflight: number, now: number): PoolStats {
  let buckets = stats.buckets;
  let t = Math.max(stats.lastChangeAt, now - STATS_WINDOW_MS);
  while (t < now) {
    const end = Math.min(now, (Math.floor(t / 1000) + 1) * 1000);
    buckets = addToBucket(buckets, t, stats.lastInflight * (end - t), 0);
    t = end;
  }
  return { ...stats, buckets, lastChangeAt: now, lastInflight: inflight };
}

/** Grants free slots to the best waiters. */
function fill(s: PoolState, now: number): { state: PoolState; notes: Notification[] } {
  let state = s;
  const notes: Notification[] = [];
  while (state.leases.length < state.config.maxConcurrent && state.queue.length > 0) {
    const next = queueOrder(state.queue, now)[0]!;
    const lease: Lease = { key: next.key, pipelineId: next.pipelineId, priority: next.priority, grantedAt: now, expiresAt: now + state.config.leaseTtlMs };
    state = {
      ...state,
      queue: state.queue.filter((w) => w.key !== next.key),
      leases: [...state.leases, lease],
      stats: recordLoad({ ...state.stats, granted: state.stats.granted + 1 }, state.leases.length + 1, now),
    };
    notes.push({ kind: "granted", key: next.key, pipelineId: next.pipelineId, lease, waitedMs: now - next.enqueuedAt });
  }
  return { state, notes };
}

/**
 * Asks for a slot. Idempotent by key. `alreadyReleased` says a release for the key came first
 * (the shell keeps those keys): the reserve arrived late and must not take a slot.
 */
export function reserve(
  s: PoolState, req: { key: string; pipelineId: string; priority: number; maxWaitMs: number }, now: number, alreadyReleased = false,
): { state: PoolState; notes: Notification[]; answer: ReserveAnswer } {
  const held = s.leases.find((l) => l.key === req.key);
  if (held) return { state: s, notes: [], answer: { status: "granted", lease: held, replayed: true } };
  const queued = queueOrder(s.queue, now).findIndex((w) => w.key === req.key);
  if (queued >= 0) return { state: s, notes: [], answer: { status: "queued", key: req.key, position: queued + 1, etaMs: estimateWaitMs(s, queued + 1, now), replayed: true } };
  if (alreadyReleased) return { state: s, notes: [], answer: { status: "rejected", key: req.key, reason: "already_released", etaMs: null } };

  if (s.leases.length < s.config.maxConcurrent && s.queue.length === 0) {
    const lease: Lease = { key: req.key, pipelineId: req.pipelineId, priority: req.priority, grantedAt: now, expiresAt: now + s.config.leaseTtlMs };
    const state = { ...s, leases: [...s.leases, lease], stats: recordLoad({ ...s.stats, granted: s.stats.granted + 1 }, s.leases.length + 1, now) };
    return { state, notes: [], answer: { status: "granted", lease, replayed: false } };
  }
  const rejected = (reason: "queue_full" | "wait_exceeds_max", etaMs: number | null) => ({
    state: { ...s, stats: { ...s.stats, rejected: s.stats.rejected + 1 } }, notes: [],
    answer: { status: "rejected" as const, key: req.key, reason, etaMs },
  });
  if (s.queue.length >= s.config.queueLimit) return rejected("queue_full", null);
  const waiter: Waiter = { key: req.key, pipelineId: req.pipelineId, priority: req.priority, enqueuedAt: now, deadline: now + req.maxWaitMs, seq: s.nextSeq };
  const withWaiter = { ...s, queue: [...s.queue, waiter], nextSeq: s.nextSeq + 1 };
  const position = queueOrder(withWaiter.queue, now).findIndex((w) => w.key === req.key) + 1;
  const etaMs = estimateWaitMs(withWaiter, position, now);
  if (etaMs > req.maxWaitMs) return rejected("wait_exceeds_max", etaMs);
  return { state: withWaiter, notes: [], answer: { status: "queued", key: req.key, position, etaMs, replayed: false } };
}

/** Extends a lease. False when the lease is gone (expired or released). */
export function renew(s: PoolState, key: string, now: number): { state: PoolState; lease: Lease | null } {
  const lease = s.leases.find((l) => l.key === key);
  if (!lease) return { state: s, lease: null };
  const renewed = { ...lease, expiresAt: now + s.config.leaseTtlMs };
  return { state: { ...s, leases: s.leases.map((l) => (l.key === key ? renewed : l)) }, lease: renewed };
}

/**
 * Gives a slot back (or a queue place up), recording how long the work took, and grants the
 * freed slot to the next waiter. Idempotent: releasing an unknown key changes nothing here
 * (the shell remembers such keys, so a reserve that arrives late cannot take a slot).
 */
export function release(s: PoolState, key: string, observedMs: number | null, now: number): { state: PoolState; notes: Notification[]; released: boolean } {
  const lease = s.leases.find((l) => l.key === key);
  if (!lease) {
    const queue = s.queue.filter((w) => w.key !== key);
    return { state: queue.length === s.queue.length ? s : { ...s, queue }, notes: [], released: false };
  }
  let stats = recordLoad(s.stats, s.leases.length - 1, now);
  if (observedMs !== null && Number.isFinite(observedMs) && observedMs >= 0) {
    stats = {
      ...stats,
      ewmaMs: stats.ewmaMs === null ? observedMs : stats.ewmaMs + EWMA_ALPHA * (observedMs - stats.ewmaMs),
      recent: [...stats.recent, observedMs].slice(-RECENT_LIMIT),
      buckets: addToBucket(stats.buckets, now, 0, 1),
    };
  }
  const { state, notes } = fill({ ...s, leases: s.leases.filter((l) => l.key !== key), stats }, now);
  return { state, notes, released: true };
}

/** Reclaims expired leases and tells waiters whose max wait has passed; then fills free slots. */
export function tick(s: PoolState, now: number): { state: PoolState; notes: Notification[]; expired: Lease[] } {
  const expired = s.leases.filter((l) => l.expiresAt <= now);
  const late = s.queue.filter((w) => w.deadline <= now);
  let state: PoolState = {
    ...s,
    leases: s.leases.filter((l) => l.expiresAt > now),
    queue: s.queue.filter((w) => w.deadline > now),
    stats: { ...s.stats, expired: s.stats.expired + expired.length, timedOut: s.stats.timedOut + late.length },
  };
  if (expired.length > 0) state = { ...state, stats: recordLoad(state.stats, state.leases.length, now) };
  const notes: Notification[] = late.map((w) => ({ kind: "timed_out", key: w.key, pipelineId: w.pipelineId, waitedMs: now - w.enqueuedAt }));
  const filled = fill(state, now);
  return { state: filled.state, notes: [...notes, ...filled.notes], expired };
}

/** Changes the configuration at run time; a raised limit grants waiters at once. */
export function configure(s: PoolState, config: PoolConfig, now: number): { state: PoolState; notes: Notification[] } {
  return fill({ ...s, config }, now);
}

/** The next time something must happen without a caller: a lease expiry or a waiter's deadline. */
export function nextDue(s: PoolState): number | null {
  const times = [...s.leases.map((l) => l.expiresAt), ...s.queue.map((w) => w.deadline)];
  return times.length === 0 ? null : Math.min(...times);
}

/** Load, queue depth, utilisation over the window, EWMA and p95 of execution time, throughput. */
export function statsOf(s: PoolState, now: number) {
  const sorted = [...s.stats.recent].sort((a, b) => a - b);
  const p95 = sorted.length === 0 ? null : sorted[Math.min(sorted.length - 1, Math.ceil(0.95 * sorted.length) - 1)]!;
  // Busy slot-time over the window: the closed buckets plus the level since the last change.
  const stats = recordLoad(s.stats, s.stats.lastInflight, now);
  const firstSecond = Math.floor(now / 1000) - WINDOW_SECONDS + 1;
  const inWindow = stats.buckets.filter(([second]) => second >= firstSecond);
  const busy = inWindow.reduce((n, [, b]) => n + b, 0);
  const releases = inWindow.reduce((n, [, , r]) => n + r, 0);
  return {
    in_flight: s.leases.length,
    max_concurrent: s.config.maxConcurrent,
    load: s.leases.length / s.config.maxConcurrent,
    queue_depth: s.queue.length,
    utilization: Math.min(1, busy / (s.config.maxConcurrent * STATS_WINDOW_MS)),
    ewma_ms: s.stats.ewmaMs === null ? null : Math.round(s.stats.ewmaMs),
    p95_ms: p95,
    throughput_per_min: releases * (60_000 / STATS_WINDOW_MS),
    granted_total: s.stats.granted,
    expired_total: s.stats.expired,
    rejected_total: s.stats.rejected,
    timed_out_total: s.stats.timedOut,
  };
}
