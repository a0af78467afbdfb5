import { describe, expect, it } from "vitest";
import { Watchdog, WATCHDOG_MAX_MS, WATCHDOG_MS, LEASE_RENEW_MS } from "../../src/actors/pipeline/watchdog";
import { arbitrate } from "../../src/actors/shared/alarm-arbiter";
import { AlarmClock } from "../../src/actors/shared/alarm-clock";
import { RunHistory, type RunHistoryHost } from "../../src/actors/pipeline/run-history";
import type { PipelineState } from "../../src/actors/pipeline/machine";
import { started } from "./one-step-spec";

/** An AlarmClock over a storage that only records what it was asked. */
function clock(at: number | null = null) {
  const writes: (number | null)[] = [];
  const storage = { getAlarm: async () => at, setAlarm: async (t: number) => void writes.push(t), deleteAlarm: async () => void writes.push(null) };
  const c = new AlarmClock(storage as unknown as DurableObjectStorage);
  return { c, writes, load: () => c.load() };
}

describe("an actor's one alarm", () => {
  it("is set to the earliest due time of its capabilities, cleared when none is due", async () => {
    const { c, writes } = clock();
    arbitrate(c, [null, 5_000, 2_000, null], 1_000);
    expect(c.scheduled).toBe(2_000);
    arbitrate(c, [null, null], 1_000);
    expect(c.scheduled).toBeNull();
    expect(writes).toEqual([2_000, null]);
  });

  it("keeps an alarm already set a little before the wanted time (no write), and moves one set too early or too late", async () => {
    const t = clock(1_150);
    await t.load();
    arbitrate(t.c, [1_300], 1_000, 200);
    expect(t.writes).toEqual([]);
    expect(t.c.scheduled).toBe(1_150);
    arbitrate(t.c, [1_600], 1_000, 200);
    expect(t.c.scheduled).toBe(1_600);
    arbitrate(t.c, [1_100], 1_000, 200);
    expect(t.c.scheduled).toBe(1_100);
    // An alarm in the past is not kept (it has fired or is about to, and found nothing then).
    const past = clock(900);
    await past.load();
    arbitrate(past.c, [1_050], 1_000, 200);
    expect(past.c.scheduled).toBe(1_050);
  });
});

describe("the watchdog of calls in flight", () => {
  it("asks nothing while no call runs, WATCHDOG_MS ahead for a fresh call, a quarter of the oldest call's age later on, at most WATCHDOG_MAX_MS", () => {
    const w = new Watchdog();
    expect(w.due(0)).toBeNull();
    w.started("a", 0);
    expect(w.due(0)).toBe(WATCHDOG_MS);
    expect(w.due(2_000)).toBe(2_000 + 500);
    expect(w.due(60_000)).toBe(60_000 + WATCHDOG_MAX_MS);
    w.started("b", 59_000);
    expect(w.due(60_000)).toBe(60_000 + WATCHDOG_MAX_MS);
    w.ended("a");
    expect(w.due(60_000)).toBe(60_000 + 250);
    w.ended("b");
    expect(w.due(60_000)).toBeNull();
  });

  it("renews leases once per LEASE_RENEW_MS while calls run, counted from the first call", () => {
    const w = new Watchdog();
    expect(w.leasesDue(LEASE_RENEW_MS * 5)).toBe(false);
    w.started("a", 1_000);
    expect(w.leasesDue(1_000 + LEASE_RENEW_MS - 1)).toBe(false);
    expect(w.leasesDue(1_000 + LEASE_RENEW_MS)).toBe(true);
    expect(w.leasesDue(1_000 + LEASE_RENEW_MS + 1)).toBe(false);
  });
});

describe("the history writer's due time", () => {
  it("asks for the alarm once the ended run's cleanup is done, not while the cleanup round is owed (that round keeps its own backoff)", () => {
    const host = { failures: { dueAt: (_op: string, at: number) => at } } as unknown as RunHistoryHost;
    const history = new RunHistory(host, () => "p");
    const base = started();
    const ended: PipelineState = { ...base, status: "failed", registered: true, cleanup: [{ kind: "settle", key: "p:a:1", actualMicros: 3 }] };
    expect(history.due(ended, 1_000)).toEqual([null, null]);
    expect(history.due({ ...ended, cleanup: [] }, 1_000)).toEqual([null, 1_000]);
    expect(history.due({ ...ended, cleanup: [], historyWritten: true }, 1_000)).toEqual([null, null]);
    // Running: no history yet.
    expect(history.due({ ...base, registered: true }, 1_000)).toEqual([null, null]);
  });
});
