/**
 * The PipelineActor's pure core: the state machine of one pipeline and its steps. No Cloudflare
 * API and no clock: each function takes the state (and `now`, and for backoff a random number)
 * and returns a new state. The shell performs what the state asks for (hold, reserve, execute,
 * settle, release), each effect idempotent by the attempt key, and feeds the answers back here.
 */
import { backoffMs, type RetryPolicy } from "../../lib/backoff";
import { hasRefs } from "../../storage/ref-marker";
import type { JsonObject } from "../../lib/json";
import type { FailureKind } from "../../workers/contract";
import { holds, mapInput, resolvePath, type Condition } from "./paths";

export { AdmissionStatuses, PipelineStatuses, StepStatuses, type AdmissionStatus, type PipelineStatus, type StepStatus } from "./statuses";
import { isEnded, RetryableStatuses, type AdmissionStatus, type PipelineStatus, type StepStatus } from "./statuses";

/** Legal pipeline transitions. Terminal states leave only by an explicit retry-from-a-step. */
export const PIPELINE_TRANSITIONS: Record<PipelineStatus, readonly PipelineStatus[]> = {
  pending: ["queued", "running", "paused", "failed", "cancelled", "completed", "partial"],
  queued: ["running", "paused", "failed", "cancelled", "completed", "partial"],
  running: ["queued", "paused", "completed", "partial", "failed", "cancelled"],
  paused: ["running", "queued", "cancelled", "failed"],
  completed: [],
  partial: ["running"],
  failed: ["running"],
  cancelled: ["running"],
};

/** Legal step transitions. Terminal steps leave only by retry-from-a-step (back to pending). */
export const STEP_TRANSITIONS: Record<StepStatus, readonly StepStatus[]> = {
  pending: ["waiting_budget", "skipped"],
  waiting_budget: ["waiting_capacity", "pending", "failed", "skipped"],
  waiting_capacity: ["running", "pending", "retry_wait", "failed", "skipped"],
  running: ["succeeded", "retry_wait", "waiting_budget", "failed", "skipped", "pending"],
  retry_wait: ["waiting_budget", "pending", "failed", "skipped"],
  succeeded: ["pending"],
  failed: ["pending"],
  skipped: ["pending"],
};

/** An illegal transition: a bug in the caller, never silently applied. */
export class TransitionError extends Error {
  readonly code = "illegal_transition";
  constructor(readonly subject: string, readonly from: string, readonly to: string) {
    super(`${subject}: illegal transition ${from} -> ${to}`);
    this.name = "TransitionError";
  }
}

/** Retry policy of a step: attempts, base and cap of its backoff. */

/** A resolved step of the template DAG. */
export interface StepSpec {
  id: string;
  /** Primary worker first, then fallbacks in order. */
  /** Primary then fallbacks; `baseCostMicros` is the registry's (D1) base cost per execution, charged by the worker. */
  workers: { name: string; binding: string; baseCostMicros?: number }[];
  dependsOn: string[];
  input: Record<string, string>;
  output: Record<string, string>;
  condition: Condition | null;
  optional: boolean;
  timeoutMs: number;
  retry: RetryPolicy;
  /** Held at the ledger before each attempt. */
  estimateMicros: number;
}

/** What a PipelineActor is created from. */
export interface PipelineSpec {
  pipelineId: string;
  templateName: string;
  clientId: string;
  requestId: string | null;
  priority: number;
  budgetLimitMicros: number | null;
  /** Absolute ms; the pipeline fails with deadline_exceeded after it. */
  deadlineAt: number | null;
  /** How long a step may wait for capacity. */
  maxWaitMs: number;
  inputs: JsonObject;
  steps: StepSpec[];
  /** The estimator's expected duration of each step (ms), for queue ETAs; absent: no finish estimate. */
  stepDurationsMs?: Record<string, number>;
  /**
   * The run's admission: one hold at the client's ledger for this much (the estimate's upper
   * bound), placed before the run starts; every step's cost is charged from it. Absent or null:
   * no admission (the runtime's own tests start runs so).
   */
  admissionMicros?: number | null;
}


/** A worker's failure, classified by the worker. */
export interface StepFailure { kind: FailureKind; code: string; message: string; retryAfterMs?: number }

/** What a worker answered. */
export type WorkerOutcome =
  | { ok: true; output: JsonObject; costMicros: number; durationMs: number; tokensIn: number; tokensOut: number; inputUnits?: number | null }
  | { ok: false; error: StepFailure; costMicros: number; durationMs: number; inputUnits?: number | null };

/** One attempt of a step, kept for history. */
export interface AttemptRecord {
  stepId: string; attempt: number; worker: string; key: string; success: boolean; costMicros: number;
  durationMs: number; tokensIn: number; tokensOut: number; errorCode: string | null; errorMessage: string | null;
  startedAt: number; finishedAt: number;
  /** The input's size in the worker's unit (feeds, articles…), as the worker reported it. */
  inputUnits?: number | null;
}

/** Effects the shell owes after a result or a cancellation, performed idempotently. */
export type Cleanup =
  | { kind: "settle"; key: string; actualMicros: number }
  | { kind: "release_hold"; key: string }
  | { kind: "release_capacity"; worker: string; key: string; observedMs: number | null };

