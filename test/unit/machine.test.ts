import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { backoffMs } from "../../src/lib/backoff";
import {
  cancel, cleanupDone, createPipeline, currentKey, isTerminal, needsHoldAhead, nextKey, onCapacity, onHeldAhead, onHold, onResult,
  onTimers, pause, plan, toHoldAhead,
  PIPELINE_TRANSITIONS, resume, retryFrom, start, STEP_TRANSITIONS, TransitionError, validateSpec,
  type PipelineSpec, type PipelineState,
} from "../../src/actors/pipeline/machine";
import { mapInput, resolvePath } from "../../src/actors/pipeline/paths";

function spec(): PipelineSpec {
  const step = (id: string, dependsOn: string[], optional = false) => ({
    id, workers: [{ name: "w1", binding: "X" }, { name: "w2", binding: "X" }], dependsOn, input: {}, output: {},
    condition: null, optional, timeoutMs: 1_000, retry: { maxAttempts: 2, baseMs: 10, capMs: 100 }, estimateMicros: 10,
  });
  return {
    pipelineId: "p", templateName: "t", clientId: "c", requestId: null, priority: 0, budgetLimitMicros: null, deadlineAt: 1_000_000,
    maxWaitMs: 1_000, inputs: {}, steps: [step("a", []), step("b", ["a"]), step("c", ["a"], true), step("d", ["b", "c"])],
  };
}

type Event =
  | { e: "hold"; ok: boolean } | { e: "capacity"; answer: "granted" | "queued" | "rejected" }
  | { e: "result"; ok: boolean; kind: "transient" | "fatal" | "retry_after" } | { e: "time"; ms: number }
  | { e: "pause" } | { e: "resume" } | { e: "cancel" } | { e: "retry" } | { e: "cleanup" }
  | { e: "aheadSend" } | { e: "aheadLand"; ok: boolean } | { e: "aheadLost" };

const eventArb: fc.Arbitrary<Event> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ e: fc.constant("hold" as const), ok: fc.constantFrom(true, true, true, true, false) }) },
  { weight: 3, arbitrary: fc.record({ e: fc.constant("capacity" as const), answer: fc.constantFrom("granted" as const, "granted" as const, "queued" as const, "rejected" as const) }) },
  { weight: 4, arbitrary: fc.record({ e: fc.constant("result" as const), ok: fc.boolean(), kind: fc.constantFrom("transient" as const, "fatal" as const, "retry_after" as const) }) },
  { weight: 2, arbitrary: fc.record({ e: fc.constant("time" as const), ms: fc.integer({ min: 0, max: 2_000 }) }) },
  { weight: 1, arbitrary: fc.constantFrom({ e: "pause" as const }, { e: "resume" as const }, { e: "cancel" as const }, { e: "retry" as const }, { e: "cleanup" as const }) },
  { weight: 2, arbitrary: fc.oneof(fc.constant({ e: "aheadSend" as const }), fc.record({ e: fc.constant("aheadLand" as const), ok: fc.constantFrom(true, true, false) }), fc.constant({ e: "aheadLost" as const })) },
);

function legalStep(from: string, to: string): boolean {
  const next = (s: string) => (STEP_TRANSITIONS as Record<string, readonly string[]>)[s]!;
  // One call may chain legal moves (a failed attempt falls back: waiting_capacity -> retry_wait -> waiting_budget).
  return from === to || next(from).includes(to) || next(from).some((mid) => next(mid).includes(to));
}

/** The ledger as the hold-leak property models it: keys held, and keys released (a hold landing on one is refused). */
interface LedgerModel { held: Set<string>; dead: Set<string> }

/** A cleanup effect performed: the ledger model (if any) sees the settle or release. */
function performCleanup(s: PipelineState, ledger?: LedgerModel): PipelineState {
  const c = s.cleanup[0];
  if (!c) return s;
  if (ledger && c.kind !== "release_capacity") {
    ledger.held.delete(c.key);
    if (c.kind === "release_hold") ledger.dead.add(c.key);
  }
  return cleanupDone(s, c);
}

/**
 * One answer or command applied to the first step it fits (`clock.now` moves on "time"); with a
 * ledger model, the holds it answers are recorded there. The holds-ahead events are left to the
 * caller.
 */
