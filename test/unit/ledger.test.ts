import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  available, emptyTotals, LedgerError, nextPeriodStart, periodOf, replay, spent, step,
  type Entry, type KeyRecord, type LedgerCommand, type LedgerTotals,
} from "../../src/actors/client-ledger/ledger";

const keys = ["a", "b", "c", "d", "e", "f"];
const command: fc.Arbitrary<LedgerCommand> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ type: fc.constant("hold" as const), key: fc.constantFrom(...keys), amount: fc.integer({ min: 0, max: 400 }) }) },
  { weight: 3, arbitrary: fc.record({ type: fc.constant("settle" as const), key: fc.constantFrom(...keys), actual: fc.integer({ min: 0, max: 600 }) }) },
  { weight: 2, arbitrary: fc.record({ type: fc.constant("release" as const), key: fc.constantFrom(...keys) }) },
  { weight: 1, arbitrary: fc.record({ type: fc.constant("adjust" as const), key: fc.constantFrom("adj1", "adj2", "adj3"), amount: fc.integer({ min: -300, max: 300 }), reason: fc.constant("test") }) },
  { weight: 1, arbitrary: fc.record({ type: fc.constant("set_budget" as const), budget: fc.integer({ min: 0, max: 2_000 }) }) },
  { weight: 1, arbitrary: fc.constant({ type: "rollover" as const, period: "next", budget: 1_000 }) },
);

/** Runs commands through the core the way the shell does: per-key records, entries appended. */
function run(commands: LedgerCommand[], budget = 1_000) {
  let totals = emptyTotals("2026-01", budget);
  const records = new Map<string, KeyRecord>();
  const entries: Entry[] = [];
  let month = 1;
  const history: { before: LedgerTotals; after: LedgerTotals; command: LedgerCommand }[] = [];
  for (const raw of commands) {
    const cmd = raw.type === "rollover" ? { ...raw, period: `2026-${String(++month).padStart(2, "0")}` } : raw;
    const key = "key" in cmd ? cmd.key : null;
    try {
      const result = step(totals, key ? records.get(key) ?? null : null, cmd, 0);
      history.push({ before: totals, after: result.totals, command: cmd });
      totals = result.totals;
      if (result.record && key) records.set(key, result.record);
      entries.push(...result.entries);
    } catch (error) {
      if (!(error instanceof LedgerError)) throw error;
    }
  }
  return { totals, records, entries, history };
}

