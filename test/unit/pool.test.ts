import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  AGING_MS, configure, emptyPool, estimateWaitMs, firstInOrder, priorityOf, queueOrder, release, renew, reserve, statsOf, tick,
  type Notification, type PoolConfig, type PoolState,
} from "../../src/actors/resource-pool/scheduler";

const config: PoolConfig = { maxConcurrent: 3, queueLimit: 5, leaseTtlMs: 5_000, defaultDurationMs: 1_000 };
const keys = Array.from({ length: 10 }, (_, i) => `k${i}`);

type Op =
  | { op: "reserve"; key: string; priority: number; maxWait: number }
  | { op: "release"; key: string; took: number }
  | { op: "renew"; key: string }
  | { op: "tick" }
  | { op: "configure"; max: number };

const opArb: fc.Arbitrary<{ gap: number; op: Op }> = fc.record({
  gap: fc.integer({ min: 0, max: 3_000 }),
  op: fc.oneof(
    { weight: 5, arbitrary: fc.record({ op: fc.constant("reserve" as const), key: fc.constantFrom(...keys), priority: fc.integer({ min: 0, max: 15 }), maxWait: fc.integer({ min: 0, max: 20_000 }) }) },
    { weight: 3, arbitrary: fc.record({ op: fc.constant("release" as const), key: fc.constantFrom(...keys), took: fc.integer({ min: 0, max: 5_000 }) }) },
    { weight: 1, arbitrary: fc.record({ op: fc.constant("renew" as const), key: fc.constantFrom(...keys) }) },
    { weight: 2, arbitrary: fc.constant({ op: "tick" as const }) },
    { weight: 1, arbitrary: fc.record({ op: fc.constant("configure" as const), max: fc.integer({ min: 1, max: 5 }) }) },
  ),
});

