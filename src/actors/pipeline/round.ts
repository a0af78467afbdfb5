import type { LedgerCommand, LedgerResult } from "../client-ledger";
import type { PoolOp, PoolOpAnswer } from "../resource-pool";
import {
  admissionKey, admissionReleased, admissionReleaseDue, cleanupDone, coveredByAdmission, currentKey, currentWorker, fail, isTerminal, needsAcquisition,
  needsHoldAhead, nextKey, onCapacity, onHeldAhead, onHold, onSettledShort, overrunOwed, specOf, stepIdOfKey, toHoldAhead, withinPipelineBudget,
  type Cleanup, type PipelineState,
} from "./machine";

/**
 * One round with the pipeline's peers, as the core plans it: every effect the state owes now, as
 * one message per peer (a batch to the client's ledger, one to each pool involved), so each peer
 * commits once per round. The shell sends the messages and hands the answers to `applyRound`.
 * Every effect carries its attempt's idempotency key, so a round cut short by a crash is simply
 * planned and sent again.
 */
export interface Round {
  /** To the client's ledger: settlements first (a settled step frees money for the holds after them), then holds, the admission's release last. */
  ledger: LedgerCommand[];
  /** Where the holds start in `ledger` (a hold's index in the round counts from here). */
  holdsAt: number;
  /** To each worker's pool: releases first (a freed slot serves the reservations after them), then reservations. */
  pools: Map<string, PoolOp[]>;
  /** How the answers are applied, in order. */
  items: RoundItem[];
}

/** Where one effect's answer is in the round's answers. */
type PoolRef = { worker: string; i: number };

/** One thing a round does, with where its answers are. */
export type RoundItem =
  | { kind: "settle"; cleanup: Extract<Cleanup, { kind: "settle" | "release_hold" }>; ledger: number }
  | { kind: "release_capacity"; cleanup: Extract<Cleanup, { kind: "release_capacity" }>; pool: PoolRef }
  | { kind: "over_budget"; stepId: string }
  /** A step's budget and capacity together; `hold` (counted from `holdsAt`) is null when the run's admission already reserves its money. */
  | { kind: "acquire"; stepId: string; key: string; hold: number | null; pool: PoolRef }
  | { kind: "reserve"; stepId: string; key: string; pool: PoolRef }
  | { kind: "hold_ahead"; holds: { stepId: string; key: string; hold: number }[] }
  | { kind: "admission_release" };

/** The peers' answers to a round, aligned with its messages. */
export interface RoundAnswers { ledger: readonly LedgerResult[]; pools: ReadonlyMap<string, readonly PoolOpAnswer[]> }

/** A ledger refusal of a settlement: the same however often it is sent, so kept for an operator, not retried. */
export interface RoundRefusal { operation: string; code: string; message: string }

/** What applying a round's answers did: the new state, a checkpoint label per answer, refusals to keep, and the first answer that could not be applied. */
export interface AppliedRound { state: PipelineState; labels: string[]; refusals: RoundRefusal[]; error: Error | null }

/** Settlements owed to the ledger wait at most this long for the pipeline's next ledger message. */
export const SETTLE_BATCH_MS = 1_000;

/** True when settlements or releases are owed to the ledger. */
export function settlementsOwed(s: PipelineState): boolean {
  return s.cleanup.some((c) => c.kind !== "release_capacity");
}

/**
 * Whether owed settlements go now by themselves. Settlements of finished steps (their actual
 * cost) are not urgent: the hold keeps the money reserved meanwhile, so they travel with the
 * pipeline's next ledger message, when it ends, or SETTLE_BATCH_MS after the oldest was owed
 * (`owedSince`), whichever comes first. With holds placed ahead, a pipeline talks to its ledger
 * about twice per run, not per step. A hold given back (pause, cancel, a skipped step) frees
 * money someone may be waiting for, and a cost above its hold may use up the client's budget:
 * those go at once.
 */
export function settlementsDue(s: PipelineState, owedSince: number | null, now: number): boolean {
  if (owedSince === null || !settlementsOwed(s)) return false;
  if (s.cleanup.some((c) => c.kind === "release_hold") || overrunOwed(s)) return true;
  return isTerminal(s.status) || now - owedSince >= SETTLE_BATCH_MS;
}

