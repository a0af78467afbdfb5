/**
 * The ClientLedger's pure core: one client's money for the current month, in integer micro-USD.
 * No Cloudflare API, no clock: every function takes the state, one command and `now`, and returns
 * the new state, the append-only entries to record, the events to publish and the answer.
 *
 * Invariant: available = budget - spent - held >= 0, where spent = settled + adjustments, and
 * held is the sum of what open holds still reserve (`remaining`).
 * Holds reserve money for work not yet charged; settle charges the actual cost and releases the
 * rest of the hold; holds survive month rollover. Every command is idempotent by its key.
 *
 * A run is admitted with one hold for its whole estimate, an envelope. Its steps hold nothing:
 * each step's cost is a settle that names the envelope (a charge), taken from the envelope
 * first, then from what is available, never more. Releasing the envelope frees what is left.
 */
import type { LedgerRefusalCode } from "../refusals";
import type { JsonObject } from "../../lib/json";
import { microsToUsd } from "../../lib/money";

export const ALERT_THRESHOLDS = [50, 80, 95] as const;

/** Running totals of the current period (derivable from the entries, see `replay`). */
export interface LedgerTotals {
  /** "YYYY-MM", UTC. */
  period: string;
  budget: number;
  settled: number;
  /** Net admin adjustments this period: debits positive, credits negative. */
  adjustments: number;
  /** Sum of open holds, whatever period they were placed in. */
  held: number;
  /** Alert thresholds (percent) already announced this period. */
  alerted: number[];
  /** Work settled this period that could not be charged (its cost passed what was available): actual − charged. */
  unbilled: number;
}

/** What a key did: a hold and how it ended, or an adjustment. */
export interface KeyRecord {
  key: string;
  kind: "hold" | "adjust";
  /** Hold amount, or the signed adjustment. */
  amount: number;
  status: "held" | "settled" | "released" | "applied";
  /** Settle: the actual cost asked, and what was charged (capped by what was available). */
  actual: number | null;
  charged: number | null;
  /** Settle: the actual cost exceeded the hold. */
  overrun: boolean;
  reason: string | null;
  period: string;
  at: number;
  /** A charge: the envelope it was charged from (null for a hold). */
  parent: string | null;
  /** What the hold still reserves while it is open (an envelope's shrinks as charges draw on it); 0 once closed. */
  remaining: number;
}

/** One append-only ledger entry. */
export interface Entry {
  kind: "hold" | "settle" | "release" | "adjust" | "rollover" | "budget";
  key: string | null;
  /**
   * hold: what it added to `held`; settle/release: what it took off `held` (a charge: what it took
   * from its envelope); adjust: signed amount; budget/rollover: the budget.
   */
  amount: number;
  /** settle: amount charged. */
  charged: number;
  /** settle: the part of the actual cost that could not be charged. */
  unbilled: number;
  period: string;
  reason: string | null;
  at: number;
}

/** An event for subscribers (payload schemas in protocol.ts). */
export interface LedgerEvent { type: string; payload: JsonObject }

/** A typed refusal of a command (not a shortage of money, which is an answer). */
export class LedgerError extends Error {
  constructor(readonly code: LedgerRefusalCode, message: string) {
    super(message);
    this.name = "LedgerError";
  }
}

/** Commands the ledger accepts. */
export type LedgerCommand =
  | { type: "hold"; key: string; amount: number }
  | { type: "settle"; key: string; actual: number; within?: string }
  | { type: "release"; key: string }
  | { type: "adjust"; key: string; amount: number; reason: string }
  | { type: "set_budget"; budget: number }
  | { type: "rollover"; period: string; budget: number };

/** Answers to commands. */
export type LedgerAnswer =
  | { status: "ok"; key: string; held: number; available: number; replayed: boolean }
  | { status: "insufficient"; key: string; requested: number; available: number }
  | { status: "settled"; key: string; actual: number; charged: number; released: number; overrun: boolean; short: boolean; available: number; replayed: boolean }
  | { status: "released"; key: string; released: number; available: number; replayed: boolean }
  | { status: "adjusted"; key: string; amount: number; spent: number; available: number; replayed: boolean }
  | { status: "budget"; budget: number; available: number }
  | { status: "rolled_over"; closed: PeriodSummary; period: string; budget: number };

/** A closed month. */
export interface PeriodSummary { period: string; budget: number; settled: number; adjustments: number; heldAtClose: number; unbilled: number }

/** The result of one step. */
export interface LedgerStep {
  totals: LedgerTotals;
  record: KeyRecord | null;
  /** The envelope as a charge left it, when it drew on one. */
  parent: KeyRecord | null;
  entries: Entry[];
  events: LedgerEvent[];
  answer: LedgerAnswer;
}

/** Money spent this period. */
export function spent(t: LedgerTotals): number {
  return t.settled + t.adjustments;
}

