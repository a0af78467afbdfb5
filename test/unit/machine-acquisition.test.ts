import { describe, expect, it } from "vitest";
import { currentKey, nextTimer, onCapacity, onHeldAhead, onTimers, QUEUE_BACKSTOP_MS } from "../../src/actors/pipeline/machine";
import { held, oneStepSpec as spec, started } from "./one-step-spec";

/**
 * How the pipeline state machine acquires a step's budget hold and capacity: a queued wait has a
 * backstop, capacity refusals use up attempts, and a hold placed ahead is taken by its step.
 */
describe("state machine: acquiring budget and capacity", () => {
  it("gives up on a queued wait when no call-back comes (a backstop timer), and retries", () => {
    const queued = onCapacity(held(started()), "a", { status: "queued", position: 3, etaMs: 100 }, 0, 0);
    expect(nextTimer(queued)).toBe(1_000 + QUEUE_BACKSTOP_MS);
    const later = onTimers(queued, 1_000 + QUEUE_BACKSTOP_MS, () => 0);
    expect(later.steps[0]!.status).not.toBe("waiting_capacity");
    expect(later.attempts.at(-1)).toMatchObject({ errorCode: "capacity_timed_out" });
  });

  it("counts capacity refusals as attempts, so they end in the fallback and then a failure, not a loop", () => {
    let s = started();
    for (let i = 0; i < 10 && s.status !== "failed"; i++) {
      s = onTimers(s, 10_000 * (i + 1), () => 0);
      if (s.steps[0]!.status === "waiting_budget") s = held(s);
      if (s.steps[0]!.status === "waiting_capacity") s = onCapacity(s, "a", { status: "rejected", reason: "queue_full" }, 10_000 * (i + 1), 0);
    }
    expect(s.status).toBe("failed");
    expect(s.attempts.map((a) => a.worker)).toEqual(["w1", "w1", "w2", "w2"]);
  });

  it("a step that became ready while its hold ahead was in flight takes the hold (it is not released and refused)", () => {
    // a is optional with one attempt and one worker: the pool's refusal fails it for good, and b
    // (which needs only a to be done) becomes ready before the holds ahead are answered.
    const sp = spec();
    const a = { ...sp.steps[0]!, workers: [sp.steps[0]!.workers[0]!], optional: true, retry: { maxAttempts: 1, baseMs: 10, capMs: 10 } };
    const b = { ...a, id: "b", optional: false, dependsOn: ["a"] };
    let s = started({ ...sp, steps: [a, b] });
    s = onCapacity(held(s), "a", { status: "rejected", reason: "queue_full" }, 0, 0);
    expect(s.steps.map((st) => st.status)).toEqual(["failed", "waiting_budget"]);
    const key = currentKey(s, s.steps[1]!);
    expect(key).toBe("p:b:1");
    s = onHeldAhead(s, [{ stepId: "b", key, ok: true }], 0);
    expect(s.steps[1]).toMatchObject({ status: "waiting_capacity", held: true });
    expect(s.cleanup.filter((c) => c.kind === "release_hold")).toEqual([]);
  });
});
