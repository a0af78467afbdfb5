/**
 * Every retry loop in the actors has a cap, and what cannot be retried is kept where an operator
 * looks (issue 12, finding 3). A history write that D1 refuses for good (the probe's CHECK on
 * json_valid) ends as a recorded, visible failure with the run still listed, not a loop; an
 * operation that keeps failing backs off and is given up at its cap, reported in D1.
 */
import { env } from "cloudflare:workers";
import { runInDurableObject } from "cloudflare:test";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PipelineActor } from "../src/actors/pipeline";
import { classify, FailureBook, PEER_RETRY, Refusal, retryDelayMs, STORAGE_RETRY } from "../src/actors/shared/failures";
import type { JsonObject } from "../src/lib/json";
import { call, seed, sessionHeaders } from "./helpers";
import { finished, quiesce, scriptedSpec, settledDown, testClient } from "./pipeline-helpers";

const started = new Set<string>();
beforeAll(async () => { await seed(); });
afterAll(async () => { await quiesce(started); });

/** A one-step scripted pipeline of a fresh client, run to its end with its effects done. */
async function endedPipeline() {
  const clientId = await testClient();
  const spec = scriptedSpec(clientId, [{ id: "a" }]);
  started.add(spec.pipelineId);
  const stub = env.PipelineActor.getByName(spec.pipelineId);
  await stub.create(spec);
  await finished(spec.pipelineId);
  await settledDown(spec.pipelineId);
  return { clientId, spec, stub };
}

/** A value nested `levels` objects deep, built without recursion. */
function nested(levels: number): JsonObject {
  let value: JsonObject = { leaf: true };
  for (let i = 0; i < levels; i++) value = { a: value };
  return value;
}

describe("a history write D1 refuses for good", () => {
  it("is written reduced (without the parameters), listed, recorded for an operator, and never retried in a loop", async () => {
    const clientId = await testClient();
    // Past the edge's bounds (an internal caller): D1's json_valid refuses more than 1000 levels.
    const spec = scriptedSpec(clientId, [{ id: "a" }, { id: "b", dependsOn: ["a"] }], { inputs: { topic: "poison", deep: nested(1_200), scripts: {} } });
    started.add(spec.pipelineId);
    const stub = env.PipelineActor.getByName(spec.pipelineId);
    await stub.create(spec);
    expect((await finished(spec.pipelineId)).status).toBe("completed");
    await settledDown(spec.pipelineId);

    // Listed, with its status and cost, without the parameters D1 refused.
    const row = await env.DB.prepare(`SELECT status, parameters, total_cost_micros FROM pipeline_executions WHERE pipeline_id = ?`).bind(spec.pipelineId).first();
    expect(row).toMatchObject({ status: "completed", parameters: null });
    const admin = await sessionHeaders("admin");
    const history = await call("GET", `/pipeline-history?client_id=${clientId}`, { headers: admin });
    expect(history.body.pipelines.map((p: { pipeline_id: string }) => p.pipeline_id)).toEqual([spec.pipelineId]);

    // Recorded where an operator looks: the actor's inspection and GET /admin/failures.
    const inspected = (await stub.inspect())!;
    const ops = Object.fromEntries(inspected.failures.map((f) => [f.operation, f]));
    expect(ops.register).toMatchObject({ outcome: "degraded", code: "storage_constraint", attempts: 1 });
    expect(ops.history).toMatchObject({ outcome: "degraded", code: "storage_constraint", attempts: 1 });
    expect(ops.register!.message).toMatch(/constraint failed/i);
    expect(ops.register!.message).not.toMatch(/\/work\/|file:|\.ts:\d/);
    const listed = await call("GET", `/admin/failures?actor_kind=pipeline&client_id=${clientId}`, { headers: admin });
    expect(listed.status).toBe(200);
    expect(listed.body.failures.map((f: { operation: string; outcome: string }) => `${f.operation}:${f.outcome}`).sort()).toEqual(["history:degraded", "register:degraded"]);
    // Nothing is left to retry: no alarm.
    expect(inspected.next_alarm).toBeNull();
    // A client cannot read the operators' list.
    expect((await call("GET", "/admin/failures", { headers: await sessionHeaders("basic") })).status).toBe(403);
  });
});