describe("resource pool core", () => {
  it("property: never over-grants, never grants a live key twice, reclaims expired leases", () => {
    fc.assert(fc.property(fc.array(opArb, { maxLength: 120 }), (ops) => {
      let s: PoolState = emptyPool(config);
      let now = 0;
      const live = new Set<string>();
      for (const { gap, op } of ops) {
        now += gap;
        const before = s.leases.length;
        let notes: Notification[] = [];
        let grantedNow: string | null = null;
        switch (op.op) {
          case "reserve": {
            const r = reserve(s, { key: op.key, pipelineId: "p", priority: op.priority, maxWaitMs: op.maxWait }, now);
            s = r.state; notes = r.notes;
            if (r.answer.status === "granted" && !r.answer.replayed) grantedNow = op.key;
            break;
          }
          case "release": { const r = release(s, op.key, op.took, now); s = r.state; notes = r.notes; if (r.released) live.delete(op.key); break; }
          case "renew": s = renew(s, op.key, now).state; break;
          case "tick": { const r = tick(s, now); s = r.state; notes = r.notes; for (const l of r.expired) live.delete(l.key); break; }
          case "configure": { const r = configure(s, { ...s.config, maxConcurrent: op.max }, now); s = r.state; notes = r.notes; break; }
        }
        const granted = [...(grantedNow ? [grantedNow] : []), ...notes.filter((n) => n.kind === "granted").map((n) => n.key)];
        for (const key of granted) {
          expect(live.has(key), `key ${key} granted twice while live`).toBe(false);
          live.add(key);
        }
        // In flight never exceeds the limit, except while a lowered limit drains (and then nothing is granted).
        if (granted.length > 0) expect(s.leases.length).toBeLessThanOrEqual(s.config.maxConcurrent);
        expect(s.leases.length).toBeLessThanOrEqual(Math.max(s.config.maxConcurrent, before));
        expect(new Set(s.leases.map((l) => l.key)).size).toBe(s.leases.length);
        expect(s.queue.some((w) => s.leases.some((l) => l.key === w.key))).toBe(false);
        expect(s.queue.length).toBeLessThanOrEqual(s.config.queueLimit);
        expect([...live].sort()).toEqual(s.leases.map((l) => l.key).sort());
        if (op.op === "tick" || op.op === "configure") {
          if (op.op === "tick") {
            expect(s.leases.every((l) => l.expiresAt > now)).toBe(true);
            expect(s.queue.every((w) => w.deadline > now)).toBe(true);
          }
          // Work-conserving: nobody waits while a slot is free.
          if (s.queue.length > 0) expect(s.leases.length).toBeGreaterThanOrEqual(s.config.maxConcurrent);
        }
      }
    }), { numRuns: 500 });
  });

  it("orders the queue by priority, FIFO within a priority", () => {
    let s = emptyPool({ ...config, maxConcurrent: 1, queueLimit: 10 });
    s = reserve(s, { key: "running", pipelineId: "p", priority: 0, maxWaitMs: 1e9 }, 0).state;
    for (const [key, priority] of [["low-1", 0], ["high-1", 12], ["low-2", 0], ["high-2", 12]] as const) {
      s = reserve(s, { key, pipelineId: "p", priority, maxWaitMs: 1e9 }, 1).state;
    }
    expect(queueOrder(s.queue, 1).map((w) => w.key)).toEqual(["high-1", "high-2", "low-1", "low-2"]);
    const granted: string[] = [];
    let current = "running";
    for (let i = 0; i < 4; i++) {
      const r = release(s, current, 10, 2);
      s = r.state;
      current = r.notes[0]!.key;
      granted.push(current);
    }
    expect(granted).toEqual(["high-1", "high-2", "low-1", "low-2"]);
  });

  it("ages waiters so a basic client is never starved by a stream of enterprise work", () => {
    let s = emptyPool({ ...config, maxConcurrent: 1, queueLimit: 1000, defaultDurationMs: 1_000 });
    s = reserve(s, { key: "busy", pipelineId: "p", priority: 15, maxWaitMs: 1e9 }, 0).state;
    s = reserve(s, { key: "basic", pipelineId: "p", priority: priorityOf("basic", "low"), maxWaitMs: 1e9 }, 0).state;
    let now = 0;
    let current = "busy";
    let basicGrantedAt: number | null = null;
    for (let i = 0; i < 400 && basicGrantedAt === null; i++) {
      now += 1_000;
      s = reserve(s, { key: `ent-${i}`, pipelineId: "p", priority: priorityOf("enterprise", "critical"), maxWaitMs: 1e9 }, now).state;
      const r = release(s, current, 1_000, now);
      s = r.state;
      current = r.notes[0]!.key;
      if (current === "basic") basicGrantedAt = now;
    }
    expect(basicGrantedAt).not.toBeNull();
    expect(basicGrantedAt!).toBeLessThanOrEqual(16 * AGING_MS);
  });

  it("rejects when the queue is full or the estimated wait passes max_wait, and times waiters out", () => {
    let s = emptyPool({ ...config, maxConcurrent: 1, queueLimit: 2, defaultDurationMs: 1_000 });
    s = reserve(s, { key: "a", pipelineId: "p", priority: 0, maxWaitMs: 0 }, 0).state;
    const tooLong = reserve(s, { key: "b", pipelineId: "p", priority: 0, maxWaitMs: 10 }, 0);
    expect(tooLong.answer).toMatchObject({ status: "rejected", reason: "wait_exceeds_max", etaMs: 1_000 });
    s = reserve(s, { key: "b", pipelineId: "p", priority: 0, maxWaitMs: 1_500 }, 0).state;
    s = reserve(s, { key: "c", pipelineId: "p", priority: 0, maxWaitMs: 60_000 }, 0).state;
    expect(reserve(s, { key: "d", pipelineId: "p", priority: 0, maxWaitMs: 60_000 }, 0).answer).toMatchObject({ status: "rejected", reason: "queue_full" });
    const t = tick(s, 1_500);
    expect(t.notes).toEqual([{ kind: "timed_out", key: "b", pipelineId: "p", waitedMs: 1_500 }]);
    expect(t.state.queue.map((w) => w.key)).toEqual(["c"]);
  });

  it("reclaims a crashed holder's slot at lease expiry and gives it to the next waiter", () => {
    let s = emptyPool({ ...config, maxConcurrent: 1 });
    s = reserve(s, { key: "crashed", pipelineId: "p1", priority: 0, maxWaitMs: 0 }, 0).state;
    s = reserve(s, { key: "next", pipelineId: "p2", priority: 0, maxWaitMs: 60_000 }, 100).state;
    s = renew(s, "crashed", 2_000).state;
    expect(tick(s, 5_000).expired).toEqual([]);
    const t = tick(s, 7_000);
    expect(t.expired.map((l) => l.key)).toEqual(["crashed"]);
    expect(t.notes).toMatchObject([{ kind: "granted", key: "next", pipelineId: "p2" }]);
  });

  it("refuses a late reserve for work already released, but re-grants after an expiry", () => {
    let s = emptyPool(config);
    s = reserve(s, { key: "x", pipelineId: "p", priority: 0, maxWaitMs: 0 }, 0).state;
    s = release(s, "x", 10, 1).state;
    expect(reserve(s, { key: "x", pipelineId: "p", priority: 0, maxWaitMs: 0 }, 2, true).answer).toMatchObject({ status: "rejected", reason: "already_released" });
    s = reserve(s, { key: "y", pipelineId: "p", priority: 0, maxWaitMs: 0 }, 0).state;
    s = tick(s, 10_000).state;
    expect(reserve(s, { key: "y", pipelineId: "p", priority: 0, maxWaitMs: 0 }, 10_001).answer).toMatchObject({ status: "granted", replayed: false });
  });

  it("reports load, utilisation, EWMA, p95 and throughput, and uses them for ETAs", () => {
    let s = emptyPool({ ...config, maxConcurrent: 2 });
    for (let i = 0; i < 20; i++) {
      s = reserve(s, { key: `j${i}`, pipelineId: "p", priority: 0, maxWaitMs: 1e9 }, i * 1_000).state;
      s = release(s, `j${i}`, 100 + i * 10, i * 1_000 + 500).state;
    }
    const stats = statsOf(s, 20_000);
    expect(stats.p95_ms).toBe(280);
    expect(stats.ewma_ms).toBeGreaterThan(200);
    expect(stats.throughput_per_min).toBe(20);
    expect(stats.utilization).toBeCloseTo((20 * 500) / (2 * 60_000), 3);
    s = reserve(s, { key: "a", pipelineId: "p", priority: 0, maxWaitMs: 1e9 }, 20_000).state;
    s = reserve(s, { key: "b", pipelineId: "p", priority: 0, maxWaitMs: 1e9 }, 20_000).state;
    // Both slots were just taken: the first frees after one expected duration, position 3 needs a second round.
    const d = s.stats.ewmaMs!;
    expect(estimateWaitMs(s, 1, 20_000)).toBe(Math.round(d));
    expect(estimateWaitMs(s, 3, 20_000)).toBe(Math.round(2 * d));
  });
});

describe("a subscriber's view of the queue", () => {
  it("the first n waiters in grant order are the sorted queue's first n, for any queue and time", () => {
    const waiter = fc.record({ priority: fc.integer({ min: 0, max: 5 }), enqueuedAt: fc.integer({ min: 0, max: 600_000 }) });
    fc.assert(fc.property(fc.array(waiter, { maxLength: 400 }), fc.integer({ min: 1, max: 60 }), fc.integer({ min: 0, max: 1_200_000 }), (ws, n, now) => {
      const queue = ws.map((w, i) => ({ key: `k${i}`, pipelineId: `p${i}`, priority: w.priority, enqueuedAt: w.enqueuedAt, deadline: now + 1, seq: i + 1 }));
      expect(firstInOrder(queue, now, n).map((w) => w.key)).toEqual(queueOrder(queue, now).slice(0, n).map((w) => w.key));
    }));
  });
});

