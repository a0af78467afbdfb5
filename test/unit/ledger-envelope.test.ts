/**
 * Admission envelopes in the ledger core (issue 12, finding 2): a run is admitted with one hold
 * for its estimate, and each of its steps is charged from it (a settle naming the envelope, for a
 * key that holds nothing). Property: over random interleavings of runs that start, charge steps,
 * cancel and end, alongside other clients' holds and a drained budget, the ledger never
 * overdraws, the open holds add up, the entries replay to the totals, nothing is charged beyond
 * its actual cost or twice, a step of an admitted run is charged in full while the run stays
 * within its estimate, and an ended run holds nothing.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  available, emptyTotals, envelopeKey, LedgerError, replay, spent, step,
  type Entry, type KeyRecord, type LedgerAnswer, type LedgerCommand, type LedgerTotals,
} from "../../src/actors/client-ledger/ledger";

const BUDGET = 1_000;
const RUNS = 3;

type Op =
  | { op: "start"; run: number; estimate: number }
  | { op: "charge"; run: number; actual: number }
  | { op: "cancel"; run: number }
  | { op: "end"; run: number }
  | { op: "other"; amount: number; actual: number }
  | { op: "drain" };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 2, arbitrary: fc.record({ op: fc.constant("start" as const), run: fc.nat(RUNS - 1), estimate: fc.integer({ min: 1, max: 600 }) }) },
  // A step of an admitted run: it holds nothing itself and is charged from the envelope.
  { weight: 6, arbitrary: fc.record({ op: fc.constant("charge" as const), run: fc.nat(RUNS - 1), actual: fc.integer({ min: 0, max: 300 }) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("cancel" as const), run: fc.nat(RUNS - 1) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("end" as const), run: fc.nat(RUNS - 1) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("other" as const), amount: fc.integer({ min: 0, max: 300 }), actual: fc.integer({ min: 0, max: 400 }) }) },
  // Someone else takes everything available (other runs' admissions): only envelopes are left.
  { weight: 1, arbitrary: fc.constant({ op: "drain" as const }) },
);

/** The ledger as the shell runs it: records by key, an envelope looked up for each command. */
class Books {
  totals: LedgerTotals = emptyTotals("2026-01", BUDGET);
  readonly records = new Map<string, KeyRecord>();
  readonly entries: Entry[] = [];

  apply(command: LedgerCommand): LedgerAnswer | null {
    const key = "key" in command ? command.key : null;
    const record = key === null ? null : this.records.get(key) ?? null;
    const parentKey = envelopeKey(record, command);
    try {
      const before = this.totals;
      const r = step(this.totals, record, command, 0, parentKey === null ? null : this.records.get(parentKey) ?? null);
      this.totals = r.totals;
      if (key !== null && r.record) this.records.set(key, r.record);
      if (r.parent) this.records.set(r.parent.key, r.parent);
      this.entries.push(...r.entries);
      // Never overdrawn by a command (no budget changes here).
      expect(this.totals.budget - spent(this.totals) - this.totals.held).toBeGreaterThanOrEqual(Math.min(0, before.budget - spent(before) - before.held));
      return r.answer;
    } catch (error) {
      if (!(error instanceof LedgerError)) throw error;
      return null;
    }
  }
}

/** A run as its pipeline sees it: admitted or not, what it has been charged. */
interface Run { admitted: boolean; ended: boolean; estimate: number; steps: number; charged: number }

function simulate(ops: readonly Op[]) {
  const books = new Books();
  const runs: Run[] = Array.from({ length: RUNS }, () => ({ admitted: false, ended: false, estimate: 0, steps: 0, charged: 0 }));
  let others = 0;
  const envelope = (i: number) => `run${i}:run`;
  for (const o of ops) {
    if (o.op === "drain") {
      books.apply({ type: "hold", key: `other:${others++}`, amount: available(books.totals) });
      continue;
    }
    if (o.op === "other") {
      const key = `other:${others++}`;
      const held = books.apply({ type: "hold", key, amount: o.amount });
      if (held?.status === "ok") books.apply({ type: "settle", key, actual: o.actual });
      continue;
    }
    const run = runs[o.run]!;
    switch (o.op) {
      case "start": {
        if (run.admitted || run.ended) break;
        const answer = books.apply({ type: "hold", key: envelope(o.run), amount: o.estimate });
        run.estimate = o.estimate;
        run.admitted = answer?.status === "ok";
        // Refused admission holds nothing.
        if (!run.admitted) expect(books.records.get(envelope(o.run))).toBeUndefined();
        break;
      }
      case "charge": {
        if (!run.admitted) break;
        // After the run ended (a late answer), the charge comes from what is available alone.
        const key = `run${o.run}:c${run.steps++}:1`;
        const answer = books.apply({ type: "settle", key, actual: o.actual, within: envelope(o.run) });
        expect(answer?.status).toBe("settled");
        if (answer?.status !== "settled") break;
        expect(answer.charged).toBeLessThanOrEqual(o.actual);
        // The envelope's promise: within its estimate, a step's cost is charged in full.
        if (!run.ended && run.charged + o.actual <= run.estimate) expect(answer.charged).toBe(o.actual);
        // Charged once: the same settle again answers the same and changes nothing.
        const before = JSON.stringify(books.totals);
        expect(books.apply({ type: "settle", key, actual: o.actual, within: envelope(o.run) })).toMatchObject({ status: "settled", charged: answer.charged, replayed: true });
        expect(JSON.stringify(books.totals)).toBe(before);
        run.charged += answer.charged;
        break;
      }
      case "cancel":
      case "end": {
        if (!run.admitted || run.ended) break;
        books.apply({ type: "release", key: envelope(o.run) });
        run.ended = true;
        break;
      }
    }
  }
  return { books, runs };
}

