import * as v from "valibot";
import { describe, expect, it } from "vitest";
import { workerFailure, WorkerResultSchema } from "../../src/workers/contract";

/** The one constructor of a worker's failed answer (every worker, the harness and the actor use it). */
describe("workerFailure", () => {
  it("builds the contract's failure shape, with retry_after_ms and metadata only when given", () => {
    expect(workerFailure("fatal", "x", "m", { retryAfterMs: null })).toEqual({ ok: false, error: { kind: "fatal", code: "x", message: "m" }, cost_micros: 0, duration_ms: 0 });
    const busy = workerFailure("retry_after", "busy", "try later", { retryAfterMs: 1_500, costMicros: 7, durationMs: 12, metadata: { worker: "w" } });
    expect(busy).toEqual({ ok: false, error: { kind: "retry_after", code: "busy", message: "try later", retry_after_ms: 1_500 }, cost_micros: 7, duration_ms: 12, metadata: { worker: "w" } });
    expect(Object.keys(workerFailure("transient", "t", "m").error)).toEqual(["kind", "code", "message"]);
    for (const f of [busy, workerFailure("transient", "t", "m")]) expect(v.safeParse(WorkerResultSchema, f).success).toBe(true);
  });
});
