import { env } from "cloudflare:workers";
import { EventLog } from "../src/actors/shared/event-log";
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { ResourcePool } from "../src/actors/resource-pool";
import { finished, scriptedSpec, settledDown, testClient, testWorker } from "./pipeline-helpers";

describe("100 pipelines on a pool of 4", () => {
  it("never has more than 4 in flight, and all complete", async () => {
    const client = await testClient();
    const worker = await testWorker(4);
    const specs = Array.from({ length: 100 }, () =>
      scriptedSpec(client, [{ id: "work", script: { mode: "succeed", delay_ms: 5, cost_micros: 10, count: false } }], {}, worker));
    await Promise.all(specs.map((spec) => env.PipelineActor.getByName(spec.pipelineId).create(spec)));
    const results = await Promise.all(specs.map((spec) => finished(spec.pipelineId, 60_000)));
    expect(results.every((r) => r.status === "completed")).toBe(true);
    await Promise.all(specs.map((spec) => settledDown(spec.pipelineId)));

    // Replay the pool's gapless event log: in-flight after every grant, release and expiry.
    const events = await runInDurableObject(env.ResourcePool.getByName(worker), (_: ResourcePool, state) =>
      new EventLog(state.storage.sql).since(0)!.map((e) => ({ seq: e.seq, type: e.type })));
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    let inFlight = 0;
    let peak = 0;
    for (const e of events) {
      if (e.type === "granted") inFlight++;
      if (e.type === "released" || e.type === "expired") inFlight--;
      peak = Math.max(peak, inFlight);
      expect(inFlight).toBeLessThanOrEqual(4);
    }
    expect(peak).toBe(4);
    expect(inFlight).toBe(0);
    expect(events.filter((e) => e.type === "granted")).toHaveLength(100);
    expect(events.filter((e) => e.type === "queued").length).toBeGreaterThan(0);
    const ledger = await env.ClientLedger.getByName(client).balance();
    expect(ledger).toMatchObject({ settled: 1_000, held: 0 });
  }, 90_000);
});
