import { env } from "cloudflare:workers";
import { runDurableObjectAlarm } from "cloudflare:test";
import { afterAll, describe, expect, it } from "vitest";
import { finished, quiesce, scriptedSpec, settledDown, testClient, testWorker, waitFor } from "./pipeline-helpers";
import { WATCHDOG_MAX_MS, WATCHDOG_MS } from "../src/actors/pipeline/watchdog";

const started = new Set<string>();
afterAll(async () => { await quiesce(started); });

/** Creates a pipeline and returns its summary (a spec without admission is always admitted). */
async function run(spec: ReturnType<typeof scriptedSpec>) {
  started.add(spec.pipelineId);
  const created = await env.PipelineActor.getByName(spec.pipelineId).create(spec);
  if (created.admitted !== true) throw new Error(`not admitted: ${JSON.stringify(created)}`);
  return created.summary;
}

describe("PipelineActor", () => {
  it("runs a DAG with parallel branches to completion, charging each step once and leaving no hold or lease", async () => {
    const client = await testClient();
    const worker = await testWorker(8);
    const spec = scriptedSpec(client, [
      { id: "a", script: { mode: "succeed", cost_micros: 100, output: { n: 1 } } },
      { id: "b", dependsOn: ["a"], script: { mode: "succeed", cost_micros: 200, delay_ms: 30 } },
      { id: "c", dependsOn: ["a"], script: { mode: "succeed", cost_micros: 300, delay_ms: 30 } },
      { id: "d", dependsOn: ["b", "c"], script: { mode: "succeed", cost_micros: 400 }, input: { script: "$.inputs.scripts.d", from_a: "$.steps.a.n" }, output: { total: "runs" } },
    ], {}, worker);
    const created = await run(spec);
    expect(created).toMatchObject({ pipeline_id: spec.pipelineId, client_id: client });
    const done = await finished(spec.pipelineId);
    expect(done.status).toBe("completed");
    expect(done.cost_micros).toBe(1_000);
    expect(done.steps.map((s: { status: string }) => s.status)).toEqual(["succeeded", "succeeded", "succeeded", "succeeded"]);
    // b and c ran in parallel: each started before the other finished.
    const [b, c] = [done.steps[1], done.steps[2]];
    expect(b.started_at).toBeLessThan(c.finished_at);
    expect(c.started_at).toBeLessThan(b.finished_at);
    await settledDown(spec.pipelineId);
    const ledger = await env.ClientLedger.getByName(client).inspect();
    expect(ledger.balance).toMatchObject({ settled: 1_000, held: 0 });
    expect(ledger.open_holds).toEqual([]);
    expect((await env.ResourcePool.getByName(worker).inspect()).leases).toEqual([]);
    const history = await env.DB.prepare(`SELECT status, total_cost_micros, steps_succeeded FROM pipeline_executions WHERE pipeline_id = ?`).bind(spec.pipelineId).first();
    expect(history).toEqual({ status: "completed", total_cost_micros: 1_000, steps_succeeded: 4 });
    const results = await env.DB.prepare(`SELECT count(*) AS n FROM worker_execution_results WHERE pipeline_id = ?`).bind(spec.pipelineId).first();
    expect(results).toEqual({ n: 4 });
    const sessions = await env.DB.prepare(`SELECT count(*) AS n FROM pipeline_worker_sessions WHERE pipeline_id = ?`).bind(spec.pipelineId).first();
    expect(sessions).toEqual({ n: 4 });
    const inspected = await env.PipelineActor.getByName(spec.pipelineId).inspect();
    expect(inspected!.context).toEqual({ total: 1 });
    expect(inspected!.checkpoints.flatMap((c) => c.label.split(" ")).length).toBeGreaterThan(8);
    expect(await env.PipelineActor.getByName(spec.pipelineId).output("d")).toMatchObject({ step: "d", runs: 1 });
  });

  it("is idempotent on create", async () => {
    const client = await testClient();
    const spec = scriptedSpec(client, [{ id: "a" }]);
    await run(spec);
    const again = await run({ ...spec, steps: [] });
    expect(again.pipeline_id).toBe(spec.pipelineId);
    expect((await finished(spec.pipelineId)).steps).toHaveLength(1);
  });

  it("retries a step that fails N times, with backoff, and honours retry-after", async () => {
    const client = await testClient();
    const spec = scriptedSpec(client, [
      { id: "flaky", script: { mode: "fail_times", times: 2, failure_cost_micros: 10 }, retry: { maxAttempts: 3, baseMs: 5, capMs: 20 } },
      { id: "busy", dependsOn: ["flaky"], script: { mode: "retry_after", ms: 80, times: 1 } },
    ]);
    await run(spec);
    const done = await finished(spec.pipelineId);
    expect(done.status).toBe("completed");
    expect(done.steps[0]).toMatchObject({ status: "succeeded", attempt: 3 });
    expect(done.steps[1]).toMatchObject({ status: "succeeded", attempt: 2 });
    // Failed attempts are charged what they cost (10 each), successful ones 0.
    expect(done.cost_micros).toBe(20);
    const inspected = await env.PipelineActor.getByName(spec.pipelineId).inspect();
    const events = inspected!.recent_events.map((e) => e.type);
    expect(events).toContain("step_retrying");
    await settledDown(spec.pipelineId);
    const ledger = await env.ClientLedger.getByName(client).inspect();
    expect(ledger.balance).toMatchObject({ settled: 20, held: 0 });
  });

  it("falls back to the next worker when the primary fails for good", async () => {
    const client = await testClient();
    const primary = await testWorker();
    const fallback = await testWorker();
    // The fallback succeeds because fail_times counts runs per step: run 1 (primary) fails fatally.
    const spec = scriptedSpec(client, [{ id: "s", workers: [primary, fallback], script: { mode: "fail_times", times: 1, kind: "fatal" } }]);
    await run(spec);
    const done = await finished(spec.pipelineId);
    expect(done.status).toBe("completed");
    expect(done.steps[0]).toMatchObject({ status: "succeeded", worker: fallback, attempt: 2 });
  });

  it("ends partial when an optional step fails, with the reason; failed when a required one does", async () => {
    const client = await testClient();
    const spec = scriptedSpec(client, [
      { id: "ok" },
      { id: "extra", optional: true, script: { mode: "fail" } },
      { id: "after", dependsOn: ["extra"] },
    ]);
    await run(spec);
    const partial = await finished(spec.pipelineId);
    expect(partial.status).toBe("partial");
    expect(partial.notes[0]).toContain("optional step 'extra' failed");
    expect(partial.steps.map((s: { status: string }) => s.status)).toEqual(["succeeded", "failed", "succeeded"]);

    // Everything downstream of the failed step is skipped, however far (a step after a skipped one does not run).
    const spec2 = scriptedSpec(client, [
      { id: "broken", script: { mode: "fail" } }, { id: "downstream", dependsOn: ["broken"] }, { id: "further", dependsOn: ["downstream"] },
    ]);
    await run(spec2);
    const failed = await finished(spec2.pipelineId);
    expect(failed.status).toBe("failed");
    expect(failed.reason).toContain("step 'broken' failed");
    expect(failed.steps[1]).toMatchObject({ status: "skipped", skipped_reason: "dependency 'broken' failed" });
    expect(failed.steps[2]).toMatchObject({ status: "skipped", skipped_reason: "dependency 'broken' failed", started_at: null, cost_micros: 0 });
  });

  it("runs a conditional step only when earlier output says so (the librarian found too few sources)", async () => {
    const client = await testClient();
    const steps = (count: number) => [
      { id: "librarian", script: { mode: "succeed", output: { sources_count: count } } },
      { id: "researcher", dependsOn: ["librarian"], optional: true, condition: { path: "$.steps.librarian.sources_count", op: "lt" as const, value: 3 } },
      { id: "fetcher", dependsOn: ["librarian", "researcher"] },
    ];
    const few = scriptedSpec(client, steps(1));
    const many = scriptedSpec(client, steps(8));
    await Promise.all([run(few), run(many)]);
    expect((await finished(few.pipelineId)).steps.map((s: { status: string }) => s.status)).toEqual(["succeeded", "succeeded", "succeeded"]);
    const enough = await finished(many.pipelineId);
    expect(enough.status).toBe("completed");
    expect(enough.steps[1]).toMatchObject({ status: "skipped", skipped_reason: "condition not met" });
    expect(enough.steps[2].status).toBe("succeeded");
    // The skipped step's budget, held ahead when the pipeline started, was given back.
    await settledDown(many.pipelineId);
    const ledger = await env.ClientLedger.getByName(client).inspect(200);
    expect(ledger.recent_entries.filter((e) => e.key === `${many.pipelineId}:researcher:1`).map((e) => e.kind)).toEqual(["hold", "release"]);
    expect(ledger.open_holds).toEqual([]);
  });

  it("holds every step's budget when it starts, settles in batches, and handles more steps than one statement binds", async () => {
    const client = await testClient();
    const ids = Array.from({ length: 40 }, (_, i) => `s${i + 1}`);
    const spec = scriptedSpec(client, ids.map((id, i) => ({
      id, dependsOn: i === 0 ? [] : [ids[i - 1]!], script: { mode: "succeed", cost_micros: 10, ...(id === "s2" ? { delay_ms: 1_800 } : {}) },
    })));
    await run(spec);
    // s2 runs for 1.8 s: by then every step's hold is in place, and s1's settlement has gone
    // within the batch window although the pipeline sent the ledger nothing else.
    const ledger = env.ClientLedger.getByName(client);
    const kinds = async (step: string) => (await ledger.inspect(500)).recent_entries.filter((e) => e.key === `${spec.pipelineId}:${step}:1`).map((e) => e.kind);
    await waitFor(async () => ((await kinds("s40")).includes("hold") ? true : undefined), 5_000, "holds ahead");
    expect((await ledger.balance()).held).toBe(40 * 1_000);
    await waitFor(async () => ((await kinds("s1")).includes("settle") ? true : undefined), 5_000, "s1 settled");
    const running = (await env.PipelineActor.getByName(spec.pipelineId).summary()) as unknown as { steps: { id: string; status: string }[] };
    expect(running.steps.find((x) => x.id === "s2")!.status).toBe("running");
    const done = await finished(spec.pipelineId, 20_000);
    expect(done.status).toBe("completed");
    await settledDown(spec.pipelineId);
    expect(await ledger.balance()).toMatchObject({ settled: 400, held: 0 });
    for (const id of ids) expect(await kinds(id), id).toEqual(["hold", "settle"]);
  });

  it("times out a hanging step and retries it", async () => {
    const client = await testClient();
    const spec = scriptedSpec(client, [{ id: "slow", timeoutMs: 150, script: { mode: "hang", ms: 2_000 }, retry: { maxAttempts: 2, baseMs: 5, capMs: 10 } }]);
    await run(spec);
    const done = await finished(spec.pipelineId, 10_000);
    expect(done.status).toBe("failed");
    expect(done.steps[0]).toMatchObject({ status: "failed", attempt: 2, error: { code: "timeout" } });
    await settledDown(spec.pipelineId);
    // The timed-out calls (hanging 2 s) are abandoned: their holds go once their grace period ends.
    await waitFor(async () => ((await env.ClientLedger.getByName(client).inspect()).open_holds.length === 0 ? true : undefined), 5_000, "abandoned holds released");
  });

  it("stops with budget_exceeded when the ledger refuses, charging nothing more", async () => {
    const client = await testClient(2_500);
    const spec = scriptedSpec(client, [
      { id: "one", estimateMicros: 1_000, script: { mode: "succeed", cost_micros: 1_000 } },
      { id: "two", dependsOn: ["one"], estimateMicros: 1_000, script: { mode: "succeed", cost_micros: 1_000 } },
      { id: "three", dependsOn: ["two"], estimateMicros: 1_000, script: { mode: "succeed", cost_micros: 1_000 } },
    ]);
    await run(spec);
    const done = await finished(spec.pipelineId);
    expect(done.status).toBe("failed");
    expect(done.reason).toMatch(/^budget_exceeded/);
    expect(done.steps.map((s: { status: string }) => s.status)).toEqual(["succeeded", "succeeded", "skipped"]);
    await settledDown(spec.pipelineId);
    expect((await env.ClientLedger.getByName(client).balance())).toMatchObject({ settled: 2_000, held: 0, available: 500 });
  });

  it("honours the pipeline's own budget limit", async () => {
    const client = await testClient();
    const spec = scriptedSpec(client, [{ id: "one", estimateMicros: 5_000 }], { budgetLimitMicros: 4_000 });
    await run(spec);
    const done = await finished(spec.pipelineId);
    expect(done.reason).toMatch(/budget_exceeded.*budget limit/);
  });

  it("cancels: running work is abandoned, holds and leases released", async () => {
    const client = await testClient();
    const worker = await testWorker(2);
    const spec = scriptedSpec(client, [{ id: "long", script: { mode: "hang", ms: 1_000 } }, { id: "next", dependsOn: ["long"] }], {}, worker);
    await run(spec);
    const stub = env.PipelineActor.getByName(spec.pipelineId);
    expect((await stub.summary())!.steps).toMatchObject([{ status: "running" }, { status: "pending" }]);
    const result = await stub.cancel();
    expect(result).toMatchObject({ ok: true, summary: { status: "cancelled" } });
    await settledDown(spec.pipelineId);
    // The cancelled call is still running: its hold and slot are kept (abandoned) until it answers.
    const abandoned = (await stub.inspect())!.abandoned;
    expect(abandoned).toMatchObject([{ key: `${spec.pipelineId}:long:1`, worker }]);
    expect((await env.ResourcePool.getByName(worker).inspect()).leases.map((l) => l.key)).toEqual([`${spec.pipelineId}:long:1`]);
    // When it answers, what it cost is settled and the slot freed.
    await waitFor(async () => ((await env.ResourcePool.getByName(worker).inspect()).leases.length === 0 ? true : undefined), 5_000, "slot freed");
    await waitFor(async () => ((await env.ClientLedger.getByName(client).balance()).held === 0 ? true : undefined), 5_000, "hold settled");
    expect((await env.ClientLedger.getByName(client).inspect()).balance).toMatchObject({ held: 0, settled: 0 });
    expect((await stub.inspect())!.abandoned).toEqual([]);
    // An ended run cannot be resumed or paused (409 over HTTP); cancelling it again repeats what is so.
    expect(await stub.resume()).toMatchObject({ ok: false, code: "illegal_transition", message: "the pipeline is cancelled; only a paused pipeline can be resumed" });
    expect(await stub.pause()).toMatchObject({ ok: false, code: "illegal_transition", message: "the pipeline already ended (cancelled); only a running pipeline can be paused" });
    expect(await stub.cancel()).toMatchObject({ ok: true, summary: { status: "cancelled" } });
  });

  it("an admitted run whose step costs more than its share but stays within the admission completes, charged in full", async () => {
    // The client has exactly the admission: nothing else to draw on.
    const client = await testClient(450);
    const worker = await testWorker(4);
    const spec = scriptedSpec(client, [
      { id: "a", estimateMicros: 150, script: { mode: "succeed", cost_micros: 160 } },
      { id: "b", dependsOn: ["a"], estimateMicros: 150, script: { mode: "succeed", cost_micros: 140 } },
      { id: "c", dependsOn: ["b"], estimateMicros: 150, script: { mode: "succeed", cost_micros: 150 } },
    ], { admissionMicros: 450 }, worker);
    await run(spec);
    expect((await finished(spec.pipelineId)).status).toBe("completed");
    await settledDown(spec.pipelineId);
    const books = await env.ClientLedger.getByName(client).inspect();
    expect(books.balance).toMatchObject({ settled: 450, held: 0, available: 0, unbilled: 0 });
    expect(books.open_holds).toEqual([]);
  });

  it("an admitted run that overruns its admission with nothing else available stops with budget_exceeded, charging what there was", async () => {
    const client = await testClient(600);
    const worker = await testWorker(4);
    const spec = scriptedSpec(client, ["a", "b", "c", "d"].map((id, i) => ({
      id, dependsOn: i === 0 ? [] : [["a", "b", "c", "d"][i - 1]!], estimateMicros: 150, script: { mode: "succeed", cost_micros: id === "a" ? 700 : 100 },
    })), { admissionMicros: 600 }, worker);
    await run(spec);
    const end = await finished(spec.pipelineId);
    expect(end.status).toBe("failed");
    expect(end.reason).toMatch(/^budget_exceeded: the run's real cost overran its estimate \(admitted for 600 micro-USD, 700 spent\) and the client's budget is used up: step 'a' cost 700 micro-USD, of which 100 could not be charged$/);
    expect(end.steps.map((st: { status: string }) => st.status)).toEqual(["succeeded", "skipped", "skipped", "skipped"]);
    await settledDown(spec.pipelineId);
    const books = await env.ClientLedger.getByName(client).inspect();
    expect(books.balance).toMatchObject({ settled: 600, held: 0, available: 0, unbilled: 100 });
    expect((await env.ClientLedger.getByName(client).verify()).ok).toBe(true);
  });

  it("cancels an admitted run: its admission is kept while the abandoned call runs, then released, and nothing is left held", async () => {
    const client = await testClient();
    const worker = await testWorker(2);
    const spec = scriptedSpec(client, [
      { id: "long", script: { mode: "hang", ms: 600, cost_micros: 700 } }, { id: "next", dependsOn: ["long"] },
    ], { admissionMicros: 5_000 }, worker);
    await run(spec);
    const stub = env.PipelineActor.getByName(spec.pipelineId);
    const ledger = env.ClientLedger.getByName(client);
    // The admission is the run's only hold: its steps' costs are charged from it.
    expect((await ledger.inspect()).open_holds.map((h) => h.key)).toEqual([`${spec.pipelineId}:run`]);
    expect(await stub.cancel()).toMatchObject({ ok: true, summary: { status: "cancelled" } });
    // The abandoned call still runs: the admission stays until its late cost is settled against it.
    expect((await stub.inspect())!.admission.status).toBe("held");
    await waitFor(async () => ((await stub.inspect())!.admission.status === "released" ? true : undefined), 5_000, "admission released");
    const books = await ledger.inspect();
    expect(books.open_holds).toEqual([]);
    expect(books.balance).toMatchObject({ held: 0, settled: 700 });
    expect((await ledger.verify()).ok).toBe(true);
    expect(books.recent_entries.filter((e) => e.key === `${spec.pipelineId}:run`).map((e) => e.kind)).toEqual(["hold", "release"]);
  });

  it("pauses (waiting steps give back holds and queue places) and resumes", async () => {
    const client = await testClient();
    const worker = await testWorker(1);
    const blocker = scriptedSpec(client, [{ id: "hog", script: { mode: "hang", ms: 400 } }], {}, worker);
    await run(blocker);
    const spec = scriptedSpec(client, [{ id: "waits" }], {}, worker);
    await run(spec);
    const stub = env.PipelineActor.getByName(spec.pipelineId);
    expect((await stub.summary())!.status).toBe("queued");
    expect((await stub.pause())).toMatchObject({ ok: true, summary: { status: "paused", steps: [{ status: "pending" }] } });
    expect((await env.ResourcePool.getByName(worker).inspect()).queue).toEqual([]);
    expect((await env.ClientLedger.getByName(client).inspect()).open_holds.map((h) => h.key)).not.toContain(`${spec.pipelineId}:waits:1`);
    expect((await stub.resume())).toMatchObject({ ok: true });
    expect((await finished(spec.pipelineId)).status).toBe("completed");
  });

  it("retries from a step after a failure", async () => {
    const client = await testClient();
    const spec = scriptedSpec(client, [
      { id: "first" },
      { id: "second", dependsOn: ["first"], script: { mode: "fail_times", times: 1, kind: "fatal" } },
      { id: "third", dependsOn: ["second"] },
    ]);
    await run(spec);
    expect((await finished(spec.pipelineId)).status).toBe("failed");
    const stub = env.PipelineActor.getByName(spec.pipelineId);
    expect(await stub.retry("nope")).toMatchObject({ ok: false, code: "not_found" });
    expect(await stub.retry("second")).toMatchObject({ ok: true });
    const done = await finished(spec.pipelineId);
    expect(done.status).toBe("completed");
    // "third" ran once, as attempt 2: its attempt 1 was the hold placed ahead, released (and so
    // used up: the ledger never holds a released key again) when the pipeline failed.
    expect(done.steps.map((s: { attempt: number }) => s.attempt)).toEqual([1, 2, 2]);
  });

  it("refuses illegal control transitions with a typed error", async () => {
    const client = await testClient();
    const spec = scriptedSpec(client, [{ id: "a" }]);
    await run(spec);
    await finished(spec.pipelineId);
    const stub = env.PipelineActor.getByName(spec.pipelineId);
    expect(await stub.retry("a")).toMatchObject({ ok: false, code: "illegal_transition" });
    expect(await env.PipelineActor.getByName("pip_never_created").pause()).toMatchObject({ ok: false, code: "not_found" });
  });
});