/** Money that may still be held or charged this period (never below zero). */
export function available(t: LedgerTotals): number {
  return Math.max(0, t.budget - spent(t) - t.held);
}

/** The UTC period ("YYYY-MM") containing `now`. */
export function periodOf(now: number): string {
  return new Date(now).toISOString().slice(0, 7);
}

/** The start of the UTC month after `now`, in ms. */
export function nextPeriodStart(now: number): number {
  const d = new Date(now);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
}

/** A fresh ledger for a period and budget. */
export function emptyTotals(period: string, budget: number): LedgerTotals {
  return { period, budget, settled: 0, adjustments: 0, held: 0, alerted: [], unbilled: 0 };
}

/**
 * The key of the envelope a command needs to see besides its own record: the `within` of a
 * settle for a key not seen before (a charge). The shell loads it and passes it to `step`.
 */
export function envelopeKey(record: KeyRecord | null, command: LedgerCommand): string | null {
  return command.type === "settle" && !record ? command.within ?? null : null;
}

/** An envelope a charge may draw on: an open hold. */
function openEnvelope(parent: KeyRecord | null): KeyRecord | null {
  return parent && parent.kind === "hold" && parent.status === "held" ? parent : null;
}

function checkAmount(name: string, amount: number, allowNegative = false): void {
  if (!Number.isSafeInteger(amount) || (!allowNegative && amount < 0)) {
    throw new LedgerError("invalid_amount", `${name} must be a${allowNegative ? "" : " non-negative"} whole number of micro-USD, got ${amount}`);
  }
}

/** Threshold events newly crossed by the spending in `t`. */
function alerts(t: LedgerTotals, now: number): { totals: LedgerTotals; events: LedgerEvent[] } {
  if (t.budget <= 0) return { totals: t, events: [] };
  const crossed = ALERT_THRESHOLDS.filter((p) => !t.alerted.includes(p) && spent(t) * 100 >= p * t.budget);
  if (crossed.length === 0) return { totals: t, events: [] };
  return {
    totals: { ...t, alerted: [...t.alerted, ...crossed].sort((a, b) => a - b) },
    events: crossed.map((percent) => ({
      type: "budget_threshold",
      payload: { percent, period: t.period, spent: spent(t), budget: t.budget, at: now },
    })),
  };
}

/**
 * Applies one command. `record` is what the command's key did before (null if never seen);
 * `parent` is the envelope `envelopeKey` names (null when there is none or it was never seen).
 * Throws LedgerError for commands that can never succeed as given.
 */