/** A step at run time. */
export interface StepState {
  id: string;
  status: StepStatus;
  /** Attempts made so far (the current one included); keys are `${pipelineId}:${stepId}:${attempt}`. */
  attempt: number;
  workerIndex: number;
  /**
   * The attempt's budget is held at the ledger: the current attempt's, or for a pending step the
   * next attempt's (a hold placed ahead, see `toHoldAhead`).
   */
  held: boolean;
  /** Queued at the pool since `since` (ms), `position` and `etaMs` as the pool answered `at`; a backstop timer fires if no call-back comes. */
  queued: { position: number; etaMs: number; since: number; at?: number } | null;
  /** Attempts before the last retry-from-a-step; retries are counted from here. */
  attemptBase: number;
  startedAt: number | null;
  finishedAt: number | null;
  /** When a retry is due, or when a running attempt times out. */
  retryAt: number | null;
  timeoutAt: number | null;
  outputRef: string | null;
  costMicros: number;
  error: { code: string; message: string } | null;
  skippedReason: string | null;
}

/** The whole pipeline. */
export interface PipelineState {
  spec: PipelineSpec;
  status: PipelineStatus;
  steps: StepState[];
  /** Values stored by steps' output mappings. */
  context: JsonObject;
  /** Step outputs kept for mapping (the shell stores them durably and passes references). */
  outputs: Record<string, JsonObject>;
  costMicros: number;
  reason: string | null;
  /** Why optional steps failed or were skipped. */
  notes: string[];
  cleanup: Cleanup[];
  /**
   * Attempts given up on (timed out, or their pipeline ended) while the worker call may still be
   * running: their hold and pool slot are kept until the late answer arrives (then settled at its
   * real cost and released) or until `until`, so the pool counts work that really runs.
   */
  abandoned: { key: string; stepId: string; worker: string; until: number }[];
  attempts: AttemptRecord[];
  createdAt: number;
  startedAt: number | null;
  finishedAt: number | null;
  /** The round that holds budget ahead for every pending step has been answered (see `toHoldAhead`). */
  heldAhead: boolean;
  /** The run's admission hold (see `PipelineSpec.admissionMicros`). */
  admission: AdmissionStatus;
  /** The run's row exists in D1 (pipeline_executions, status processing). */
  registered: boolean;
  historyWritten: boolean;
  /**
   * Step payload bytes that passed through this actor (inputs sent, outputs received: small
   * values and references) against the same payloads whole, as the workers report them.
   */
  transfer: Transfer;
}

/** Bytes through the actor against whole payload bytes (see `PipelineState.transfer`). */
export interface Transfer { actorBytes: number; payloadBytes: number }

/** Counts one worker call's payload traffic. */
export function countTransfer(s: PipelineState, actorBytes: number, payloadBytes: number): PipelineState {
  return { ...s, transfer: { actorBytes: s.transfer.actorBytes + actorBytes, payloadBytes: s.transfer.payloadBytes + payloadBytes } };
}

/** The key of a run's admission hold (the envelope its steps' costs are charged from). */
export function admissionKey(pipelineId: string): string {
  return `${pipelineId}:run`;
}

/**
 * True while the run's admission is held: its steps hold nothing themselves at the ledger (the
 * admission reserves the run's money, and each step's cost is charged from it when it settles),
 * so a step ready to run acquires only capacity, and giving one up releases no hold.
 */
export function coveredByAdmission(s: PipelineState): boolean {
  return s.admission === "held";
}

/** The ledger admitted the run: its admission is held and it starts. */
export function admitted(s: PipelineState, now: number): PipelineState {
  if (s.admission !== "pending") return s;
  // No round holds ahead for an admitted run (see `needsHoldAhead`).
  return plan(start({ ...s, admission: "held", heldAhead: true }, now), now);
}

/**
 * True when the admission hold is owed back: the run has ended, nothing it started still runs
 * (abandoned calls settle their late cost against it), and every step's settlement has been sent
 * (they go first in the same ledger message, so they are charged from the admission before it is
 * freed).
 */
export function admissionReleaseDue(s: PipelineState, ledgerCleanupSent: boolean): boolean {
  return s.admission === "held" && isTerminal(s.status) && s.abandoned.length === 0
    && (ledgerCleanupSent || s.cleanup.every((c) => c.kind === "release_capacity"));
}

/** The admission hold was given back. */
export function admissionReleased(s: PipelineState): PipelineState {
  return s.admission === "held" ? { ...s, admission: "released" } : s;
}

/** The idempotency key of a step attempt: every effect of the attempt carries it. */
export function attemptKey(pipelineId: string, stepId: string, attempt: number): string {
  return `${pipelineId}:${stepId}:${attempt}`;
}

/** The step an attempt key of this pipeline names (`attemptKey` read back); null for another pipeline's key. */
export function stepIdOfKey(pipelineId: string, key: string): string | null {
  return key.startsWith(`${pipelineId}:`) ? key.slice(pipelineId.length + 1, key.lastIndexOf(":")) : null;
}

/** Where a succeeded attempt's output is stored (the step's `outputRef`). */
export function outputRef(stepId: string, attempt: number): string {
  return `sqlite:outputs/${stepId}/${attempt}`;
}

/** A step's first (primary) worker. */
export function firstWorker(spec: PipelineSpec, stepId: string): string | undefined {
  return spec.steps.find((st) => st.id === stepId)?.workers[0]?.name;
}

/** True for statuses a pipeline ends in. */
export function isTerminal(status: PipelineStatus): boolean {
  return isEnded(status);
}

/** True for statuses a step ends in. */
export function stepDone(status: StepStatus): boolean {
  return status === "succeeded" || status === "failed" || status === "skipped";
}