describe("ledger envelopes (admission holds)", () => {
  it("property: interleaved starts, step charges, cancels and other spending keep the books exact and admitted runs whole", () => {
    fc.assert(fc.property(fc.array(opArb, { minLength: 10, maxLength: 120, size: "max" }), (ops) => {
      const { books, runs } = simulate(ops);
      const t = books.totals;
      expect(available(t)).toBeGreaterThanOrEqual(0);
      expect(t.held).toBeGreaterThanOrEqual(0);
      const open = [...books.records.values()].filter((r) => r.kind === "hold" && r.status === "held").reduce((s, r) => s + r.remaining, 0);
      expect(t.held).toBe(open);
      expect(replay(books.entries, emptyTotals("2026-01", BUDGET), t.alerted)).toEqual(t);
      // Everything charged or unbilled is work that was settled; nothing is charged twice.
      const settled = [...books.records.values()].filter((r) => r.status === "settled");
      expect(t.settled).toBe(settled.reduce((s, r) => s + r.charged!, 0));
      expect(t.unbilled).toBe(settled.reduce((s, r) => s + r.actual! - r.charged!, 0));
      // Ended runs hold nothing.
      runs.forEach((run, i) => {
        if (run.ended) expect(books.records.get(`run${i}:run`)?.status).not.toBe("held");
      });
      // With every run ended, no run holds anything: only others' holds remain.
      const { books: closed } = simulate([...ops, ...runs.map((_, i) => ({ op: "end" as const, run: i }))]);
      const stillOpen = [...closed.records.values()].filter((r) => r.status === "held");
      expect(stillOpen.filter((r) => r.key.startsWith("run"))).toEqual([]);
      expect(closed.totals.held).toBe(stillOpen.reduce((s, r) => s + r.remaining, 0));
    }), { numRuns: 400 });
  });

  it("admits exactly as many runs as the budget covers at their estimate", () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 400 }), fc.integer({ min: 1, max: 60 }), (estimate, starts) => {
      const books = new Books();
      const admitted = Array.from({ length: starts }, (_, i) => books.apply({ type: "hold", key: `p${i}:run`, amount: estimate })).filter((a) => a?.status === "ok").length;
      expect(admitted).toBe(Math.min(starts, Math.floor(BUDGET / estimate)));
    }));
  });

  it("a step's cost is charged from its envelope first, then from what is available, and the envelope's release frees the rest", () => {
    const books = new Books();
    expect(books.apply({ type: "hold", key: "p:run", amount: 500 })).toMatchObject({ status: "ok", available: 500 });
    expect(books.apply({ type: "settle", key: "p:a:1", actual: 120, within: "p:run" })).toMatchObject({ status: "settled", charged: 120, short: false });
    expect(books.records.get("p:run")!.remaining).toBe(380);
    expect(books.totals).toMatchObject({ settled: 120, held: 380 });
    expect(available(books.totals)).toBe(500);
    // Past the envelope: the rest comes from what is available.
    expect(books.apply({ type: "settle", key: "p:b:1", actual: 450, within: "p:run" })).toMatchObject({ charged: 450, short: false });
    expect(books.records.get("p:run")!.remaining).toBe(0);
    expect(available(books.totals)).toBe(430);
    books.apply({ type: "release", key: "p:run" });
    expect(books.totals).toMatchObject({ held: 0, settled: 570 });
    expect(available(books.totals)).toBe(430);
  });

  it("work that costs more than everything available is charged what is there and counted as unbilled", () => {
    const books = new Books();
    books.apply({ type: "hold", key: "p:run", amount: 100 });
    books.apply({ type: "hold", key: "other", amount: 900 });
    expect(books.apply({ type: "settle", key: "p:a:1", actual: 180, within: "p:run" })).toMatchObject({ charged: 100, short: true });
    expect(books.totals.unbilled).toBe(80);
  });
});