describe("ledger core", () => {
  it("property: never overdraws, holds add up, and the entries replay to the running totals", () => {
    fc.assert(fc.property(fc.array(command, { maxLength: 80 }), (commands) => {
      const { totals, records, entries, history } = run(commands);
      for (const { before, after, command } of history) {
        const rawBefore = before.budget - spent(before) - before.held;
        const rawAfter = after.budget - spent(after) - after.held;
        // Only an admin lowering the budget (or a new month's smaller budget) may take it below zero.
        if (command.type !== "set_budget" && command.type !== "rollover") expect(rawAfter).toBeGreaterThanOrEqual(Math.min(0, rawBefore));
        expect(after.held).toBeGreaterThanOrEqual(0);
        expect(available(after)).toBeGreaterThanOrEqual(0);
      }
      const openHolds = [...records.values()].filter((r) => r.kind === "hold" && r.status === "held").reduce((s, r) => s + r.amount, 0);
      expect(totals.held).toBe(openHolds);
      expect(replay(entries, emptyTotals("2026-01", 1_000), totals.alerted)).toEqual(totals);
      for (const r of records.values()) {
        if (r.status === "settled") expect(r.charged!).toBeLessThanOrEqual(r.actual!);
      }
    }));
  });

  it("property: a keyed command delivered twice has the effect of one delivery", () => {
    const keyedCommand = command.filter((c) => c.type === "hold" || c.type === "settle" || c.type === "release" || c.type === "adjust");
    fc.assert(fc.property(fc.array(command, { maxLength: 40 }), keyedCommand, (prefix, cmd) => {
      const once = run([...prefix, cmd]);
      const twice = run([...prefix, cmd, cmd]);
      expect(twice.totals).toEqual(once.totals);
      expect(twice.entries).toEqual(once.entries);
      expect([...twice.records.entries()]).toEqual([...once.records.entries()]);
    }));
  });

  it("refuses a hold that arrives after its key was released", () => {
    const t = emptyTotals("2026-01", 100);
    const released = step(t, null, { type: "release", key: "late" }, 0);
    const late = step(released.totals, released.record, { type: "hold", key: "late", amount: 30 }, 0);
    expect(late.answer).toMatchObject({ status: "released" });
    expect(late.totals.held).toBe(0);
  });

  it("answers insufficient with what is available, and holds exactly up to the budget", () => {
    let t = emptyTotals("2026-01", 100);
    const first = step(t, null, { type: "hold", key: "a", amount: 60 }, 0);
    t = first.totals;
    expect(step(t, null, { type: "hold", key: "b", amount: 41 }, 0).answer).toEqual({ status: "insufficient", key: "b", requested: 41, available: 40 });
    expect(step(t, null, { type: "hold", key: "b", amount: 40 }, 0).answer).toMatchObject({ status: "ok", available: 0 });
  });

  it("settles below the hold, releasing the rest, and flags an overrun charged only up to what is available", () => {
    let t = emptyTotals("2026-01", 100);
    const a = step(t, null, { type: "hold", key: "a", amount: 30 }, 0);
    const b = step(a.totals, null, { type: "hold", key: "b", amount: 30 }, 0);
    t = b.totals;
    const under = step(t, a.record, { type: "settle", key: "a", actual: 10 }, 0);
    expect(under.answer).toMatchObject({ status: "settled", charged: 10, released: 30, overrun: false, short: false });
    expect(under.totals).toMatchObject({ settled: 10, held: 30 });
    const over = step(under.totals, b.record, { type: "settle", key: "b", actual: 500 }, 0);
    expect(over.answer).toMatchObject({ status: "settled", charged: 90, overrun: true, short: true, available: 0 });
    expect(spent(over.totals)).toBe(100);
  });

  it("refuses a key reused with another amount", () => {
    const t = emptyTotals("2026-01", 100);
    const a = step(t, null, { type: "hold", key: "a", amount: 30 }, 0);
    expect(() => step(a.totals, a.record, { type: "hold", key: "a", amount: 31 }, 0)).toThrow(/idempotency_conflict|was used for hold 30/);
    const s = step(a.totals, a.record, { type: "settle", key: "a", actual: 5 }, 0);
    expect(() => step(s.totals, s.record, { type: "settle", key: "a", actual: 6 }, 0)).toThrow(LedgerError);
    expect(step(s.totals, s.record, { type: "settle", key: "a", actual: 5 }, 0).answer).toMatchObject({ replayed: true, charged: 5 });
  });

  it("announces 50, 80 and 95 percent once per period", () => {
    let t = emptyTotals("2026-01", 100);
    const seen: number[] = [];
    for (let i = 0; i < 10; i++) {
      const h = step(t, null, { type: "hold", key: `k${i}`, amount: 10 }, 0);
      const s = step(h.totals, h.record, { type: "settle", key: `k${i}`, actual: 10 }, 0);
      seen.push(...s.events.filter((e) => e.type === "budget_threshold").map((e) => e.payload.percent as number));
      t = s.totals;
    }
    expect(seen).toEqual([50, 80, 95]);
    const more = step(t, null, { type: "adjust", key: "x", amount: 0, reason: "noop" }, 0);
    expect(more.events.filter((e) => e.type === "budget_threshold")).toEqual([]);
    const rolled = step(t, null, { type: "rollover", period: "2026-02", budget: 100 }, 0);
    expect(rolled.totals).toMatchObject({ period: "2026-02", settled: 0, alerted: [], held: 0 });
  });

  it("carries open holds over the month boundary and keeps the closed period", () => {
    const h = step(emptyTotals("2026-01", 100), null, { type: "hold", key: "a", amount: 40 }, 0);
    const r = step(h.totals, null, { type: "rollover", period: "2026-02", budget: 200 }, 0);
    expect(r.answer).toMatchObject({ status: "rolled_over", closed: { period: "2026-01", budget: 100, heldAtClose: 40 } });
    expect(r.totals).toMatchObject({ held: 40, budget: 200 });
    expect(available(r.totals)).toBe(160);
  });

  it("finds UTC month boundaries", () => {
    expect(periodOf(Date.UTC(2026, 11, 31, 23, 59, 59))).toBe("2026-12");
    expect(nextPeriodStart(Date.UTC(2026, 11, 31, 23, 59, 59))).toBe(Date.UTC(2027, 0, 1));
  });
});