function movePipeline(s: PipelineState, to: PipelineStatus): PipelineState {
  if (s.status === to) return s;
  if (!PIPELINE_TRANSITIONS[s.status].includes(to)) throw new TransitionError(`pipeline ${s.spec.pipelineId}`, s.status, to);
  return { ...s, status: to };
}

function moveStep(step: StepState, to: StepStatus): StepState {
  if (step.status === to) return step;
  if (!STEP_TRANSITIONS[step.status].includes(to)) throw new TransitionError(`step ${step.id}`, step.status, to);
  return { ...step, status: to };
}

function withStep(s: PipelineState, id: string, f: (step: StepState) => StepState): PipelineState {
  return { ...s, steps: s.steps.map((st) => (st.id === id ? f(st) : st)) };
}

/** The spec of a step (throws for an unknown id). */
export function specOf(s: PipelineState, id: string): StepSpec {
  const spec = s.spec.steps.find((st) => st.id === id);
  if (!spec) throw new Error(`unknown step ${id}`);
  return spec;
}

/** The worker of a step's current attempt (primary or the fallback it moved to). */
export function currentWorker(s: PipelineState, st: StepState): string {
  return specOf(s, st.id).workers[st.workerIndex]!.name;
}

/** The idempotency key of a step's current attempt. */
export function currentKey(s: PipelineState, st: StepState): string {
  return attemptKey(s.spec.pipelineId, st.id, st.attempt);
}

/** The idempotency key a pending step's next attempt will carry. */
export function nextKey(s: PipelineState, st: StepState): string {
  return attemptKey(s.spec.pipelineId, st.id, st.attempt + 1);
}

/**
 * Budget is held ahead, once per run: when the pipeline starts, the shell holds every pending
 * step's estimate (under its first attempt's key) in the same ledger message as the first
 * step's, so a step that becomes ready needs only capacity. These are the steps to hold for,
 * in order, while the pipeline's own limit allows. A step whose hold ahead is refused holds
 * again when it is ready (and a refusal then ends the pipeline, as for any hold).
 */
export function toHoldAhead(s: PipelineState, roundHolds = 0): StepState[] {
  if (!needsHoldAhead(s)) return [];
  const out: StepState[] = [];
  let pending = roundHolds;
  for (const st of s.steps) {
    if (st.status !== "pending" || st.held || !withinPipelineBudget(s, st.id, pending)) continue;
    pending += specOf(s, st.id).estimateMicros;
    out.push(st);
  }
  return out;
}

/**
 * True until the round that holds budget ahead has been answered (a paused or ended pipeline
 * holds nothing). An admitted run holds nothing ahead, nor per step: its admission reserves the
 * run's money, and each step's cost is charged from it when it settles, so an earlier step's
 * overrun is paid from what is left of the admission.
 */
export function needsHoldAhead(s: PipelineState): boolean {
  return !s.heldAhead && !coveredByAdmission(s) && (s.status === "running" || s.status === "queued");
}

/**
 * The ledger's answers to the holds placed ahead (step id, the key held, whether it is held). A
 * step that became ready while the round was in flight (an earlier step failed for good, say)
 * takes its hold as its own; a hold that lands after its step moved on (the pipeline ended) is
 * given back, if `dropHeldAhead` has not released it already.
 */
export function onHeldAhead(s: PipelineState, answers: readonly { stepId: string; key: string; ok: boolean }[], now: number): PipelineState {
  let state: PipelineState = { ...s, heldAhead: true };
  for (const a of answers) {
    if (!a.ok) continue;
    const st = state.steps.find((x) => x.id === a.stepId)!;
    if (st.status === "pending" && !st.held && nextKey(state, st) === a.key) {
      state = withStep(state, a.stepId, (x) => ({ ...x, held: true }));
    } else if (st.status === "waiting_budget" && !st.held && currentKey(state, st) === a.key) {
      state = onHold(state, a.stepId, { ok: true }, now);
    } else if (st.held && (st.status === "pending" ? nextKey(state, st) : currentKey(state, st)) === a.key) {
      // Already held under this key.
    } else if (!state.cleanup.some((c) => c.kind === "release_hold" && c.key === a.key)) {
      state = { ...state, cleanup: [...state.cleanup, { kind: "release_hold", key: a.key }] };
    }
  }
  return state;
}

/**
 * A pending step's hold ahead, given up (the step is skipped): released, and the attempt number
 * it was placed for is used up, since the ledger never holds a released key again. While the
 * round that holds ahead may still be in flight (`heldAhead` false), it is released anyway: a
 * release that overtakes its hold makes the ledger refuse the hold when it lands.
 */
function dropHeldAhead(s: PipelineState, st: StepState, cleanup: Cleanup[]): StepState {
  if (st.status !== "pending" || !(st.held || !s.heldAhead)) return st;
  cleanup.push({ kind: "release_hold", key: nextKey(s, st) });
  return { ...st, held: false, attempt: st.attempt + 1 };
}

/** True when a step needs the shell to acquire budget or capacity for its current attempt. */
export function needsAcquisition(st: StepState): boolean {
  return (st.status === "waiting_budget" && !st.held) || (st.status === "waiting_capacity" && st.queued === null);
}

/** The step whose current attempt has this key, if any. */
export function stepByKey(s: PipelineState, key: string): StepState | undefined {
  return s.steps.find((st) => currentKey(s, st) === key);
}