function applyEvent(s: PipelineState, ev: Event, clock: { now: number }, random: number, ledger?: LedgerModel): PipelineState {
  const now = clock.now;
  const waitingBudget = s.steps.find((st) => st.status === "waiting_budget");
  const waitingCapacity = s.steps.find((st) => st.status === "waiting_capacity");
  const running = s.steps.find((st) => st.status === "running");
  switch (ev.e) {
    case "hold": {
      if (!waitingBudget) return s;
      const key = currentKey(s, waitingBudget);
      const ok = ev.ok && !ledger?.dead.has(key);
      if (ok) ledger?.held.add(key);
      return onHold(s, waitingBudget.id, { ok, available: 0 }, now);
    }
    case "capacity":
      if (!waitingCapacity) return s;
      return onCapacity(s, waitingCapacity.id, ev.answer === "queued" ? { status: "queued", position: 1, etaMs: 5 } : ev.answer === "granted" ? { status: "granted" } : { status: "rejected", reason: "queue_full" }, now, random);
    case "result":
      if (!running) return s;
      return onResult(s, running.id, running.attempt, ev.ok
        ? { ok: true, output: { n: 1 }, costMicros: 5, durationMs: 1, tokensIn: 0, tokensOut: 0 }
        : { ok: false, error: { kind: ev.kind, code: "x", message: "x", retryAfterMs: 7 }, costMicros: 1, durationMs: 1 }, "ref", now, random);
    case "time": clock.now += ev.ms; return onTimers(s, clock.now, () => random);
    case "pause": return pause(s, now);
    case "resume": return resume(s, now);
    case "cancel": return cancel(s, now);
    case "cleanup": return performCleanup(s, ledger);
    case "retry": return retryFrom(s, "b", now);
    case "aheadSend": case "aheadLand": case "aheadLost": return s;
  }
}

