import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { finished, quiesce, scriptedSpec, testClient, testWorker } from "./pipeline-helpers";
import { WATCHDOG_MS } from "../src/actors/pipeline/watchdog";

/**
 * What a pipeline writes to its actor's SQLite, as SQLite counts rows (what storage bills) and
 * as bytes bound: a write is one journal row (its events, checkpoint and state change) and a
 * step's output, the state rows are written only as a snapshot (at creation, then every
 * SNAPSHOT_EVERY_WRITES writes), and a step's share does not grow with the length of the pipeline.
 */
describe("what a pipeline writes", () => {
  it("a few rows per step, and the same per step for 5 steps as for 20", async () => {
    const client = await testClient();
    const worker = await testWorker(100);
    const written: Record<number, { rows: number; bytes: number; alarmWrites: number; byTable: Record<string, { rows: number; bytes: number }> }> = {};
    const tookMs: Record<number, number> = {};
    for (const n of [5, 20]) {
      const steps = Array.from({ length: n }, (_, i) => ({ id: `s${i + 1}`, dependsOn: i === 0 ? [] : [`s${i}`], script: { output: { ok: true } }, estimateMicros: 10 }));
      const spec = scriptedSpec(client, steps, { admissionMicros: n * 20 }, worker);
      const stub = env.PipelineActor.getByName(spec.pipelineId);
      await stub.create(spec);
      const summary = await finished(spec.pipelineId);
      expect(summary.status).toBe("completed");
      tookMs[n] = summary.finished_at - summary.created_at;
      await quiesce([spec.pipelineId]);
      written[n] = await stub.storageWritten();
    }
    const detail = JSON.stringify(written);
    // A step's share does not grow with the length of the run (owed settlements and the final
    // summary ride along; nothing may be rewritten for every step of the run at every write).
    expect(written[20]!.rows / 20, detail).toBeLessThanOrEqual(written[5]!.rows / 5);
    expect(written[20]!.bytes / 20, detail).toBeLessThan((written[5]!.bytes / 5) * 1.25);
    const rowsPerStep = (written[20]!.rows - written[5]!.rows) / 15;
    const bytesPerStep = (written[20]!.bytes - written[5]!.bytes) / 15;
    // Before the lean write path: 20 rows and 6.25 KB per step (checkpoint rows repeating every
    // step's status, a meta document carrying the context, two rows per keyed write); before the
    // journal was the state, 7.5 rows and 2 KB (the state's rows rewritten at every write). Now
    // about 2 rows; how many writes a step takes depends on whether its answer comes before the
    // round's deferred write (timing), hence the margin.
    expect(rowsPerStep, detail).toBeLessThanOrEqual(3);
    expect(bytesPerStep, detail).toBeLessThanOrEqual(1_024);
    // A write is one journal row, never one per label or per event: at most two a step, and the
    // state's own rows only in snapshots (the one at creation, for a run this short).
    expect(written[20]!.byTable.event_batches!.rows, detail).toBeLessThanOrEqual(2 * 20 + 4);
    expect(written[20]!.byTable.meta!.rows, detail).toBe(1);
    expect(written[20]!.byTable.step_rows, detail).toBeUndefined();
    expect(written[20]!.byTable.attempts, detail).toBeUndefined();
    expect(written[20]!.byTable.step_outputs!.rows).toBe(20);
    // The alarm (a storage write too) is set once while the run works and cleared at its end,
    // moved on only by the watchdog (once per WATCHDOG_MS a run takes, on a loaded machine): the
    // driver's own work in progress does not pull it to now at every step (that was 2 writes a step).
    for (const n of [5, 20]) expect(written[n]!.alarmWrites, `${n} steps in ${tookMs[n]} ms: ${detail}`).toBeLessThanOrEqual(3 + Math.ceil(tookMs[n]! / WATCHDOG_MS));
  });
});