/** A new pipeline, pending. */
export function createPipeline(spec: PipelineSpec, now: number): PipelineState {
  validateSpec(spec);
  return {
    spec, status: "pending",
    steps: spec.steps.map((st) => ({
      id: st.id, status: "pending", attempt: 0, attemptBase: 0, workerIndex: 0, held: false, queued: null, startedAt: null, finishedAt: null,
      retryAt: null, timeoutAt: null, outputRef: null, costMicros: 0, error: null, skippedReason: null,
    })),
    context: {}, outputs: {}, costMicros: 0, reason: null, notes: [], cleanup: [], abandoned: [], attempts: [],
    createdAt: now, startedAt: null, finishedAt: null, heldAhead: false, registered: false, historyWritten: false,
    admission: spec.admissionMicros != null ? "pending" : "none",
    transfer: { actorBytes: 0, payloadBytes: 0 },
  };
}

/** Refuses a spec whose DAG is malformed: unknown or cyclic dependencies, duplicate ids, no workers. */
export function validateSpec(spec: PipelineSpec): void {
  const ids = new Set<string>();
  for (const st of spec.steps) {
    if (ids.has(st.id)) throw new Error(`step '${st.id}' appears twice`);
    ids.add(st.id);
    if (st.workers.length === 0) throw new Error(`step '${st.id}' names no worker`);
  }
  for (const st of spec.steps) {
    for (const d of st.dependsOn) if (!ids.has(d)) throw new Error(`step '${st.id}' depends on unknown step '${d}'`);
  }
  const visiting = new Set<string>();
  const done = new Set<string>();
  const visit = (id: string): void => {
    if (done.has(id)) return;
    if (visiting.has(id)) throw new Error(`steps form a cycle through '${id}'`);
    visiting.add(id);
    for (const d of spec.steps.find((st) => st.id === id)!.dependsOn) visit(d);
    visiting.delete(id);
    done.add(id);
  };
  for (const st of spec.steps) visit(st.id);
}

/** What the run has cost: in all and per step (micro-USD). */
export function runCosts(s: PipelineState): { total_micros: number; steps: Record<string, number> } {
  return { total_micros: s.costMicros, steps: Object.fromEntries(s.steps.map((st) => [st.id, st.costMicros])) };
}

/** The root object paths resolve against (`$.costs` gives what the run has cost so far, for reports). */
export function pathRoot(s: PipelineState): JsonObject {
  return { inputs: s.spec.inputs, steps: s.outputs, context: s.context, costs: runCosts(s) };
}

/** The worker input of a step's current attempt. */
export function stepInput(s: PipelineState, id: string): JsonObject {
  return mapInput(specOf(s, id).input, pathRoot(s));
}

/** A step's retries wait with full jitter: uniform in [0, min(cap, base * 2^(attempt-1))) (the runtime's one backoff, lib/backoff.ts). */

/** Starts a pending pipeline. */
export function start(s: PipelineState, now: number): PipelineState {
  if (s.status !== "pending") return s;
  return { ...movePipeline(s, "running"), startedAt: now };
}

/**
 * Moves the DAG forward: skips steps whose condition fails or whose required dependency failed,
 * starts ready steps (to waiting_budget), moves due retries on, and ends the pipeline when every
 * step is done. Call after every change.
 */
export function plan(s: PipelineState, now: number): PipelineState {
  if (s.status === "paused" || isTerminal(s.status) || s.status === "pending") return s;
  let state = s;
  if (s.spec.deadlineAt !== null && now >= s.spec.deadlineAt) return fail(state, "deadline_exceeded", now);
  let changed = true;
  while (changed) {
    changed = false;
    for (const step of state.steps) {
      const spec = specOf(state, step.id);
      if (step.status === "retry_wait" && step.retryAt !== null && step.retryAt <= now) {
        state = withStep(state, step.id, (st) => ({ ...moveStep(st, "waiting_budget"), attempt: st.attempt + 1, held: false, retryAt: null, queued: null }));
        changed = true;
        continue;
      }
      if (step.status !== "pending") continue;
      const deps = spec.dependsOn.map((d) => state.steps.find((x) => x.id === d)!);
      if (!deps.every((d) => stepDone(d.status))) continue;
      const failedDep = deps.find((d) => d.status === "failed" && !specOf(state, d.id).optional);
      // A dependency skipped because of a failure upstream blocks this step too (one skipped by its condition does not).
      const blockedDep = deps.find((d) => d.status === "skipped" && d.skippedReason?.startsWith(BLOCKED_PREFIX));
      const skippedReason = failedDep ? `${BLOCKED_PREFIX}'${failedDep.id}' failed`
        : blockedDep ? blockedDep.skippedReason
        : spec.condition && !holds(spec.condition, pathRoot(state)) ? "condition not met" : null;
      if (skippedReason !== null) {
        const cleanup = [...state.cleanup];
        state = { ...withStep(state, step.id, (st) => ({ ...moveStep(dropHeldAhead(state, st, cleanup), "skipped"), skippedReason, finishedAt: now })), cleanup };
        changed = true;
        continue;
      }
      // A step whose budget was held ahead goes straight on to wait for capacity.
      state = withStep(state, step.id, (st) => {
        const ready = { ...moveStep(st, "waiting_budget"), attempt: st.attempt + 1, queued: null };
        return st.held ? moveStep(ready, "waiting_capacity") : { ...ready, held: false };
      });
      changed = true;
    }
  }
  return settleStatus(state, now);
}

/** How a step skipped because a required step upstream failed says so (`dependency 'enrich' failed`). */
const BLOCKED_PREFIX = "dependency ";