export function step(totals: LedgerTotals, record: KeyRecord | null, command: LedgerCommand, now: number, parent: KeyRecord | null = null): LedgerStep {
  const none = { parent: null, entries: [] as Entry[], events: [] as LedgerEvent[] };
  switch (command.type) {
    case "hold": {
      checkAmount("amount", command.amount);
      if (record) {
        // Released first (a cancel that overtook this hold): the hold is dead and stays dead.
        if (record.kind === "hold" && record.status === "released") {
          return { totals, record, ...none, answer: { status: "released", key: command.key, released: 0, available: available(totals), replayed: true } };
        }
        if (record.kind !== "hold" || record.amount !== command.amount) {
          throw new LedgerError("idempotency_conflict", `key '${command.key}' was used for ${record.kind} ${record.amount}, not hold ${command.amount}`);
        }
        if (record.status === "settled") return { totals, record, ...none, answer: settledAnswer(record, totals, true) };
        return { totals, record, ...none, answer: { status: "ok", key: command.key, held: record.amount, available: available(totals), replayed: true } };
      }
      if (command.amount > available(totals)) {
        return { totals, record, ...none, answer: { status: "insufficient", key: command.key, requested: command.amount, available: available(totals) } };
      }
      const next = { ...totals, held: totals.held + command.amount };
      const rec: KeyRecord = {
        key: command.key, kind: "hold", amount: command.amount, status: "held", actual: null, charged: null, overrun: false, reason: null, period: totals.period, at: now,
        parent: null, remaining: command.amount,
      };
      return {
        totals: next, record: rec, ...none,
        entries: [{ kind: "hold", key: command.key, amount: command.amount, charged: 0, unbilled: 0, period: totals.period, reason: null, at: now }],
        events: [{ type: "hold_placed", payload: { key: command.key, amount: command.amount, available: available(next) } }],
        answer: { status: "ok", key: command.key, held: command.amount, available: available(next), replayed: false },
      };
    }
    case "settle": {
      checkAmount("actual", command.actual);
      // A step of an admitted run holds nothing itself: its cost is charged straight from the envelope.
      if (!record && command.within !== undefined) return chargeWithin(totals, command.key, command.actual, command.within, openEnvelope(parent), now);
      if (!record || record.kind !== "hold") throw new LedgerError("unknown_hold", `no hold with key '${command.key}' to settle`);
      if (record.status === "settled") {
        if (record.actual !== command.actual) {
          throw new LedgerError("idempotency_conflict", `key '${command.key}' was settled at ${record.actual}, not ${command.actual}`);
        }
        return { totals, record, ...none, answer: settledAnswer(record, totals, true) };
      }
      if (record.status === "released") throw new LedgerError("unknown_hold", `hold '${command.key}' was released and cannot be settled`);
      // Charged from what the hold still reserves, then from what is available; never more.
      const charged = Math.min(command.actual, record.remaining + available(totals));
      const unbilled = command.actual - charged;
      const next = { ...totals, held: totals.held - record.remaining, settled: totals.settled + charged, unbilled: totals.unbilled + unbilled };
      const rec: KeyRecord = { ...record, status: "settled", actual: command.actual, charged, overrun: command.actual > record.amount, remaining: 0, at: now };
      const alerted = alerts(next, now);
      return {
        totals: alerted.totals, record: rec, ...none,
        entries: [{ kind: "settle", key: command.key, amount: record.remaining, charged, unbilled, period: totals.period, reason: null, at: now }],
        events: [
          { type: "settled", payload: { key: command.key, actual: command.actual, charged, released: record.remaining, overrun: rec.overrun, unbilled, available: available(alerted.totals) } },
          ...alerted.events,
        ],
        answer: settledAnswer(rec, alerted.totals, false),
      };
    }
    case "release": {
      if (!record) {
        // A tombstone: a hold with this key that arrives later (sent before a crash) is refused.
        const tombstone: KeyRecord = { key: command.key, kind: "hold", amount: 0, status: "released", actual: null, charged: null, overrun: false, reason: null, period: totals.period, at: now, parent: null, remaining: 0 };
        return { totals, record: tombstone, ...none, answer: { status: "released", key: command.key, released: 0, available: available(totals), replayed: false } };
      }
      if (record.kind !== "hold") throw new LedgerError("idempotency_conflict", `key '${command.key}' is an adjustment, not a hold`);
      if (record.status === "settled") return { totals, record, ...none, answer: settledAnswer(record, totals, true) };
      if (record.status === "released") {
        return { totals, record, ...none, answer: { status: "released", key: command.key, released: record.amount, available: available(totals), replayed: true } };
      }
      // What the hold still reserves (an envelope less what was charged from it) becomes available.
      const next = { ...totals, held: totals.held - record.remaining };
      return {
        totals: next, record: { ...record, status: "released", remaining: 0, at: now }, ...none,
        entries: [{ kind: "release", key: command.key, amount: record.remaining, charged: 0, unbilled: 0, period: totals.period, reason: null, at: now }],
        events: [{ type: "released", payload: { key: command.key, released: record.remaining, available: available(next) } }],
        answer: { status: "released", key: command.key, released: record.remaining, available: available(next), replayed: false },
      };
    }
    case "adjust": {
      checkAmount("amount", command.amount, true);
      if (record) {
        if (record.kind !== "adjust" || record.amount !== command.amount) {
          throw new LedgerError("idempotency_conflict", `key '${command.key}' was used for ${record.kind} ${record.amount}, not adjust ${command.amount}`);
        }
        return { totals, record, ...none, answer: { status: "adjusted", key: command.key, amount: record.amount, spent: spent(totals), available: available(totals), replayed: true } };
      }
      // A debit may not overdraw; a credit may not take this period's spending below zero.
      if (command.amount > available(totals) || spent(totals) + command.amount < 0) {
        throw new LedgerError("adjustment_out_of_range",
          `adjustment ${usd(command.amount)} must lie between ${usd(-spent(totals))} (refund all of this month's spending) and ${usd(available(totals))} (charge all that is available)`);
      }
      const next = { ...totals, adjustments: totals.adjustments + command.amount };
      const alerted = alerts(next, now);
      return {
        totals: alerted.totals,
        record: { key: command.key, kind: "adjust", amount: command.amount, status: "applied", actual: null, charged: null, overrun: false, reason: command.reason, period: totals.period, at: now, parent: null, remaining: 0 },
        parent: null,
        entries: [{ kind: "adjust", key: command.key, amount: command.amount, charged: 0, unbilled: 0, period: totals.period, reason: command.reason, at: now }],
        events: [{ type: "adjusted", payload: { key: command.key, amount: command.amount, reason: command.reason, spent: spent(alerted.totals), available: available(alerted.totals) } }, ...alerted.events],
        answer: { status: "adjusted", key: command.key, amount: command.amount, spent: spent(alerted.totals), available: available(alerted.totals), replayed: false },
      };
    }
    case "set_budget": {
      checkAmount("budget", command.budget);
      if (command.budget === totals.budget) return { totals, record, ...none, answer: { status: "budget", budget: totals.budget, available: available(totals) } };
      const alerted = alerts({ ...totals, budget: command.budget }, now);
      return {
        totals: alerted.totals, record, parent: null,
        entries: [{ kind: "budget", key: null, amount: command.budget, charged: 0, unbilled: 0, period: totals.period, reason: null, at: now }],
        events: [{ type: "budget_changed", payload: { budget: command.budget, available: available(alerted.totals) } }, ...alerted.events],
        answer: { status: "budget", budget: command.budget, available: available(alerted.totals) },
      };
    }
    case "rollover": {
      checkAmount("budget", command.budget);
      if (command.period <= totals.period) throw new LedgerError("invalid_amount", `period ${command.period} does not follow ${totals.period}`);
      const closed: PeriodSummary = { period: totals.period, budget: totals.budget, settled: totals.settled, adjustments: totals.adjustments, heldAtClose: totals.held, unbilled: totals.unbilled };
      const next: LedgerTotals = { ...emptyTotals(command.period, command.budget), held: totals.held };
      return {
        totals: next, record, parent: null,
        entries: [{ kind: "rollover", key: null, amount: command.budget, charged: 0, unbilled: 0, period: command.period, reason: null, at: now }],
        events: [{ type: "period_closed", payload: { ...closed, next_period: command.period, budget: command.budget } }],
        answer: { status: "rolled_over", closed, period: command.period, budget: command.budget },
      };
    }
  }
}

