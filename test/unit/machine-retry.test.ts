import { describe, expect, it } from "vitest";
import {
  createPipeline, expiredKept, nextTimer, onCapacity, onHold, onResult, onTimers, pause, plan, retryFrom, start,
  type PipelineState,
} from "../../src/actors/pipeline/machine";
import { held, oneStepSpec as spec, started } from "./one-step-spec";

/** The pipeline state machine's retries: no retry timer while paused, and retry-from-a-step. */
describe("state machine: retries and retry-from-a-step", () => {
  it("has no retry timer while paused (the alarm would loop on a past time)", () => {
    let s = onCapacity(held(started()), "a", { status: "granted" }, 0, 0);
    s = pause(s, 0);
    s = onResult(s, "a", 1, { ok: false, error: { kind: "transient", code: "x", message: "x" }, costMicros: 0, durationMs: 1 }, null, 5, 0);
    expect(s.steps[0]!.status).toBe("retry_wait");
    expect(s.steps[0]!.timeoutAt).toBeNull();
    expect(nextTimer(s)).toBeNull();
  });

  it("retry-from-a-step gives back what the retried steps held", () => {
    let s = onCapacity(held(started()), "a", { status: "queued", position: 1, etaMs: 5 }, 0, 0);
    s = pause(s, 0);
    // pause already released; hold again by hand to model a step caught mid-acquisition
    s = { ...s, steps: s.steps.map((st) => ({ ...st, status: "waiting_capacity" as const, held: true, attempt: 2 })), cleanup: [] };
    const retried = retryFrom(s, "a", 1);
    expect(retried.cleanup).toEqual([
      { kind: "release_hold", key: "p:a:2" },
      { kind: "release_capacity", worker: "w1", key: "p:a:2", observedMs: null },
    ]);
  });

  it("counts retries afresh after retry-from-a-step", () => {
    let s = started();
    const fail = (st: PipelineState, attempt: number, now: number) => onResult(onCapacity(held(st), "a", { status: "granted" }, now, 0), "a", attempt, { ok: false, error: { kind: "fatal", code: "x", message: "x" }, costMicros: 0, durationMs: 1 }, null, now, 0);
    s = fail(s, 1, 1);
    s = onTimers(s, 2, () => 0);
    s = fail(s, 2, 3);
    expect(s.status).toBe("failed");
    s = retryFrom(s, "a", 10);
    expect(s.steps[0]).toMatchObject({ status: "waiting_budget", attempt: 3, attemptBase: 2, workerIndex: 0 });
    s = fail(s, 3, 11);
    // A fatal failure on the primary moves to the fallback again: retries counted from the retry.
    expect(s.status).toBe("running");
    expect(s.steps[0]!.workerIndex).toBe(1);
  });

  it("refuses a retry that would keep a step whose stored outputs have expired", () => {
    const two = spec({ steps: [
      { ...spec().steps[0]!, id: "a", workers: [{ name: "w1", binding: "X" }], retry: { maxAttempts: 1, baseMs: 10, capMs: 10 } },
      { ...spec().steps[0]!, id: "b", workers: [{ name: "w1", binding: "X" }], dependsOn: ["a"], retry: { maxAttempts: 1, baseMs: 10, capMs: 10 } },
    ] });
    const run = (step: string, attempt: number, st: PipelineState, now: number, outcome: Parameters<typeof onResult>[3]) =>
      onResult(onCapacity(onHold(st, step, { ok: true }, now), step, { status: "granted" }, now, 0), step, attempt, outcome, null, now, 0);
    const ref = { $ref: { tier: "kv", key: "payload:pipelines/p/a/1/x@0123456789abcdef", size: 3000, sha256: "0".repeat(64), items: 9 } };
    let s = plan(start(createPipeline(two, 0), 0), 0);
    s = run("a", 1, s, 0, { ok: true, output: { x: ref }, costMicros: 1, durationMs: 1, tokensIn: 0, tokensOut: 0 });
    s = plan(s, 0);
    s = run("b", 1, s, 1, { ok: false, error: { kind: "fatal", code: "x", message: "x" }, costMicros: 0, durationMs: 1 });
    expect(s.steps.map((st) => st.status)).toEqual(["succeeded", "failed"]);
    const day = 86_400_000;
    const expiredOnRetry = (st: PipelineState, step: string, now: number, maxAgeMs: number) => expiredKept(retryFrom(st, step, now), now, maxAgeMs);
    expect(expiredOnRetry(s, "b", day, 7 * day)).toBeNull();
    expect(expiredOnRetry(s, "b", 8 * day, 7 * day)).toBe("a");
    // Retrying from the first step keeps nothing stored.
    expect(expiredOnRetry(s, "a", 8 * day, 7 * day)).toBeNull();
    // An output with nothing stored by reference never expires.
    const inline = { ...s, outputs: { a: { x: [1, 2, 3] } } };
    expect(expiredOnRetry(inline, "b", 8 * day, 7 * day)).toBeNull();
  });
});