/** Derives running/queued, or the terminal status once every step is done. */
function settleStatus(s: PipelineState, now: number): PipelineState {
  if (isTerminal(s.status) || s.status === "paused") return s;
  if (s.steps.every((st) => stepDone(st.status))) {
    const requiredFailed = s.steps.find((st) => st.status === "failed" && !specOf(s, st.id).optional);
    if (requiredFailed) return fail(s, `step '${requiredFailed.id}' failed: ${requiredFailed.error?.message ?? "unknown error"}`, now);
    const optionalFailed = s.steps.filter((st) => st.status === "failed");
    const to = optionalFailed.length > 0 ? "partial" : "completed";
    return { ...movePipeline(s, to), finishedAt: now, reason: to === "partial" ? "optional steps failed" : null };
  }
  const active = s.steps.filter((st) => !stepDone(st.status) && st.status !== "pending");
  const allQueued = active.length > 0 && active.every((st) => st.status === "waiting_capacity" && st.queued !== null);
  return movePipeline(s, allQueued ? "queued" : "running");
}

/** Ends the pipeline as failed: open holds and reservations are released, nothing more is charged. */
export function fail(s: PipelineState, reason: string, now: number): PipelineState {
  if (isTerminal(s.status)) return s;
  return finish(s, "failed", reason, now);
}

/**
 * What giving up a step's current attempt owes: its hold (a step waiting for budget may have a
 * hold in flight; releasing it leaves a tombstone that refuses the late hold, or frees it if it
 * landed first) and its reservation (the shell reserves while it holds, so a step waiting for
 * budget may have one too).
 */
function releaseAttempt(s: PipelineState, st: StepState): Cleanup[] {
  const key = currentKey(s, st);
  const out: Cleanup[] = [];
  // A running attempt is abandoned instead (see `abandon`): its call may still be working.
  // A pending step has no current attempt (a hold ahead is for its next: see `dropHeldAhead`).
  if (st.status === "running" || st.status === "pending") return out;
  // A step of an admitted run holds nothing at the ledger (see `coveredByAdmission`).
  if ((st.held || st.status === "waiting_budget") && !coveredByAdmission(s)) out.push({ kind: "release_hold", key });
  if (st.status === "waiting_budget" || st.status === "waiting_capacity") {
    out.push({ kind: "release_capacity", worker: currentWorker(s, st), key, observedMs: null });
  }
  return out;
}

/** Abandons a running attempt: its hold and slot stay until its late answer or the grace period. */
function abandon(s: PipelineState, st: StepState, now: number): PipelineState["abandoned"][number] {
  return { key: currentKey(s, st), stepId: st.id, worker: currentWorker(s, st), until: now + specOf(s, st.id).timeoutMs };
}

/**
 * The late answer of an abandoned attempt: settle what it really cost (its hold was kept for
 * this) and give its slot back. Unknown keys change nothing.
 */
export function onLateAnswer(s: PipelineState, key: string, costMicros: number, durationMs: number): PipelineState {
  const a = s.abandoned.find((x) => x.key === key);
  if (!a) return s;
  return {
    ...s,
    abandoned: s.abandoned.filter((x) => x.key !== key),
    cleanup: [...s.cleanup, { kind: "settle", key, actualMicros: costMicros }, { kind: "release_capacity", worker: a.worker, key, observedMs: durationMs }],
    costMicros: s.costMicros + costMicros,
    // The history (if written) is rewritten with the late cost.
    historyWritten: costMicros > 0 ? false : s.historyWritten,
  };
}

function finish(s: PipelineState, to: "failed" | "cancelled", reason: string, now: number): PipelineState {
  const cleanup: Cleanup[] = [...s.cleanup];
  const abandoned = [...s.abandoned];
  const steps = s.steps.map((st) => {
    if (stepDone(st.status)) return st;
    cleanup.push(...releaseAttempt(s, st));
    if (st.status === "running") abandoned.push(abandon(s, st, now));
    return { ...dropHeldAhead(s, st, cleanup), status: "skipped" as const, skippedReason: reason, finishedAt: now, held: false, queued: null, retryAt: null, timeoutAt: null };
  });
  return { ...movePipeline(s, to), steps, cleanup, abandoned, reason, finishedAt: now };
}

/** The ledger's answer to a step's hold. Insufficient money stops the pipeline: budget_exceeded. */
export function onHold(s: PipelineState, stepId: string, answer: { ok: boolean; available?: number }, now: number): PipelineState {
  const step = s.steps.find((st) => st.id === stepId);
  if (!step || step.status !== "waiting_budget") return s;
  if (!answer.ok) {
    return fail(s, `budget_exceeded: step '${stepId}' needs ${specOf(s, stepId).estimateMicros} micro-USD, ${answer.available ?? 0} available`, now);
  }
  return plan(withStep(s, stepId, (st) => ({ ...moveStep(st, "waiting_capacity"), held: true })), now);
}