describe("PipelineActor: review findings", () => {
  it("ignores a duplicate grant for the step it is running (the slot stays taken)", async () => {
    const client = await testClient();
    const worker = await testWorker(1);
    const spec = scriptedSpec(client, [{ id: "long", script: { mode: "hang", ms: 600 } }], {}, worker);
    await run(spec);
    const key = `${spec.pipelineId}:long:1`;
    const lease = (await env.ResourcePool.getByName(worker).inspect()).leases[0]!;
    expect(lease.key).toBe(key);
    await env.PipelineActor.getByName(spec.pipelineId).capacityNotice({ kind: "granted", key, pipelineId: spec.pipelineId, lease, waitedMs: 0, worker });
    expect((await env.ResourcePool.getByName(worker).inspect()).leases.map((l) => l.key)).toEqual([key]);
    expect((await finished(spec.pipelineId)).status).toBe("completed");
  });

  it("acquires nothing while paused, even when a running step falls back to another worker", async () => {
    const client = await testClient();
    const primary = await testWorker();
    const fallback = await testWorker();
    const spec = scriptedSpec(client, [{ id: "s", workers: [primary, fallback], script: { mode: "fail_times", times: 1, kind: "fatal", delay_ms: 300 } }]);
    await run(spec);
    const stub = env.PipelineActor.getByName(spec.pipelineId);
    expect((await stub.pause())).toMatchObject({ ok: true });
    await waitFor(async () => ((await stub.summary())!.steps as { status: string }[])[0]!.status === "waiting_budget" ? true : undefined, 5_000, "fallback while paused");
    // Whatever the actor's alarm would do by itself while paused is done now, whenever it is set for.
    await runDurableObjectAlarm(stub);
    // A round already under way when the step fell back is not the alarm's: it gets a moment to
    // land (nothing announces that it did not acquire).
    await new Promise((r) => setTimeout(r, 100));
    const inspected = await stub.inspect();
    expect(inspected!.holds).toEqual([]);
    expect((await env.ResourcePool.getByName(fallback).inspect()).leases).toEqual([]);
    expect((await stub.resume())).toMatchObject({ ok: true });
    expect((await finished(spec.pipelineId)).steps[0]).toMatchObject({ status: "succeeded", worker: fallback });
  });

  it("never charges a cost the worker reports as fractional or negative", async () => {
    const client = await testClient();
    const spec = scriptedSpec(client, [{ id: "odd", script: { mode: "succeed", cost_micros: 1.5 } }]);
    await run(spec);
    const done = await finished(spec.pipelineId);
    expect(done.steps[0]).toMatchObject({ status: "failed", error: { code: "invalid_cost" } });
    await settledDown(spec.pipelineId);
    expect(await env.ClientLedger.getByName(client).balance()).toMatchObject({ settled: 0, held: 0 });
  });

  it("keeps parallel steps of one round within the pipeline's budget limit together", async () => {
    const client = await testClient();
    const spec = scriptedSpec(client, [
      { id: "left", estimateMicros: 600, script: { mode: "hang", ms: 200 } },
      { id: "right", estimateMicros: 600, script: { mode: "hang", ms: 200 } },
    ], { budgetLimitMicros: 1_000 });
    await run(spec);
    const done = await finished(spec.pipelineId);
    expect(done.status).toBe("failed");
    expect(done.reason).toMatch(/budget_exceeded/);
  });
});