describe("pipeline state machine", () => {
  it("property: random answers and commands only ever make legal transitions", () => {
    fc.assert(fc.property(fc.array(eventArb, { maxLength: 60 }), fc.double({ min: 0, max: 0.999, noNaN: true }), (events, random) => {
      const clock = { now: 0 };
      let s: PipelineState = plan(start(createPipeline(spec(), 0), 0), 0);
      for (const ev of events) {
        const before = s;
        try {
          s = applyEvent(s, ev, clock, random);
        } catch (error) {
          // Only retry-from-a-step may be refused, and only with a typed error in a state that forbids it.
          expect(error).toBeInstanceOf(TransitionError);
          expect(ev.e).toBe("retry");
          continue;
        }
        if (before.status !== s.status) {
          expect(PIPELINE_TRANSITIONS[before.status].includes(s.status), `${before.status} -> ${s.status}`).toBe(true);
          if (isTerminal(before.status)) expect(ev.e).toBe("retry");
        }
        for (const st of s.steps) {
          const old = before.steps.find((x) => x.id === st.id)!;
          // Retry-from-a-step resets steps to pending and plans again in one call.
          const legal = legalStep(old.status, st.status) || (ev.e === "retry" && legalStep(old.status, "pending") && legalStep("pending", st.status));
          expect(legal, `${st.id}: ${old.status} -> ${st.status}`).toBe(true);
          expect(st.attempt).toBeGreaterThanOrEqual(old.attempt);
        }
        expect(s.costMicros).toBeGreaterThanOrEqual(before.costMicros);
        if (isTerminal(s.status)) expect(s.steps.every((st) => !st.held)).toBe(true);
      }
    }), { numRuns: 300 });
  });

  it("property: no hold is left at the ledger, whatever lands when (holds ahead in flight across cancel, pause, retry)", () => {
    fc.assert(fc.property(fc.array(eventArb, { maxLength: 60 }), fc.double({ min: 0, max: 0.999, noNaN: true }), (events, random) => {
      const clock = { now: 0 };
      let s: PipelineState = plan(start(createPipeline(spec(), 0), 0), 0);
      const ledger: LedgerModel = { held: new Set(), dead: new Set() };
      const { held, dead } = ledger;
      let inFlight: { stepId: string; key: string }[] | null = null;
      const land = (ok: boolean) => {
        if (!inFlight) return;
        const answers = inFlight.map((a) => ({ ...a, ok: ok && !dead.has(a.key) }));
        for (const a of answers) if (a.ok) held.add(a.key);
        s = onHeldAhead(s, answers, clock.now);
        inFlight = null;
      };
      for (const ev of events) {
        try {
          switch (ev.e) {
            case "aheadSend": if (!inFlight && needsHoldAhead(s)) inFlight = toHoldAhead(s).map((st) => ({ stepId: st.id, key: nextKey(s, st) })); break;
            case "aheadLand": land(ev.ok); break;
            // The holds land at the ledger but the answer is lost (the actor crashed): the state
            // must still release them on its own (it never learns they were placed).
            case "aheadLost":
              if (inFlight) {
                for (const a of inFlight) if (!dead.has(a.key)) held.add(a.key);
                inFlight = null;
                if (needsHoldAhead(s)) s = cancel(s, clock.now);
              }
              break;
            default: s = applyEvent(s, ev, clock, random, ledger);
          }
        } catch (error) {
          expect(error).toBeInstanceOf(TransitionError);
          continue;
        }
        // Every key the ledger holds is owned: by a step (its current or, pending, its next
        // attempt; while the round that holds ahead is unanswered, any pending step's next key,
        // which that round sends again or an ending releases), by an abandoned call, or by owed cleanup.
        for (const key of held) {
          const owned = s.steps.some((st) => (st.status === "pending" ? (st.held || !s.heldAhead) && nextKey(s, st) : st.held && currentKey(s, st)) === key)
            || s.steps.some((st) => st.status === "running" && currentKey(s, st) === key)
            || s.abandoned.some((a) => a.key === key) || s.cleanup.some((c) => c.key === key);
          expect(owned, `hold ${key} leaked`).toBe(true);
        }
      }
      // The end: everything lands, the pipeline is cancelled, abandoned calls time out, cleanup runs.
      land(true);
      s = cancel(s, clock.now);
      s = onTimers(s, clock.now + 1_000_000, () => random);
      while (s.cleanup[0]) s = performCleanup(s, ledger);
      expect([...held]).toEqual([]);
    }), { numRuns: 500 });
  });

  it("backs off with full jitter, bounded by the cap", () => {
    const policy = { maxAttempts: 5, baseMs: 100, capMs: 1_000 };
    expect(backoffMs(policy, 1, 0.999)).toBe(99);
    expect(backoffMs(policy, 3, 0.5)).toBe(200);
    expect(backoffMs(policy, 10, 0.999)).toBe(999);
    expect(backoffMs(policy, 2, 0)).toBe(0);
  });

  it("refuses malformed DAGs", () => {
    const s = spec();
    expect(() => validateSpec({ ...s, steps: [...s.steps, { ...s.steps[0]!, id: "e", dependsOn: ["zzz"] }] })).toThrow(/unknown step/);
    expect(() => validateSpec({ ...s, steps: [{ ...s.steps[0]!, dependsOn: ["b"] }, { ...s.steps[1]!, dependsOn: ["a"] }] })).toThrow(/cycle/);
    expect(() => validateSpec({ ...s, steps: [s.steps[0]!, s.steps[0]!] })).toThrow(/twice/);
  });

  it("resolves the path syntax", () => {
    const root = { inputs: { topic: "rust" }, steps: { lib: { sources: [{ url: "a" }, { url: "b" }], count: 2 }, res: { sources: [{ url: "c" }] } }, context: {} };
    expect(resolvePath("$.inputs.topic", root)).toBe("rust");
    expect(resolvePath("$.steps.lib.sources[*].url", root)).toEqual(["a", "b"]);
    expect(resolvePath("$.steps.lib.sources[*].url,$.steps.res.sources[*].url", root)).toEqual(["a", "b", "c"]);
    expect(resolvePath("$.steps.missing.sources[*].url,$.steps.res.sources[*].url", root)).toEqual(["c"]);
    expect(resolvePath("=brief", root)).toBe("brief");
    expect(resolvePath("$.steps.lib.sources.length", root)).toBe(2);
    expect(mapInput({ topic: "$.inputs.topic", gone: "$.inputs.nope" }, root)).toEqual({ topic: "rust" });
  });
});