/** The pool's answer to a reservation (or its later call-back). */
export function onCapacity(
  s: PipelineState, stepId: string,
  answer: { status: "granted" } | { status: "queued"; position: number; etaMs: number } | { status: "rejected" | "timed_out"; reason: string },
  now: number, random: number,
): PipelineState {
  const step = s.steps.find((st) => st.id === stepId);
  if (!step || step.status !== "waiting_capacity" || s.status === "paused" || isTerminal(s.status)) return s;
  if (answer.status === "queued") {
    return settleStatus(withStep(s, stepId, (st) => ({ ...st, queued: { position: answer.position, etaMs: answer.etaMs, since: st.queued?.since ?? now, at: now } })), now);
  }
  if (answer.status === "granted") {
    const spec = specOf(s, stepId);
    return settleStatus(withStep(s, stepId, (st) => ({
      ...moveStep(st, "running"), queued: null, startedAt: st.startedAt ?? now, timeoutAt: now + spec.timeoutMs,
    })), now);
  }
  // No capacity: the attempt fails transiently (the hold is released) and counts as an attempt,
  // so a pool that keeps refusing uses up the retries instead of looping for ever.
  const record: AttemptRecord = {
    stepId, attempt: step.attempt, worker: currentWorker(s, step), key: currentKey(s, step),
    success: false, costMicros: 0, durationMs: 0, tokensIn: 0, tokensOut: 0, errorCode: `capacity_${answer.status}`,
    errorMessage: `no capacity: ${answer.reason}`, startedAt: now, finishedAt: now,
  };
  return attemptFailed({ ...s, attempts: [...s.attempts, record] }, stepId,
    { kind: "transient", code: `capacity_${answer.status}`, message: `no capacity: ${answer.reason}` }, 0, 0, now, random, false);
}

/** A worker's answer for the step's current attempt. A late answer for an older attempt is ignored. */
export function onResult(s: PipelineState, stepId: string, attempt: number, outcome: WorkerOutcome, outputRef: string | null, now: number, random: number): PipelineState {
  const step = s.steps.find((st) => st.id === stepId);
  if (!step || step.attempt !== attempt || step.status !== "running" || isTerminal(s.status)) return s;
  const spec = specOf(s, stepId);
  const key = currentKey(s, step);
  const worker = currentWorker(s, step);
  const record: AttemptRecord = {
    stepId, attempt, worker, key, success: outcome.ok, costMicros: outcome.costMicros, durationMs: outcome.durationMs,
    tokensIn: outcome.ok ? outcome.tokensIn : 0, tokensOut: outcome.ok ? outcome.tokensOut : 0,
    errorCode: outcome.ok ? null : outcome.error.code, errorMessage: outcome.ok ? null : outcome.error.message,
    startedAt: step.startedAt ?? now, finishedAt: now, inputUnits: outcome.inputUnits ?? null,
  };
  if (!outcome.ok) return attemptFailed({ ...s, attempts: [...s.attempts, record] }, stepId, outcome.error, outcome.costMicros, outcome.durationMs, now, random, true);
  const cleanup: Cleanup[] = [
    ...s.cleanup,
    { kind: "settle", key, actualMicros: outcome.costMicros },
    { kind: "release_capacity", worker, key, observedMs: outcome.durationMs },
  ];
  const context = { ...s.context };
  for (const [name, path] of Object.entries(spec.output)) {
    const value = resolvePath(path, outcome.output);
    if (value !== undefined) context[name] = value;
  }
  const next: PipelineState = {
    ...withStep(s, stepId, (st) => ({
      ...moveStep(st, "succeeded"), held: false, finishedAt: now, timeoutAt: null, outputRef, costMicros: st.costMicros + outcome.costMicros, error: null,
    })),
    outputs: { ...s.outputs, [stepId]: outcome.output },
    context, cleanup, costMicros: s.costMicros + outcome.costMicros, attempts: [...s.attempts, record],
  };
  return plan(next, now);
}

/**
 * A failed attempt: settle what it cost, give its slot back, then retry (with backoff) while
 * attempts remain and the failure is retriable, else try the next fallback worker, else fail
 * the step (an optional step's failure makes the pipeline partial, a required one's fails it).
 */
function attemptFailed(
  s: PipelineState, stepId: string, error: StepFailure, costMicros: number, durationMs: number, now: number, random: number, hadCapacity: boolean,
  stillRunning = false,
): PipelineState {
  const step = s.steps.find((st) => st.id === stepId)!;
  const spec = specOf(s, stepId);
  const key = currentKey(s, step);
  const worker = currentWorker(s, step);
  // A timed-out call may still be running: keep its hold and slot (abandoned) until it answers.
  const base: PipelineState = stillRunning
    ? { ...s, abandoned: [...s.abandoned, abandon(s, step, now)] }
    : {
      ...s,
      cleanup: [...s.cleanup, { kind: "settle", key, actualMicros: costMicros },
        ...(hadCapacity ? [{ kind: "release_capacity" as const, worker, key, observedMs: durationMs }] : [])],
      costMicros: s.costMicros + costMicros,
    };
  // Every failed attempt is recorded before this point; count those since the last retry-from-a-step.
  const attemptsOnWorker = s.attempts.filter((a) => a.stepId === stepId && a.worker === worker && a.attempt > step.attemptBase).length;
  const failedStep = { ...step, held: false, queued: null, timeoutAt: null, costMicros: step.costMicros + costMicros, error: { code: error.code, message: error.message } };
  if (error.kind !== "fatal" && attemptsOnWorker < spec.retry.maxAttempts) {
    const wait = error.kind === "retry_after" && error.retryAfterMs !== undefined ? error.retryAfterMs : backoffMs(spec.retry, attemptsOnWorker, random);
    return settleStatus(withStep(base, stepId, () => ({ ...moveStep(failedStep, "retry_wait"), retryAt: now + wait })), now);
  }
  if (step.workerIndex + 1 < spec.workers.length) {
    const moved = moveStep(failedStep, step.status === "running" ? "waiting_budget" : "retry_wait");
    const next = moved.status === "waiting_budget"
      ? { ...moved, workerIndex: step.workerIndex + 1, attempt: step.attempt + 1 }
      : { ...moved, workerIndex: step.workerIndex + 1, retryAt: now };
    return plan(withStep(base, stepId, () => next), now);
  }
  const failed = withStep(base, stepId, () => ({ ...moveStep(failedStep, "failed"), finishedAt: now }));
  const withNote = spec.optional ? { ...failed, notes: [...failed.notes, `optional step '${stepId}' failed: ${error.message}`] } : failed;
  return plan(withNote, now);
}