describe("PipelineActor: abandoned attempts", () => {
  it("keeps a timed-out call's slot and hold until it answers, then charges what it really cost", async () => {
    const client = await testClient();
    const worker = await testWorker(1);
    const spec = scriptedSpec(client, [{
      id: "slow", timeoutMs: 150, retry: { maxAttempts: 1, baseMs: 5, capMs: 5 }, estimateMicros: 100,
      script: { mode: "hang", ms: 250, cost_micros: 50 },
    }], {}, worker);
    await run(spec);
    const done = await finished(spec.pipelineId);
    expect(done.steps[0]).toMatchObject({ status: "failed", error: { code: "timeout" } });
    // The call still runs: the pool still counts it, and its hold is kept.
    const key = `${spec.pipelineId}:slow:1`;
    const leases = (await env.ResourcePool.getByName(worker).inspect()).leases.map((l) => l.key);
    const held = (await env.ClientLedger.getByName(client).inspect()).open_holds.map((h) => h.key);
    expect(leases.includes(key) || held.includes(key) || (await env.ClientLedger.getByName(client).balance()).settled === 50).toBe(true);
    // Its late answer is charged (50 micro-USD) and the slot freed.
    await waitFor(async () => ((await env.ClientLedger.getByName(client).balance()).settled === 50 ? true : undefined), 5_000, "late cost charged");
    await waitFor(async () => ((await env.ResourcePool.getByName(worker).inspect()).leases.length === 0 ? true : undefined), 5_000, "slot freed");
    expect(await env.ClientLedger.getByName(client).balance()).toMatchObject({ settled: 50, held: 0 });
    await waitFor(async () => {
      const row = await env.DB.prepare(`SELECT total_cost_micros AS c FROM pipeline_executions WHERE pipeline_id = ?`).bind(spec.pipelineId).first<{ c: number }>();
      return row?.c === 50 ? true : undefined;
    }, 5_000, "history with the late cost");
  });
});