/**
 * A settle under a key that holds nothing, within an envelope: charged from the envelope first,
 * then from what is available, never more; what cannot be charged is unbilled. The key's record
 * makes a repeat answer the same. With the envelope already given back, it is charged from what
 * is available alone.
 */
function chargeWithin(totals: LedgerTotals, key: string, actual: number, within: string, envelope: KeyRecord | null, now: number): LedgerStep {
  const room = envelope?.remaining ?? 0;
  const charged = Math.min(actual, room + available(totals));
  const fromEnvelope = Math.min(charged, room);
  const unbilled = actual - charged;
  const next = { ...totals, held: totals.held - fromEnvelope, settled: totals.settled + charged, unbilled: totals.unbilled + unbilled };
  const rec: KeyRecord = {
    key, kind: "hold", amount: 0, status: "settled", actual, charged, overrun: false, reason: null, period: totals.period, at: now,
    parent: within, remaining: 0,
  };
  const alerted = alerts(next, now);
  return {
    totals: alerted.totals, record: rec, parent: envelope && fromEnvelope > 0 ? { ...envelope, remaining: envelope.remaining - fromEnvelope } : null,
    entries: [{ kind: "settle", key, amount: fromEnvelope, charged, unbilled, period: totals.period, reason: `within ${within}`, at: now }],
    events: [
      { type: "settled", payload: { key, actual, charged, released: 0, overrun: false, unbilled, available: available(alerted.totals) } },
      ...alerted.events,
    ],
    answer: settledAnswer(rec, alerted.totals, false),
  };
}

function settledAnswer(record: KeyRecord, totals: LedgerTotals, replayed: boolean): LedgerAnswer {
  const actual = record.actual ?? 0;
  const charged = record.charged ?? 0;
  return { status: "settled", key: record.key, actual, charged, released: record.amount, overrun: record.overrun, short: charged < actual, available: available(totals), replayed };
}

/**
 * Rebuilds the totals from the entries alone (the ledger's books): proof that the running
 * totals are derivable, used by `verify` and the property tests. `alerted` is not derivable
 * from money entries and is carried from `alerted`.
 */
export function replay(entries: readonly Entry[], initial: LedgerTotals, alerted: number[]): LedgerTotals {
  let t: LedgerTotals = { ...initial, alerted };
  for (const e of entries) {
    switch (e.kind) {
      case "hold": t = { ...t, held: t.held + e.amount }; break;
      case "settle": t = { ...t, held: t.held - e.amount, settled: t.settled + e.charged, unbilled: t.unbilled + e.unbilled }; break;
      case "release": t = { ...t, held: t.held - e.amount }; break;
      case "adjust": t = { ...t, adjustments: t.adjustments + e.amount }; break;
      case "budget": t = { ...t, budget: e.amount }; break;
      case "rollover": t = { ...t, period: e.period, budget: e.amount, settled: 0, adjustments: 0, unbilled: 0 }; break;
    }
  }
  return t;
}

/** Micro-USD as a signed dollar amount for messages: -$0.056, $24.94, $2.00. */
function usd(micros: number): string {
  return `${micros < 0 ? "-" : ""}$${microsToUsd(Math.abs(micros)).toFixed(6).replace(/0{1,4}$/, "")}`;
}