/** A running attempt passed its timeout: a transient failure (the late answer will be ignored). */
export function onTimeout(s: PipelineState, stepId: string, now: number, random: number): PipelineState {
  const step = s.steps.find((st) => st.id === stepId);
  if (!step || step.status !== "running" || step.timeoutAt === null || step.timeoutAt > now) return s;
  const spec = specOf(s, stepId);
  const record: AttemptRecord = {
    stepId, attempt: step.attempt, worker: currentWorker(s, step), key: currentKey(s, step),
    success: false, costMicros: 0, durationMs: now - (step.startedAt ?? now), tokensIn: 0, tokensOut: 0,
    errorCode: "timeout", errorMessage: `no answer within ${spec.timeoutMs} ms`, startedAt: step.startedAt ?? now, finishedAt: now,
  };
  return attemptFailed({ ...s, attempts: [...s.attempts, record] }, stepId,
    { kind: "transient", code: "timeout", message: `no answer within ${spec.timeoutMs} ms` }, 0, record.durationMs, now, random, true, true);
}

/** The shell performed a cleanup effect. */
export function cleanupDone(s: PipelineState, done: Cleanup): PipelineState {
  const i = s.cleanup.findIndex((c) => c === done || sameCleanup(c, done));
  return i < 0 ? s : { ...s, cleanup: [...s.cleanup.slice(0, i), ...s.cleanup.slice(i + 1)] };
}

/** True when two cleanup entries are the same effect (every field equal). */
function sameCleanup(a: Cleanup, b: Cleanup): boolean {
  if (a.kind !== b.kind || a.key !== b.key) return false;
  if (a.kind === "settle") return a.actualMicros === (b as typeof a).actualMicros;
  if (a.kind === "release_capacity") return a.worker === (b as typeof a).worker && a.observedMs === (b as typeof a).observedMs;
  return true;
}

/**
 * Pause: no new step starts. Steps waiting for budget or capacity give their hold and queue place
 * back and return to pending; running steps finish (their answers are kept). Holds placed ahead
 * for pending steps stay (cancel releases them), so resuming cannot fail for budget on them.
 */
export function pause(s: PipelineState, now: number): PipelineState {
  if (s.status === "paused" || isTerminal(s.status)) return s;
  const cleanup: Cleanup[] = [...s.cleanup];
  const steps = s.steps.map((st) => {
    if (st.status !== "waiting_budget" && st.status !== "waiting_capacity" && st.status !== "retry_wait") return st;
    cleanup.push(...releaseAttempt(s, st));
    return { ...moveStep(st, "pending"), held: false, queued: null, retryAt: null };
  });
  void now;
  return { ...movePipeline(s, "paused"), steps, cleanup };
}

/** Resume a paused pipeline. */
export function resume(s: PipelineState, now: number): PipelineState {
  if (s.status !== "paused") return s;
  return plan(movePipeline(s, "running"), now);
}

/**
 * Why a control command cannot apply to a pipeline in this state, or null when it can (or only
 * repeats what is already so: pausing a paused run, cancelling a cancelled one).
 */
export function controlRefusal(s: PipelineState, action: "pause" | "resume" | "cancel"): string | null {
  const ended = isTerminal(s.status) ? `the pipeline already ended (${s.status})` : null;
  if (action === "cancel") return ended && s.status !== "cancelled" ? `${ended}; there is nothing to cancel` : null;
  if (action === "pause") return ended ? `${ended}; only a running pipeline can be paused` : null;
  return s.status === "paused" ? null : `the pipeline is ${s.status}; only a paused pipeline can be resumed`;
}

/** Cancel: every unfinished step is skipped, holds and reservations are released. */
export function cancel(s: PipelineState, now: number): PipelineState {
  if (isTerminal(s.status)) return s;
  return finish(s, "cancelled", "cancelled by request", now);
}

/**
 * In a state a retry-from-a-step leads to (`retryFrom`), the step it keeps whose stored outputs
 * are older than `maxAgeMs` (stored payloads expire), or null when the retry can go ahead.
 */
export function expiredKept(kept: PipelineState, now: number, maxAgeMs: number): string | null {
  const stale = kept.steps.find((st) => st.status === "succeeded" && st.finishedAt !== null && now - st.finishedAt > maxAgeMs && hasRefs(kept.outputs[st.id] ?? {}));
  return stale?.id ?? null;
}

/**
 * Retry from a step: that step and everything downstream of it go back to pending (their
 * outputs forgotten) and the pipeline runs again. Allowed when paused or ended failed, partial
 * or cancelled.
 */