/** True when the state asks for a round now (a paused pipeline only owes cleanup). */
export function owesRound(s: PipelineState, settleNow: boolean): boolean {
  if (s.admission === "pending" || admissionReleaseDue(s, false)) return true;
  if (s.cleanup.some((c) => c.kind === "release_capacity")) return true;
  if (settleNow) return true;
  if (s.status === "paused") return false;
  return s.steps.some(needsAcquisition) || needsHoldAhead(s);
}

/**
 * The round the state owes now, or null when it owes none. `settleNow` says whether owed
 * settlements are due by themselves (`settlementsDue`); they also travel whenever the
 * round talks to the ledger anyway. A paused pipeline acquires nothing, and the state takes
 * budget before capacity: a step moves to waiting for capacity only on a successful hold, and a
 * refused hold ends the pipeline, whose cleanup gives the reservation back.
 */
export function planRound(s: PipelineState, settleNow: boolean): Round | null {
  const ledgerOps: LedgerCommand[] = [];
  const settlements: LedgerCommand[] = [];
  const pools = new Map<string, PoolOp[]>();
  const toPool = (worker: string, op: PoolOp): PoolRef => {
    const list = pools.get(worker) ?? [];
    pools.set(worker, list);
    return { worker, i: list.push(op) - 1 };
  };
  const settles: RoundItem[] = [];
  const items: RoundItem[] = [];

  // Cleanup first: a released slot frees capacity for the reservations below.
  for (const c of s.cleanup) {
    if (c.kind === "release_capacity") {
      items.push({ kind: "release_capacity", cleanup: c, pool: toPool(c.worker, { op: "release", key: c.key, observedMs: c.observedMs }) });
    } else {
      settles.push({ kind: "settle", cleanup: c, ledger: settlements.push(c.kind === "settle" ? settleCommand(s, c.key, c.actualMicros) : { type: "release", key: c.key }) - 1 });
    }
  }
  let roundHolds = 0;
  for (const step of s.status === "paused" ? [] : s.steps.filter(needsAcquisition)) {
    const key = currentKey(s, step);
    const reserve: PoolOp = { op: "reserve", request: { key, pipelineId: s.spec.pipelineId, priority: s.spec.priority, maxWaitMs: s.spec.maxWaitMs } };
    if (step.status !== "waiting_budget") {
      items.push({ kind: "reserve", stepId: step.id, key, pool: toPool(currentWorker(s, step), reserve) });
      continue;
    }
    if (!withinPipelineBudget(s, step.id, roundHolds)) {
      items.push({ kind: "over_budget", stepId: step.id });
      continue;
    }
    const estimate = specOf(s, step.id).estimateMicros;
    roundHolds += estimate;
    const pool = toPool(currentWorker(s, step), reserve);
    // Only capacity when the admission already reserves the step's money.
    const hold = coveredByAdmission(s) ? null : ledgerOps.push({ type: "hold", key, amount: estimate }) - 1;
    items.push({ kind: "acquire", stepId: step.id, key, hold, pool });
  }
  // Once per run, with the first step's: budget held ahead for every pending step.
  if (needsHoldAhead(s)) {
    const holds = toHoldAhead(s, roundHolds).map((step) => {
      const key = nextKey(s, step);
      return { stepId: step.id, key, hold: ledgerOps.push({ type: "hold", key, amount: specOf(s, step.id).estimateMicros }) - 1 };
    });
    items.push({ kind: "hold_ahead", holds });
  }
  const sendSettlements = settlements.length > 0 && (ledgerOps.length > 0 || settleNow);
  // The admission hold goes back last, after the steps' settlements in the same message.
  const releaseAdmission = admissionReleaseDue(s, settlements.length === 0 || sendSettlements);
  if (releaseAdmission) items.push({ kind: "admission_release" });
  const all = sendSettlements ? [...settles, ...items] : items;
  if (all.length === 0) return null;
  const sent = sendSettlements ? settlements : [];
  const ledger = [...sent, ...ledgerOps, ...(releaseAdmission ? [{ type: "release" as const, key: admissionKey(s.spec.pipelineId) }] : [])];
  return { ledger, holdsAt: sent.length, pools, items: all };
}

/**
 * Applies a round's answers to the state as it is now (other answers may have landed while the
 * round was out), in the round's order, with a checkpoint label per answer. An answer that
 * cannot be applied (a hold the ledger refused as malformed) is reported and the rest still
 * applied. `grantedEarly(key)` says whether the pool's grant for that key already arrived by
 * call-back (it then wins over a "queued" answer).
 */