describe("the retry policy and the failure book", () => {
  it("backs off exponentially with jitter, capped, and never in a tight loop", () => {
    const delays = Array.from({ length: 12 }, (_, i) => retryDelayMs(STORAGE_RETRY, i + 1, 0.5));
    for (let i = 1; i < delays.length; i++) expect(delays[i]).toBeGreaterThanOrEqual(delays[i - 1]!);
    expect(delays[0]).toBeGreaterThanOrEqual(STORAGE_RETRY.baseMs / 2);
    expect(Math.max(...delays)).toBeLessThanOrEqual(STORAGE_RETRY.capMs);
    expect(retryDelayMs(STORAGE_RETRY, 50, 0)).toBe(STORAGE_RETRY.capMs / 2);
  });

  it("classifies a storage refusal or a peer's refusal as permanent, anything else as transient, without paths", () => {
    expect(classify(new Error("D1_ERROR: CHECK constraint failed: parameters IS NULL OR json_valid(parameters): SQLITE_CONSTRAINT"))).toMatchObject({ code: "storage_constraint", permanent: true });
    expect(classify(new Error("string or blob too big: SQLITE_TOOBIG"))).toMatchObject({ code: "storage_too_big", permanent: true });
    expect(classify(new Refusal("ledger_idempotency_conflict", "ledger refused settle k"))).toMatchObject({ code: "ledger_idempotency_conflict", permanent: true });
    const network = classify(new Error("Network connection lost.\n    at fetch (file:///srv/index.js:10:5)"));
    expect(network).toMatchObject({ code: "transient", permanent: false, message: "Network connection lost." });
  });

  it("retries a transient failure with growing waits and gives up at the cap, reporting it to D1; a success forgets it", async () => {
    const { clientId, spec, stub } = await endedPipeline();
    await runInDurableObject(stub, async (_instance, ctx) => {
      const book = new FailureBook(ctx.storage.sql, () => ({ kind: "pipeline", name: spec.pipelineId, clientId }), () => env.DB);
      let now = 1_000_000;
      const waits: number[] = [];
      for (let i = 1; i <= STORAGE_RETRY.maxAttempts; i++) {
        const decision = book.failed("mirror_test", new Error("D1 unavailable"), STORAGE_RETRY, now, 0.5);
        expect(decision.attempts).toBe(i);
        if (i < STORAGE_RETRY.maxAttempts) {
          expect(decision.giveUp).toBe(false);
          waits.push(decision.retryAt! - now);
          expect(book.notBefore("mirror_test")).toBe(decision.retryAt);
          now = decision.retryAt!;
        } else {
          expect(decision).toMatchObject({ giveUp: true, retryAt: null });
        }
      }
      expect(waits).toEqual([...waits].sort((a, b) => a - b));
      expect(book.notBefore("mirror_test")).toBe(Infinity);
      // Given up stays given up: one more failure only counts.
      expect(book.failed("mirror_test", new Error("D1 unavailable"), STORAGE_RETRY, now).giveUp).toBe(true);
      await book.report();
      const row = await env.DB.prepare(`SELECT outcome, attempts, code FROM actor_failures WHERE failure_id = ?`).bind(`pipeline:${spec.pipelineId}:mirror_test`).first();
      expect(row).toEqual({ outcome: "gave_up", attempts: STORAGE_RETRY.maxAttempts + 1, code: "transient" });
      expect(book.hasUnreported()).toBe(false);
      book.succeeded("mirror_test");
      expect(book.notBefore("mirror_test")).toBeNull();
      // A fresh book reads what is stored.
      book.failed("other", new Error("x"), STORAGE_RETRY, now);
      expect(new FailureBook(ctx.storage.sql, () => ({ kind: "pipeline", name: spec.pipelineId, clientId }), () => env.DB).list().map((r) => r.operation)).toEqual(["other"]);
      book.clear();
    });
  });

  it("an operator sees what a pipeline gave up on and retries it: POST /admin/actors/pipelines/:id/redrive clears it, here and in D1", async () => {
    const { clientId, spec, stub } = await endedPipeline();
    // Its rounds with the peers failed past their cap (as when the ledger stays unreachable).
    await runInDurableObject(stub, async (instance: PipelineActor) => {
      const book = (instance as unknown as { failures: FailureBook }).failures;
      for (let i = 0; i < PEER_RETRY.maxAttempts; i++) book.failed("drive", new Error("ledger unreachable"), PEER_RETRY, Date.now());
      await book.report();
    });
    expect((await stub.inspect())!.failures).toMatchObject([{ operation: "drive", outcome: "gave_up", attempts: PEER_RETRY.maxAttempts }]);
    const admin = await sessionHeaders("admin");
    const listed = await call("GET", `/admin/failures?actor_kind=pipeline&client_id=${clientId}`, { headers: admin });
    expect(listed.body.failures).toMatchObject([{ actor_name: spec.pipelineId, operation: "drive", outcome: "gave_up", code: "transient", message: "ledger unreachable" }]);
    expect((await call("POST", `/admin/actors/pipelines/${spec.pipelineId}/redrive`, { headers: await sessionHeaders("support") })).status).toBe(403);
    const redriven = await call("POST", `/admin/actors/pipelines/${spec.pipelineId}/redrive`, { headers: admin });
    expect(redriven.status).toBe(200);
    expect(redriven.body).toMatchObject({ cleared: ["drive"], summary: { pipeline_id: spec.pipelineId, status: "completed" } });
    expect((await stub.inspect())!.failures).toEqual([]);
    expect((await call("GET", `/admin/failures?client_id=${clientId}`, { headers: admin })).body.total).toBe(0);
    expect((await call("POST", "/admin/actors/pipelines/pip_missing/redrive", { headers: admin })).status).toBe(404);
  });
});
