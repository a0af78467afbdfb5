import { WorkerEntrypoint } from "cloudflare:workers";
import type { JsonObject } from "../lib/json";
import { workerFailure, type Handshake, type StepWorker, type WorkerResult } from "./contract";

/**
 * A worker that does what its input's `script` says, for testing and benchmarking the runtime
 * before (and apart from) the real workers:
 *
 *   { "mode": "succeed", "output": {...}, "cost_micros": 100, "delay_ms": 0 }
 *   { "mode": "fail_times", "times": 2, "kind": "transient" }   fails the first N runs of the step
 *   { "mode": "fail" }                                          fails for good (fatal)
 *   { "mode": "retry_after", "ms": 50, "times": 1 }             asks to be retried after `ms`
 *   { "mode": "hang", "ms": 5000 }                              answers after `ms` (past a timeout)
 *
 * Runs are counted per pipeline step in KV, and each idempotency key's effect is written once
 * (`scripted:effect:<key>`), so tests can see at-least-once execution with exactly-once effects.
 * Refuses to run in production.
 */
/** What a script can make the worker do. */
const MODES: readonly string[] = ["succeed", "fail_times", "fail", "retry_after", "hang"];

export class ScriptedWorker extends WorkerEntrypoint<Env> implements StepWorker {
  async execute(h: Handshake): Promise<WorkerResult> {
    const started = Date.now();
    if (this.env.ENVIRONMENT === "production") {
      return workerFailure("fatal", "not_available", "the scripted worker does not run in production");
    }
    const script = (h.input.script ?? { mode: "succeed" }) as JsonObject;
    // A mistyped mode would quietly run the happy path: refused instead, naming the modes.
    if (script.mode !== undefined && !MODES.includes(script.mode as string)) {
      return workerFailure("fatal", "invalid_input", `input.script.mode: '${String(script.mode).slice(0, 40)}' is not one of ${MODES.join(", ")}`);
    }
    const count = script.count === false ? false : true;
    let runs = 1;
    if (count) {
      const runsKey = `scripted:runs:${h.pipeline_id}:${h.step_id}`;
      runs = Number((await this.env.PAYLOADS.get(runsKey)) ?? "0") + 1;
      await this.env.PAYLOADS.put(runsKey, String(runs));
      await this.env.PAYLOADS.put(`scripted:exec:${h.idempotency_key}:${runs}`, "1");
    }
    const delay = Number(script.delay_ms ?? 0);
    if (delay > 0) await new Promise((r) => setTimeout(r, delay));
    const took = () => Date.now() - started;
    switch (script.mode) {
      case "fail_times":
        if (runs <= Number(script.times ?? 1)) {
          return workerFailure(script.kind === "fatal" ? "fatal" : "transient", "scripted_failure", `scripted failure ${runs}`, { costMicros: Number(script.failure_cost_micros ?? 0), durationMs: took() });
        }
        break;
      case "fail":
        return workerFailure("fatal", "scripted_fatal", "scripted to fail for good", { durationMs: took() });
      case "retry_after":
        if (runs <= Number(script.times ?? 1)) {
          return workerFailure("retry_after", "busy", "scripted busy", { retryAfterMs: Number(script.ms ?? 100), durationMs: took() });
        }
        break;
      case "hang":
        await new Promise((r) => setTimeout(r, Number(script.ms ?? 60_000)));
        break;
    }
    if (count) {
      const effectKey = `scripted:effect:${h.idempotency_key}`;
      if ((await this.env.PAYLOADS.get(effectKey)) === null) await this.env.PAYLOADS.put(effectKey, String(runs));
    }
    const output: JsonObject = { ...((script.output as JsonObject | undefined) ?? {}), step: h.step_id, attempt: h.attempt, runs };
    return { ok: true, output, cost_micros: Number(script.cost_micros ?? 0), duration_ms: took(), usage: { input_tokens: 0, output_tokens: 0 } };
  }
}