export function applyRound(s: PipelineState, round: Round, answers: RoundAnswers, now: number, random: () => number, grantedEarly: (key: string) => boolean): AppliedRound {
  let state = s;
  const labels: string[] = [];
  const refusals: RoundRefusal[] = [];
  let error: Error | null = null;
  // The step an attempt key names, for labels.
  const stepOfKey = (key: string) => stepIdOfKey(s.spec.pipelineId, key) ?? "";
  const move = (next: PipelineState, label: string) => {
    if (next === state) return;
    state = next;
    labels.push(label);
  };
  const capacity = (key: string, pool: PoolRef) => {
    const answer = capacityAnswer(answers.pools.get(pool.worker)?.[pool.i]);
    const early = grantedEarly(key);
    return answer.status === "queued" && early ? { status: "granted" as const } : answer;
  };
  for (const item of round.items) {
    try {
      switch (item.kind) {
        case "settle": {
          const c = item.cleanup;
          const r = answers.ledger[item.ledger];
          if (!r) throw new Error(`the ledger did not answer ${c.kind} ${c.key}`);
          if (r.status === "rejected" && r.code !== "unknown_hold") {
            refusals.push({ operation: `ledger_${c.kind}:${c.key}`, code: `ledger_${r.code}`, message: `ledger refused ${c.kind} ${c.key}: ${r.message}` });
          }
          move(cleanupDone(state, c), `cleanup:${c.kind}:${stepOfKey(c.key)}`);
          if (r.status === "settled" && r.short) move(onSettledShort(state, c.key, r.actual, r.charged, now), `short:${stepOfKey(c.key)}`);
          break;
        }
        case "release_capacity":
          move(cleanupDone(state, item.cleanup), `cleanup:release_capacity:${stepOfKey(item.cleanup.key)}`);
          break;
        case "over_budget":
          move(fail(state, `budget_exceeded: step '${item.stepId}' would pass the pipeline's budget limit of ${state.spec.budgetLimitMicros} micro-USD`, now), `budget:${item.stepId}`);
          break;
        case "acquire": {
          const hold = item.hold === null ? null : answers.ledger[round.holdsAt + item.hold];
          if (item.hold !== null && !hold) throw new Error(`the ledger did not answer the hold ${item.key}`);
          if (hold?.status === "rejected") throw new Error(`ledger refused hold: ${hold.message}`);
          const held = hold === null || hold === undefined ? { ok: true } : hold.status === "insufficient" ? { ok: false, available: hold.available } : { ok: hold.status === "ok" };
          move(onHold(state, item.stepId, held, now), `held:${item.stepId}`);
          move(onCapacity(state, item.stepId, capacity(item.key, item.pool), now, random()), `reserved:${item.stepId}`);
          break;
        }
        case "reserve":
          move(onCapacity(state, item.stepId, capacity(item.key, item.pool), now, random()), `reserved:${item.stepId}`);
          break;
        case "hold_ahead": {
          const held = item.holds.map(({ stepId, key, hold }) => {
            const r = answers.ledger[round.holdsAt + hold];
            if (!r) throw new Error(`the ledger did not answer the hold ${key}`);
            if (r.status === "rejected") throw new Error(`ledger refused hold: ${r.message}`);
            return { stepId, key, ok: r.status === "ok" };
          });
          move(onHeldAhead(state, held, now), "held_ahead");
          break;
        }
        case "admission_release":
          move(admissionReleased(state), "admission_released");
          break;
      }
    } catch (e) {
      error ??= e instanceof Error ? e : new Error(String(e));
    }
  }
  return { state, labels, refusals, error };
}

/**
 * A step attempt's settle. In an admitted run it names the admission: an attempt that holds
 * nothing (its admission reserved the money) is charged from the admission first, then from what
 * is available, and one that held (after the admission was given back) settles its own hold.
 */
function settleCommand(s: PipelineState, key: string, actual: number): LedgerCommand {
  return s.admission === "none" ? { type: "settle", key, actual } : { type: "settle", key, actual, within: admissionKey(s.spec.pipelineId) };
}

/** A pool's answer to a reserve, as the state machine takes it. */
function capacityAnswer(answer: PoolOpAnswer | undefined) {
  if (!answer || !("status" in answer)) throw new Error("pool answered a reserve with a release result");
  return answer.status === "granted" ? { status: "granted" as const }
    : answer.status === "queued" ? { status: "queued" as const, position: answer.position, etaMs: answer.etaMs }
    : { status: "rejected" as const, reason: answer.reason };
}
