import { describe, expect, it } from "vitest";
import { createPipeline, onResult, pause, plan, start, type PipelineSpec, type PipelineState } from "../../src/actors/pipeline/machine";
import { applyRound, planRound, type Round } from "../../src/actors/pipeline/round";

/** A chain of steps a → b → c on workers w1 (a, c) and w2 (b). */
function spec(extra: Partial<PipelineSpec> = {}): PipelineSpec {
  const step = (id: string, dependsOn: string[], worker: string) => ({
    id, workers: [{ name: worker, binding: "X" }], dependsOn, input: {}, output: {},
    condition: null, optional: false, timeoutMs: 1_000, retry: { maxAttempts: 2, baseMs: 10, capMs: 100 }, estimateMicros: 10,
  });
  return {
    pipelineId: "p", templateName: "t", clientId: "c", requestId: null, priority: 3, budgetLimitMicros: null, deadlineAt: null,
    maxWaitMs: 1_000, inputs: {}, steps: [step("a", [], "w1"), step("b", ["a"], "w2"), step("c", ["b"], "w1")], ...extra,
  };
}

const started = (extra: Partial<PipelineSpec> = {}) => plan(start(createPipeline(spec(extra), 0), 0), 0);
const noEarly = () => false;
const granted = { status: "granted" as const, position: 0, etaMs: 0 };

/** Applies a round whose every ledger command is accepted and every reservation granted. */
function allGranted(s: PipelineState, round: Round, now = 1) {
  const ledger = round.ledger.map((c) => (c.type === "hold" ? { status: "ok" as const } : c.type === "settle" ? { status: "settled" as const, actual: c.actual, charged: c.actual, short: false } : { status: "released" as const }));
  const pools = new Map([...round.pools].map(([w, ops]) => [w, ops.map((op) => (op.op === "reserve" ? granted : { released: true }))] as const));
  return applyRound(s, round, { ledger: ledger as never, pools: pools as never }, now, () => 0.5, noEarly);
}