describe("PipelineActor: waitForEnd (the long poll behind GET /pipeline/:id?wait_ms=)", () => {
  it("answers the running summary when its wait runs out, and the ended one from a single call that waits for the end", async () => {
    const client = await testClient();
    const spec = scriptedSpec(client, [{ id: "slow", timeoutMs: 10_000, script: { mode: "succeed", delay_ms: 1_000 } }]);
    await run(spec);
    const stub = env.PipelineActor.getByName(spec.pipelineId);
    expect((await stub.waitForEnd(50))?.status).toBe("running");
    const ended = await stub.waitForEnd(10_000);
    expect(ended?.status).toBe("completed");
    expect(ended?.steps[0]).toMatchObject({ id: "slow", status: "succeeded" });
  });
});

describe("PipelineActor: the alarm while a call runs", () => {
  it("keeps its one alarm set ahead while a worker call runs, every time it fires, stretched as the call ages (no interval timer)", async () => {
    const client = await testClient();
    const spec = scriptedSpec(client, [{ id: "slow", timeoutMs: 10_000, script: { mode: "succeed", delay_ms: 3_000 } }]);
    await run(spec);
    const stub = env.PipelineActor.getByName(spec.pipelineId);
    await waitFor(async () => ((await stub.inspect())!.in_flight.length === 1 ? true : undefined), 5_000, "the call in flight");
    const since = Date.now();
    let checked = 0;
    for (let i = 0; i < 3; i++) {
      // The alarm fires (now, whatever it was set for) while the call runs: it is used up, and the
      // actor must set the next one itself, ahead, no later than the watchdog's longest stretch.
      const fired = await runDurableObjectAlarm(stub);
      const inspected = (await stub.inspect())!;
      if (inspected.summary.status !== "running") break;
      expect(fired).toBe(true);
      expect(inspected.next_alarm, `after firing ${i + 1}`).not.toBeNull();
      expect(inspected.next_alarm!).toBeGreaterThan(Date.now());
      expect(inspected.next_alarm! - Date.now()).toBeLessThanOrEqual(WATCHDOG_MAX_MS);
      checked += 1;
    }
    expect(checked).toBeGreaterThan(0);
    // A call that has run a second has its watchdog stretched to a quarter of its age: the alarm
    // is set further ahead than a fixed interval (WATCHDOG_MS) would.
    await new Promise((r) => setTimeout(r, Math.max(0, 1_200 - (Date.now() - since))));
    await runDurableObjectAlarm(stub);
    const aged = (await stub.inspect())!;
    expect(aged.summary.status).toBe("running");
    expect(aged.next_alarm! - Date.now()).toBeGreaterThan(WATCHDOG_MS);
    expect((await finished(spec.pipelineId)).status).toBe("completed");
  });
});
