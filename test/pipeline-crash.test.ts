import { env } from "cloudflare:workers";
import { abortAllDurableObjects, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { finished, scriptedSpec, settledDown, testClient, testWorker, waitFor } from "./pipeline-helpers";

const STEPS = ["s1", "s2", "s3", "s4", "s5"];
const COST = 1_000;

/** A 5-step pipeline: s1 -> (s2, s3) -> s4 -> s5, each costing COST; `admission`: admitted for that much first. */
function fiveSteps(client: string, worker: string, delayed?: string, admission?: number) {
  return scriptedSpec(client, [
    { id: "s1", script: { mode: "succeed", cost_micros: COST, delay_ms: delayed === "s1" ? 150 : 0 } },
    { id: "s2", dependsOn: ["s1"], script: { mode: "succeed", cost_micros: COST, delay_ms: delayed === "s2" ? 150 : 0 } },
    { id: "s3", dependsOn: ["s1"], script: { mode: "succeed", cost_micros: COST, delay_ms: delayed === "s3" ? 150 : 0 } },
    { id: "s4", dependsOn: ["s2", "s3"], script: { mode: "succeed", cost_micros: COST, delay_ms: delayed === "s4" ? 150 : 0 } },
    { id: "s5", dependsOn: ["s4"], script: { mode: "succeed", cost_micros: COST, delay_ms: delayed === "s5" ? 150 : 0 } },
  ], admission === undefined ? {} : { admissionMicros: admission }, worker);
}

/**
 * Every effect happened once: one hold and one settle per step attempt, nothing left held or
 * leased; with an admission, its hold placed once and given back once, at the end.
 */
async function expectEffectsOnce(pipelineId: string, client: string, worker: string, admitted = false) {
  const done = await finished(pipelineId, 20_000);
  expect(done.status).toBe("completed");
  expect(done.steps.map((s: { status: string }) => s.status)).toEqual(STEPS.map(() => "succeeded"));
  await settledDown(pipelineId);
  const ledger = await env.ClientLedger.getByName(client).inspect(500);
  expect(ledger.balance).toMatchObject({ settled: STEPS.length * COST, held: 0 });
  expect(ledger.open_holds).toEqual([]);
  for (const step of STEPS) {
    const key = `${pipelineId}:${step}:1`;
    const entries = ledger.recent_entries.filter((e) => e.key === key).map((e) => e.kind);
    // An admitted run's steps hold nothing themselves: each is charged once from the admission.
    expect(entries, key).toEqual(admitted ? ["settle"] : ["hold", "settle"]);
    expect(await env.PAYLOADS.get(`scripted:effect:${key}`), key).not.toBeNull();
  }
  if (admitted) {
    const kinds = ledger.recent_entries.filter((e) => e.key === `${pipelineId}:run`).map((e) => e.kind);
    expect(kinds).toEqual(["hold", "release"]);
    expect(ledger.recent_entries.filter((e) => e.kind === "hold").at(0)?.key).toBe(`${pipelineId}:run`);
    expect((await env.ClientLedger.getByName(client).verify()).ok).toBe(true);
  }
  expect((await env.ResourcePool.getByName(worker).inspect()).leases).toEqual([]);
  const results = await env.DB.prepare(`SELECT step_id, count(*) AS n FROM worker_execution_results WHERE pipeline_id = ? GROUP BY step_id`).bind(pipelineId).all();
  expect(results.results).toHaveLength(STEPS.length);
  expect(results.results.every((r) => r.n === 1)).toBe(true);
}

/** True once the armed fault has fired: a point fires once and is cleared from the object's SQLite first. */
async function faultFired(pipelineId: string): Promise<boolean> {
  return runInDurableObject(env.PipelineActor.getByName(pipelineId), (_, state) => state.storage.sql.exec<{ n: number }>(`SELECT count(*) AS n FROM faults`).one().n === 0);
}

describe("PipelineActor under crashes", () => {
  // s1 holds when it starts; s2..s5 are held ahead in the same round (checkpoint "held_ahead").
  // Then the D1 registration (carried by a later write) and the history, the run's last write.
  const boundaries = ["created", "held:s1", "held_ahead", ...STEPS.flatMap((s) => [`reserved:${s}`, `dispatch:${s}`, `result:${s}`, `cleanup:settle:${s}`, `cleanup:release_capacity:${s}`]), "registered", "history"];

  it.each(boundaries)("completes with every effect once after an abort at %s", async (point) => {
    const client = await testClient();
    const worker = await testWorker(4);
    const spec = fiveSteps(client, worker);
    const stub = env.PipelineActor.getByName(spec.pipelineId);
    await stub.injectFault(point);
    try {
      await stub.create(spec);
    } catch {
      // The abort can land inside create() itself; the actor resumes from its checkpoint anyway.
    }
    await expectEffectsOnce(spec.pipelineId, client, worker);
    // The abort happened (the run did not merely complete around an unreached point).
    expect(await faultFired(spec.pipelineId)).toBe(true);
    const inspected = await env.PipelineActor.getByName(spec.pipelineId).inspect(500);
    expect(inspected!.checkpoints.flatMap((c) => c.label.split(" "))).toContain(point === "created" ? "created" : point.startsWith("dispatch") ? `reserved:${point.split(":")[1]}` : point);
  });

  it.each(STEPS)("completes with every effect once after an abort in the middle of %s", async (step) => {
    const client = await testClient();
    const worker = await testWorker(4);
    const spec = fiveSteps(client, worker, step);
    const stub = env.PipelineActor.getByName(spec.pipelineId);
    const runsKey = `scripted:runs:${spec.pipelineId}:${step}`;
    await stub.create(spec);
    // Checked every 10 ms (not the helper's slower default): the step runs for 150 ms, and the
    // abort must land inside it.
    await waitFor(async () => {
      const s = (await stub.summary()) as { steps: { id: string; status: string }[] } | null;
      if (s?.steps.find((x) => x.id === step)?.status !== "running") return undefined;
      // The worker has counted its first run and is inside its delay: the abort lands mid-step.
      return (await env.PAYLOADS.get(runsKey)) === "1" ? true : undefined;
    }, 10_000, `${step} to run`, 10);
    await abortAllDurableObjects();
    await expectEffectsOnce(spec.pipelineId, client, worker);
    // The step ran again after the crash (at-least-once execution) under the same key.
    expect(Number(await env.PAYLOADS.get(runsKey))).toBeGreaterThanOrEqual(2);
  });

  // With an admission: the run is recorded (created), admitted (its hold), then each step holds
  // within it when ready (no holds ahead); the admission hold goes back last (admission_released).
  const admittedBoundaries = ["created", "admitted", "held:s1", "reserved:s2", "result:s3", "held:s4", "cleanup:settle:s5", "admission_released"];
  it.each(admittedBoundaries)("an admitted run completes with every effect once, its admission held and given back once, after an abort at %s", async (point) => {
    const client = await testClient();
    const worker = await testWorker(4);
    const spec = fiveSteps(client, worker, undefined, 10 * COST);
    const stub = env.PipelineActor.getByName(spec.pipelineId);
    await stub.injectFault(point);
    try {
      await stub.create(spec);
    } catch {
      // The abort can land inside create() itself; the alarm finishes the admission and the run.
    }
    await expectEffectsOnce(spec.pipelineId, client, worker, true);
    expect(await faultFired(spec.pipelineId)).toBe(true);
    const labels = (await env.PipelineActor.getByName(spec.pipelineId).inspect(500))!.checkpoints.flatMap((c) => c.label.split(" "));
    expect(labels).toContain(point);
    expect(labels).toContain("admission_released");
  });
});
