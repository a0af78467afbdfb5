import {
  createPipeline, onHold, plan, start,
  type PipelineSpec, type PipelineState,
} from "../../src/actors/pipeline/machine";

/**
 * A one-step pipeline spec for state-machine tests: step "a" with a primary and a fallback
 * worker, two attempts each, 10 ms backoff and a 1 s timeout; `overrides` replace whole fields.
 */
export function oneStepSpec(overrides: Partial<PipelineSpec> = {}): PipelineSpec {
  return {
    pipelineId: "p", templateName: "t", clientId: "c", requestId: null, priority: 0, budgetLimitMicros: null, deadlineAt: null,
    maxWaitMs: 1_000, inputs: {},
    steps: [{
      id: "a", workers: [{ name: "w1", binding: "X" }, { name: "w2", binding: "X" }], dependsOn: [], input: {}, output: {},
      condition: null, optional: false, timeoutMs: 1_000, retry: { maxAttempts: 2, baseMs: 10, capMs: 10 }, estimateMicros: 10,
    }],
    ...overrides,
  };
}

/** A pipeline of `sp` started and planned at time 0. */
export const started = (sp = oneStepSpec()): PipelineState => plan(start(createPipeline(sp, 0), 0), 0);

/** `s` with step "a"'s budget hold granted at time 0. */
export const held = (s: PipelineState): PipelineState => onHold(s, "a", { ok: true }, 0);