export function retryFrom(s: PipelineState, stepId: string, now: number): PipelineState {
  if (!RetryableStatuses.includes(s.status)) {
    throw new TransitionError(`pipeline ${s.spec.pipelineId}`, s.status, "running (retry)");
  }
  specOf(s, stepId);
  const downstream = new Set([stepId]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const st of s.spec.steps) {
      if (!downstream.has(st.id) && st.dependsOn.some((d) => downstream.has(d))) { downstream.add(st.id); grew = true; }
    }
  }
  // Steps the ending skipped (not those whose condition failed) must run too for the pipeline to finish.
  for (const st of s.steps) {
    if (st.status === "skipped" && st.skippedReason !== "condition not met") downstream.add(st.id);
  }
  const cleanup: Cleanup[] = [...s.cleanup];
  const steps = s.steps.map((st) => {
    if (!downstream.has(st.id)) return st;
    if (st.status === "running") throw new TransitionError(`step ${st.id}`, st.status, "pending (retry while running)");
    // A paused step may be mid-acquisition: give back what its current attempt holds. A pending
    // step keeps a hold placed ahead (it is for the attempt it will make next).
    if (!stepDone(st.status)) cleanup.push(...releaseAttempt(s, st));
    return {
      ...moveStep(st, "pending"), workerIndex: 0, attemptBase: st.attempt, held: st.status === "pending" && st.held, queued: null, retryAt: null, timeoutAt: null,
      outputRef: null, error: null, skippedReason: null, finishedAt: null,
    };
  });
  const outputs = Object.fromEntries(Object.entries(s.outputs).filter(([id]) => !downstream.has(id)));
  // While the admission is held, its steps hold nothing: no round holds ahead.
  const resumed: PipelineState = { ...movePipeline(s, "running"), steps, outputs, cleanup, reason: null, finishedAt: null, heldAhead: coveredByAdmission(s), historyWritten: false };
  return plan(resumed, now);
}

/** How long past max_wait a queued step waits for the pool's call-back before giving up on it. */
export const QUEUE_BACKSTOP_MS = 5_000;

/**
 * The earliest time something must happen without a caller: a retry due, a timeout, the
 * deadline, or the backstop of a queued step (the pool's call-back may be lost). While paused,
 * retries wait for resume and so are not timers.
 */
export function nextTimer(s: PipelineState): number | null {
  const grace = s.abandoned.map((a) => a.until);
  if (isTerminal(s.status)) return grace.length === 0 ? null : Math.min(...grace);
  const paused = s.status === "paused";
  const times = s.steps.flatMap((st) => [
    paused ? null : st.retryAt,
    st.timeoutAt,
    st.status === "waiting_capacity" && st.queued ? st.queued.since + s.spec.maxWaitMs + QUEUE_BACKSTOP_MS : null,
  ]).filter((t): t is number => t !== null);
  if (s.spec.deadlineAt !== null && s.status !== "paused") times.push(s.spec.deadlineAt);
  times.push(...grace);
  return times.length === 0 ? null : Math.min(...times);
}

/** Fires every timer that is due. */
export function onTimers(s: PipelineState, now: number, random: () => number): PipelineState {
  let state = s;
  // Abandoned calls that never answered (the object may have restarted): settle nothing, free the slot.
  for (const a of state.abandoned) {
    if (a.until <= now) state = onLateAnswer(state, a.key, 0, now - (a.until - specOf(state, a.stepId).timeoutMs));
  }
  for (const st of state.steps) {
    if (st.status === "running" && st.timeoutAt !== null && st.timeoutAt <= now) state = onTimeout(state, st.id, now, random());
    // No call-back from the pool long after max_wait: treat the wait as timed out (a lost grant's
    // lease expires by its TTL) and retry with a fresh attempt.
    if (st.status === "waiting_capacity" && st.queued && now >= st.queued.since + state.spec.maxWaitMs + QUEUE_BACKSTOP_MS && state.status !== "paused") {
      state = onCapacity(state, st.id, { status: "timed_out", reason: "no call-back from the pool" }, now, random());
    }
  }
  return plan(state, now);
}

/** The step whose attempt holds under `key` (`pipeline:step:attempt`), if any. */
function stepOfKey(s: PipelineState, key: string): StepSpec | undefined {
  const stepId = stepIdOfKey(s.spec.pipelineId, key);
  return stepId === null ? undefined : s.spec.steps.find((st) => st.id === stepId);
}

/**
 * True when a settlement owed costs more than the hold it settles: it goes to the ledger at
 * once rather than in the next batch, since the overrun may use up what the client has left
 * (see `onSettledShort`).
 */
export function overrunOwed(s: PipelineState): boolean {
  return s.cleanup.some((c) => c.kind === "settle" && c.actualMicros > (stepOfKey(s, c.key)?.estimateMicros ?? Infinity));
}

/**
 * The ledger could charge only part of a step's real cost: the run has overrun its estimate and
 * the client has nothing left. The run stops here (budget_exceeded, saying so) rather than doing
 * more work that cannot be charged; what it did cost but could not be charged is the ledger's
 * unbilled figure.
 */
export function onSettledShort(s: PipelineState, key: string, actual: number, charged: number, now: number): PipelineState {
  if (isTerminal(s.status)) return s;
  const step = stepOfKey(s, key);
  return fail(s, `budget_exceeded: the run's real cost overran its estimate (admitted for ${s.spec.admissionMicros ?? "no estimate"} micro-USD, `
    + `${s.costMicros} spent) and the client's budget is used up: step '${step?.id ?? key}' cost ${actual} micro-USD, of which ${actual - charged} could not be charged`, now);
}

/**
 * The pipeline's own limit: the hold that would pass it is not made. `pending` is what other
 * holds of the same round add (they are not `held` yet).
 */
export function withinPipelineBudget(s: PipelineState, stepId: string, pending = 0): boolean {
  if (s.spec.budgetLimitMicros === null) return true;
  const outstanding = s.steps.filter((st) => st.held && st.id !== stepId).reduce((n, st) => n + specOf(s, st.id).estimateMicros, 0);
  return s.costMicros + outstanding + pending + specOf(s, stepId).estimateMicros <= s.spec.budgetLimitMicros;
}
