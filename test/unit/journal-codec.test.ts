import { describe, expect, it } from "vitest";
import { decodeNote, encodeNote } from "../../src/actors/pipeline/checkpoints";
import { diffEvents, storedEvents, summarize } from "../../src/actors/pipeline/events";
import { createPipeline, type PipelineState } from "../../src/actors/pipeline/machine";
import type { JsonObject } from "../../src/lib/json";
import { oneStepSpec } from "./one-step-spec";

/** What the PipelineActor's journal stores shorter than it sends, read back whole. */
describe("the journal's compact forms", () => {
  it("a checkpoint note keeps its status and every label, the usual prefixes shortened", () => {
    const labels = ["cleanup:release_capacity:s1", "held:s2", "reserved:s2", "result:s2", "cleanup:settle:a:b", "cleanup:release_hold:x",
      "dispatch:s3", "late:s3", "admitted", "registered", "history", "retry:held:s4"];
    const note = encodeNote(labels, "running");
    expect(note.length).toBeLessThan(`running ${labels.join(" ")}`.length - 40);
    expect(decodeNote(note)).toEqual({ status: "running", labels: labels.join(" ") });
    // A note written before was a JSON object, and may name its steps.
    expect(decodeNote(JSON.stringify({ labels: "result:a", status: "completed", steps: { a: "succeeded" } })))
      .toEqual({ labels: "result:a", status: "completed", steps: { a: "succeeded" } });
  });

  it("events are read back as they were sent: created and step events exactly, finished as the state's summary with how the run ended", () => {
    const created = createPipeline(oneStepSpec(), 1_000);
    const running: PipelineState = { ...created, status: "running", startedAt: 1_001, steps: [{ ...created.steps[0]!, status: "running", attempt: 1, startedAt: 1_001 }] };
    const onFallback: PipelineState = { ...running, steps: [{ ...running.steps[0]!, workerIndex: 1 }] };
    const done: PipelineState = {
      ...onFallback, status: "completed", finishedAt: 1_010, costMicros: 7,
      steps: [{ ...onFallback.steps[0]!, status: "succeeded", finishedAt: 1_010, costMicros: 7, outputRef: "sqlite:outputs/a/1" }],
    };
    let current: PipelineState | null = null;
    const codec = storedEvents(() => current);
    const sent = [...diffEvents(null, created), ...diffEvents(created, running), ...diffEvents(running, done)];
    const stored = sent.map((e) => {
      // The state the write happens in (null for the first).
      const s = codec.store(e.type, e.payload);
      current = done;
      return { type: e.type, payload: JSON.parse(JSON.stringify(s)) as JsonObject };
    });
    expect(sent.map((e) => e.type)).toEqual(["pipeline_created", "pipeline_status", "step_started", "pipeline_status", "step_succeeded", "cost_updated", "pipeline_status", "pipeline_finished"]);
    current = done;
    const read = stored.map((e) => ({ type: e.type, payload: codec.load(e.type, e.payload) }));
    for (const [i, e] of sent.entries()) expect(read[i], e.type).toEqual(JSON.parse(JSON.stringify(e)));
    // Stored shorter: the created event's spec fields, a first worker, the usual output reference, the summary.
    expect(JSON.stringify(stored).length).toBeLessThan(JSON.stringify(sent).length * 0.6);
    // A step that ran on its fallback keeps its worker's name in the log.
    const fallback = stored.find((e) => e.type === "step_succeeded")!;
    expect(fallback.payload.worker).toBe("w2");
    // Read after the run was retried, the finished event still says how it ended then.
    current = { ...done, status: "running", finishedAt: null };
    const finished = codec.load("pipeline_finished", stored.at(-1)!.payload);
    expect(finished).toMatchObject({ status: "completed", finished_at: 1_010, cost_micros: 7, steps: summarize(current).steps });
  });
});