describe("a round with the peers, planned and applied by the core", () => {
  it("starts a run: the first step's hold and reservation, and holds ahead for the rest, in one message per peer", () => {
    const round = planRound(started(), false)!;
    expect(round.ledger).toEqual([
      { type: "hold", key: "p:a:1", amount: 10 },
      { type: "hold", key: "p:b:1", amount: 10 },
      { type: "hold", key: "p:c:1", amount: 10 },
    ]);
    expect([...round.pools.keys()]).toEqual(["w1"]);
    expect(round.items.map((i) => i.kind)).toEqual(["acquire", "hold_ahead"]);
    const applied = allGranted(started(), round);
    expect(applied.error).toBeNull();
    expect(applied.labels).toEqual(["held:a", "reserved:a", "held_ahead"]);
    expect(applied.state.steps.map((s) => [s.id, s.status, s.held])).toEqual([["a", "running", true], ["b", "pending", true], ["c", "pending", true]]);
  });

  it("asks the ledger nothing for a step the run's admission covers", () => {
    const admitted: PipelineState = { ...started({ admissionMicros: 100 }), admission: "held" };
    const round = planRound(admitted, false)!;
    expect(round.ledger).toEqual([]);
    expect(round.items).toMatchObject([{ kind: "acquire", stepId: "a", hold: null }]);
    expect(allGranted(admitted, round).state.steps[0]!.status).toBe("running");
  });

  it("keeps settlements back until they are due, and sends them first, with the holds' answers after them", () => {
    let s = allGranted(started(), planRound(started(), false)!).state;
    s = onResult(s, "a", 1, { ok: true, output: {}, costMicros: 7, durationMs: 1, tokensIn: 0, tokensOut: 0 }, "ref", 2, 0.5);
    // a's slot goes back to w1 now; its settlement waits (b's hold is in place: nothing else for the ledger).
    const early = planRound(s, false)!;
    expect(early.ledger).toEqual([]);
    expect(early.items.map((i) => i.kind)).toEqual(["release_capacity", "reserve"]);
    const due = planRound(s, true)!;
    expect(due.ledger).toEqual([{ type: "settle", key: "p:a:1", actual: 7 }]);
    expect(due.items.map((i) => i.kind)).toEqual(["settle", "release_capacity", "reserve"]);
    const applied = allGranted(s, due);
    expect(applied.labels).toEqual(["cleanup:settle:a", "cleanup:release_capacity:a", "reserved:b"]);
    expect(applied.state.cleanup).toEqual([]);
  });

  it("fails a step that would pass the pipeline's budget limit instead of holding for it", () => {
    const s = started({ budgetLimitMicros: 5 });
    const round = planRound(s, false)!;
    expect(round.items[0]).toEqual({ kind: "over_budget", stepId: "a" });
    const applied = allGranted(s, round);
    expect(applied.state.status).toBe("failed");
    expect(applied.state.reason).toMatch(/budget_exceeded: step 'a'/);
  });

  it("acquires nothing for a paused pipeline, and gives back what it held", () => {
    const paused = pause(started(), 1);
    const round = planRound(paused, true)!;
    // Only cleanup: the hold and any reservation of the step it stopped, nothing acquired.
    expect(round.items.length).toBeGreaterThan(0);
    expect(round.items.every((i) => i.kind === "settle" || i.kind === "release_capacity"), JSON.stringify(round.items)).toBe(true);
    expect(round.ledger).toContainEqual({ type: "release", key: "p:a:1" });
    expect(round.ledger.some((c) => c.type === "hold")).toBe(false);
    expect([...round.pools.values()].flat().some((op) => op.op === "reserve")).toBe(false);
    expect(planRound(allGranted(paused, round).state, true)).toBeNull();
  });

  it("keeps a settlement the ledger refuses for an operator, and still applies the rest", () => {
    let s = allGranted(started(), planRound(started(), false)!).state;
    s = onResult(s, "a", 1, { ok: true, output: {}, costMicros: 7, durationMs: 1, tokensIn: 0, tokensOut: 0 }, "ref", 2, 0.5);
    const round = planRound(s, true)!;
    const applied = applyRound(s, round, {
      ledger: [{ status: "rejected", code: "invalid_amount", message: "no" }] as never,
      pools: new Map([["w1", [{ released: true }]], ["w2", [granted]]]) as never,
    }, 3, () => 0.5, noEarly);
    expect(applied.refusals).toEqual([{ operation: "ledger_settle:p:a:1", code: "ledger_invalid_amount", message: "ledger refused settle p:a:1: no" }]);
    expect(applied.state.cleanup).toEqual([]);
    expect(applied.state.steps[1]!.status).toBe("running");
  });

  it("reports a hold the ledger refused as malformed, applying the answers that can be", () => {
    const s = started();
    const round = planRound(s, false)!;
    const applied = applyRound(s, round, {
      ledger: [{ status: "rejected", code: "invalid_amount", message: "bad hold" }, { status: "ok" }, { status: "ok" }] as never,
      pools: new Map([["w1", [granted]]]) as never,
    }, 1, () => 0.5, noEarly);
    expect(applied.error?.message).toBe("ledger refused hold: bad hold");
    expect(applied.labels).toEqual(["held_ahead"]);
    expect(applied.state.steps[0]!.status).toBe("waiting_budget");
  });

  it("takes a grant that came by call-back over the reservation's own 'queued' answer", () => {
    const s = started();
    const round = planRound(s, false)!;
    const queued = { status: "queued" as const, position: 2, etaMs: 50 };
    const ledger = round.ledger.map(() => ({ status: "ok" as const }));
    const asked: string[] = [];
    const applied = applyRound(s, round, { ledger: ledger as never, pools: new Map([["w1", [queued]]]) as never }, 1, () => 0.5, (key) => (asked.push(key), true));
    expect(asked).toEqual(["p:a:1"]);
    expect(applied.state.steps[0]!.status).toBe("running");
    const waiting = applyRound(s, round, { ledger: ledger as never, pools: new Map([["w1", [queued]]]) as never }, 1, () => 0.5, noEarly);
    expect(waiting.state.steps[0]).toMatchObject({ status: "waiting_capacity", queued: { position: 2, etaMs: 50 } });
  });
});
