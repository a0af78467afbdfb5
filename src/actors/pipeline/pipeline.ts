import type { Connection } from "partyserver";
import type { PipelineInspection } from "../../contracts/admin";
import type { RunResult, StepDetail } from "../../contracts/pipeline";
import type { JsonObject } from "../../lib/json";
import { describeError, log } from "../../lib/log";
import { KV_TTL_SECONDS, utf8Bytes } from "../../storage/payloads";
import { workerFailure, type StepProgress, type WorkerResult } from "../../workers/contract";
import { workerEntrypoint } from "../../workers/registry";
import type { ClientLedger, LedgerResult } from "../client-ledger";
import type { CapacityListener, PoolNotice, ResourcePool } from "../resource-pool";
import { RefusalCodes, type ActorRefusal, type PipelineRefusalCode } from "../refusals";
import { ActorServer } from "../shared/actor-server";
import { openActor, type ActorBasics } from "../shared/actor-start";
import { arbitrate, type Due } from "../shared/alarm-arbiter";
import { classify, FailureBook, PEER_RETRY, Refusal } from "../shared/failures";
import { greet } from "../shared/live";
import type { StorageMeter } from "../shared/metered-sql";
import { Checkpoints, decodeNote } from "./checkpoints";
import { checkpointSteps, progressEvent, summarize } from "./events";
import { FaultInjector } from "./faults";
import {
  admissionKey, admitted, attemptKey, cancel, controlRefusal, createPipeline, currentKey, currentWorker, expiredKept, isTerminal, nextKey, nextTimer,
  onCapacity, onLateAnswer, onResult, onTimers, outputRef, pause, plan, resume, retryFrom, specOf, start, stepByKey, stepInput, TransitionError,
  type PipelineSpec, type PipelineState, type StepState,
} from "./machine";
import type { PipelineSummary } from "./protocol";
import { applyRound, owesRound, planRound, SETTLE_BATCH_MS, settlementsDue, settlementsOwed } from "./round";
import { RunHistory } from "./run-history";
import { PIPELINE_MIGRATIONS, PIPELINE_SCHEMA } from "./schema";
import { loadOutput } from "./store";
import { Watchdog, WATCHDOG_MS } from "./watchdog";
import { handshakeFor, outcomeOf, toDispatch, withTransfer } from "./worker-call";

/** A control command the state allows but the shell refuses (e.g. a retry whose kept outputs expired). */
class Refused extends Error {}

/** The state, when the control command applies to it; else a refusal (409 over HTTP) saying why. */
function refuseUnless(s: PipelineState, action: "pause" | "resume" | "cancel"): PipelineState {
  const refusal = controlRefusal(s, action);
  if (refusal !== null) throw new Refused(refusal);
  return s;
}

/** The answer to a control command. */
export type ControlResult = { ok: true; summary: PipelineSummary } | ({ ok: false } & ActorRefusal<PipelineRefusalCode>);

/**
 * The answer to `create`: the run was admitted (its summary), or the client's ledger could not
 * hold what it needs (nothing was kept: the same pipeline id may be tried again later).
 */
export type CreateResult =
  | { admitted: true; summary: PipelineSummary }
  | { admitted: false; available: number; requested: number }
  /** The ledger did not answer: the run is recorded and its alarm asks again (with backoff). */
  | { admitted: "pending" };

/**
 * One pipeline run (named by pipeline id): a thin shell over the pure core (`machine.ts` for the
 * state, `round.ts` for what a round with the peers owes and how its answers apply), made of
 * small capabilities, each behind a narrow interface:
 * - `Checkpoints` (checkpoints.ts): the state and its write path, every change written before
 *   the next effect, with its events and checkpoint in one journal row;
 * - `Watchdog` (watchdog.ts): the worker calls in flight here, their liveness and lease renewal;
 * - `RunHistory` (run-history.ts): the run's rows in D1;
 * - live events (events.ts): what subscribers get, and `greet` on connect;
 * - `FaultInjector` (faults.ts): crash points that only tests wire in.
 * A single-flight driver performs what the state asks for, each effect carrying the attempt's
 * idempotency key, so after a crash the driver simply runs again from the last checkpoint. One
 * alarm, set in one place (`scheduleNextAlarm`, from each capability's due time), covers
 * retries, timeouts, the deadline, owed effects and the watchdog while calls run.
 *
 * What it keeps only in memory is a cache or dies with its calls: the stubs, the calls in
 * flight, a round written late (sent again if lost), grants that overtook their reserve's answer
 * (the reserve is answered "granted" when sent again), since when settlements have been owed
 * (after a restart they go within SETTLE_BATCH_MS), and the long polls of `waitForEnd`.
 */
export class PipelineActor extends ActorServer implements CapacityListener {
  static override options = { hibernate: true };

  private basics!: ActorBasics;
  private checkpoints!: Checkpoints;
  private faults!: FaultInjector;
  private history!: RunHistory;
  /** What the actor retries or gave up on (drive, register, history): capped, kept for operators. */
  private failures!: FailureBook;
  private readonly watchdog = new Watchdog();
  /** The driver: one round at a time, and whether another is owed. */
  private driving = false;
  private again = false;
  /** The admission hold in flight (`admit`): concurrent creates and the alarm share it. */
  private admitting: Promise<CreateResult> | null = null;
  /** Grants that arrived while the step's own reserve was still in flight (its answer may say "queued"). */
  private readonly earlyGrants = new Set<string>();
  /** Since when settlements have been owed to the ledger (a cache: after a restart they go soon). */
  private settlementsOwedSince: number | null = null;
  /** Long polls waiting for the pipeline to end (`waitForEnd`). */
  private readonly endWaiters = new Set<() => void>();
  /** Stubs are kept for the object's life (creating one per call costs), and dropped after a failed round. */
  private ledgerStub: DurableObjectStub<ClientLedger> | null = null;
  private readonly poolStubs = new Map<string, DurableObjectStub<ResourcePool>>();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    void ctx.blockConcurrencyWhile(() => this.start());
  }

  private async start(): Promise<void> {
    this.basics = await openActor(this.ctx, PIPELINE_MIGRATIONS, PIPELINE_SCHEMA, true);
    const { sql, events } = this.basics;
    this.checkpoints = new Checkpoints(this.ctx.storage, sql, events, {
      written: (messages, next, labels) => this.written(messages, next, labels),
      flushed: () => void this.drive(),
      flushFailed: (error) => { if (!this.faults.crashing) log("error", "checkpoint failed", { pipeline_id: this.name, ...describeError(error) }); },
    });
    // A pipeline's spec holds its id (its name, however it was woken): no stored copy needed.
    await this.loadName(() => this.state?.spec.pipelineId ?? null, false);
    this.faults = new FaultInjector(sql, this.ctx, this.env.ENVIRONMENT !== "production");
    this.failures = new FailureBook(sql, () => ({ kind: "pipeline", name: this.name, clientId: this.state?.spec.clientId ?? null }), () => this.env.DB);
    this.history = new RunHistory({
      db: this.env.DB, failures: this.failures,
      record: (run, delivered) => this.ctx.exports.DeliverableRecorder.record(run, delivered),
      state: () => this.state,
      commit: (next, label) => this.checkpoints.commit(next, label),
      carry: (next, label) => this.checkpoints.carry(next, label),
      settled: () => this.scheduleNextAlarm(),
    }, () => this.name);
    // Whatever was running when the object stopped is dispatched again by the alarm.
    this.scheduleNextAlarm();
  }

  private get state(): PipelineState | null {
    return this.checkpoints.state;
  }

  /** After every write: wake the long polls when the run ended, publish its events, crash at an armed label. */
  private written(messages: readonly { seq: number }[], next: PipelineState, labels: readonly string[]): void {
    if (isTerminal(next.status)) for (const done of [...this.endWaiters]) done();
    for (const message of messages) this.broadcast(JSON.stringify(message));
    for (const label of labels) this.faults.reach(label);
  }

  // ---- RPC ---------------------------------------------------------------------------------

  /**
   * A running step's progress from its worker (the harness throttles it): streamed to watchers
   * as `step_progress` and kept in the event log for those who reconnect. Progress of an attempt
   * that is not running any more is ignored.
   */
  stepProgress(p: StepProgress): void {
    const s = this.state;
    const event = s && !this.faults.crashing ? progressEvent(s, p) : null;
    if (!event) return;
    // The round that started the step is written first, so its step_started comes before this.
    this.checkpoints.flush();
    const message = this.basics.events.append(event.type, event.payload, Date.now());
    this.broadcast(JSON.stringify(message));
  }

  /** Liveness probe for /health. */
  ping(): "pong" {
    return "pong";
  }

  /**
   * Creates and starts the pipeline. With an admission amount in the spec, the run is first
   * admitted: one hold at the client's ledger for its whole estimate, placed before this answers;
   * a refusal keeps nothing (see `CreateResult`). The run is recorded (pending) before the hold
   * is asked, so a crash in between is finished by the alarm: no hold is ever left without its
   * run. Idempotent: a second call returns the existing pipeline.
   */
  async create(spec: PipelineSpec): Promise<CreateResult> {
    if (spec.pipelineId !== this.name) throw new Error(`spec is for '${spec.pipelineId}', this actor is '${this.name}'`);
    if (!this.state) {
      const now = Date.now();
      await this.armForWork();
      const created = createPipeline(spec, now);
      this.checkpoints.commit(created.admission === "pending" ? created : plan(start(created, now), now), "created");
    }
    if (this.state!.admission === "pending") {
      let outcome: CreateResult;
      try {
        outcome = await this.admit();
      } catch (error) {
        // The ledger did not answer: the recorded run is admitted (or forgotten) by its alarm.
        this.peerRoundFailed(error);
        this.scheduleNextAlarm();
        return { admitted: "pending" };
      }
      if (outcome.admitted !== true) return outcome;
    }
    await this.drive();
    return { admitted: true, summary: summarize(this.state!) };
  }

  /** Asks the ledger for the run's admission hold (one request in flight at a time). */
  private admit(): Promise<CreateResult> {
    this.admitting ??= this.askAdmission().finally(() => { this.admitting = null; });
    return this.admitting;
  }

  private async askAdmission(): Promise<CreateResult> {
    const s = this.state!;
    const amount = s.spec.admissionMicros ?? 0;
    const [answer] = await this.ledger().batch([{ type: "hold", key: admissionKey(s.spec.pipelineId), amount }]);
    if (answer?.status === "ok") {
      // Carried by the first round's write: after a restart before it, the hold is asked again
      // under the same key and answered the same.
      this.checkpoints.carry(admitted(this.state!, Date.now()), "admitted");
      return { admitted: true, summary: summarize(this.state!) };
    }
    if (answer?.status === "insufficient") {
      // Not admitted: its state, checkpoints, events and alarm are forgotten.
      this.checkpoints.forget();
      this.scheduleNextAlarm();
      return { admitted: false, available: answer.available, requested: amount };
    }
    throw new Error(`ledger answered the admission hold with '${answer?.status ?? "nothing"}'`);
  }

  /** The pipeline's summary (null before it was created, or when `scope` names another client), with waiting steps' queue places read now. */
  async summary(scope: string | null = null): Promise<PipelineSummary | null> {
    const s = this.state;
    // Another client's run is not there for it (checked before any pool is asked).
    if (!s || (scope !== null && s.spec.clientId !== scope)) return null;
    // Steps waiting in a pool's queue: their place now, not when they were queued (not committed:
    // a read; the pool calls back when it grants).
    const now = Date.now();
    const waiting = s.steps.filter((st) => st.status === "waiting_capacity" && st.queued !== null);
    if (waiting.length === 0) return summarize(s, now);
    const places = await Promise.all(waiting.map((st) => this.pool(currentWorker(s, st)).position(currentKey(s, st)).catch(() => null)));
    const fresh = new Map(waiting.map((st, i) => [st.id, places[i]]));
    return summarize({
      ...s,
      steps: s.steps.map((st) => {
        const place = fresh.get(st.id);
        return place && st.queued ? { ...st, queued: { ...st.queued, position: place.position, etaMs: place.etaMs, at: now } } : st;
      }),
    }, now);
  }

  /**
   * One step's input (as its current attempt gets it: null before its dependencies are done),
   * its output, and its attempts with their errors; values stored by reference stay references
   * (the router reads them). Null before creation, for an unknown step, or when `scope` names
   * another client.
   */
  stepDetail(stepId: string, scope: string | null = null): (StepDetail & { input: JsonObject | null; output: JsonObject | null }) | null {
    const s = this.state;
    if (!s || (scope !== null && s.spec.clientId !== scope)) return null;
    const step = s.steps.find((st) => st.id === stepId);
    if (!step) return null;
    const ready = step.status !== "pending" && step.status !== "skipped";
    return {
      step_id: stepId, status: step.status,
      input: ready ? stepInput(s, stepId) : null,
      output: s.outputs[stepId] ?? null,
      attempts: s.attempts.filter((a) => a.stepId === stepId).map((a) => ({
        attempt: a.attempt, worker: a.worker, success: a.success, cost_micros: a.costMicros, duration_ms: a.durationMs,
        error: a.errorCode === null ? null : { code: a.errorCode, message: a.errorMessage ?? "" },
        started_at: a.startedAt, finished_at: a.finishedAt,
      })),
    };
  }

  /**
   * What the run has produced so far: the pipeline context its steps' output mappings filled
   * (the report, the package), with the summary's status and costs. Null before creation.
   */
  result(): (Omit<RunResult, "cost_usd" | "context"> & { context: JsonObject }) | null {
    const s = this.state;
    if (!s) return null;
    return { pipeline_id: s.spec.pipelineId, status: s.status, reason: s.reason, cost_micros: s.costMicros, finished_at: s.finishedAt, context: s.context,
      step_costs: Object.fromEntries(s.steps.map((st) => [st.id, st.costMicros])) };
  }

  /**
   * A long poll: the summary once the pipeline has ended, or its current summary after
   * `timeoutMs` (at most a minute); null before it was created. Its timer is the caller's wait,
   * nothing the actor needs after an eviction (the caller asks again).
   */
  async waitForEnd(timeoutMs: number): Promise<PipelineSummary | null> {
    if (this.state && !isTerminal(this.state.status) && timeoutMs > 0) {
      await new Promise<void>((resolve) => {
        const done = () => { clearTimeout(timer); this.endWaiters.delete(done); resolve(); };
        const timer = setTimeout(done, Math.min(timeoutMs, 60_000));
        this.endWaiters.add(done);
      });
    }
    return this.state ? summarize(this.state) : null;
  }

  /** What this object has written to its SQLite since it started: rows (as SQLite counts them: what storage bills), bytes, statements, by table; and alarm writes. */
  storageWritten(): StorageMeter & { alarmWrites: number } {
    return { ...structuredClone(this.basics.meter), alarmWrites: this.basics.clock.writes };
  }

  /** The owning client, for authorising subscribers. */
  owner(): string | null {
    return this.state?.spec.clientId ?? null;
  }

  /** Everything an admin inspects. */
  async inspect(limit = 50) {
    const s = this.state;
    if (!s) return null;
    this.checkpoints.flush(); // shows every checkpoint decided so far
    const events = this.basics.events;
    // Checked against the inspection schema here (the RPC keeps the structural type: a schema type with `unknown` fields would not cross RPC).
    return {
      summary: summarize(s),
      spec: JSON.parse(JSON.stringify(s.spec)) as JsonObject,
      context: s.context,
      // One per write: the labels of the answers it recorded, and the steps it changed.
      checkpoints: events.notes(limit).map((c) => {
        // A note written before the journal told steps by its events carries them itself.
        const note = decodeNote(c.note);
        return { seq: c.id, at: c.at, label: note.labels, status: note.status, steps: note.steps ?? checkpointSteps(c.events) };
      }),
      due: { next_timer: nextTimer(s), deadline_at: s.spec.deadlineAt },
      next_alarm: await this.ctx.storage.getAlarm(),
      // A pending step's hold was placed ahead, for its next attempt.
      holds: s.steps.filter((st) => st.held).map((st) => st.status === "pending"
        ? { step_id: st.id, key: nextKey(s, st), ahead: true }
        : { step_id: st.id, key: currentKey(s, st), ahead: false }),
      leases: s.steps.filter((st) => st.status === "running" || (st.status === "waiting_capacity" && st.queued)).map((st) => ({
        step_id: st.id, key: currentKey(s, st), worker: currentWorker(s, st), status: st.status,
      })),
      // The run's admission hold at the ledger (its steps' costs are charged from it).
      admission: { key: admissionKey(s.spec.pipelineId), status: s.admission, amount_micros: s.spec.admissionMicros ?? null },
      cleanup: s.cleanup.map((c) => ({ ...c })),
      abandoned: s.abandoned.map((a) => ({ ...a })),
      // What it retries with backoff, gave up on, or wrote reduced (drive, register, history, ledger refusals).
      failures: this.failures.list(),
      attempts: s.attempts.length,
      in_flight: this.watchdog.keys(),
      bytes_written: this.basics.meter.bytes,
      storage_written: { rows: this.basics.meter.rows, bytes: this.basics.meter.bytes, statements: this.basics.meter.statements, alarm_writes: this.basics.clock.writes },
      event_seq: events.lastSeq,
      recent_events: events.tail(20),
    } satisfies PipelineInspection;
  }

  /** The stored output of a step's succeeded attempt. */
  output(stepId: string): JsonObject | null {
    const st = this.state?.steps.find((s) => s.id === stepId);
    if (!st?.outputRef) return null;
    return loadOutput(this.basics.sql, stepId, st.attempt);
  }

  /**
   * An operator's retry of what the actor gave up on (its rounds with the ledger and pools, its
   * D1 registration or history): those records are cleared, here and in D1, and it drives again.
   * Null before creation.
   */
  async redrive(): Promise<{ cleared: string[]; summary: PipelineSummary } | null> {
    if (!this.state) return null;
    const cleared = this.failures.list().filter((r) => r.outcome === "gave_up").map((r) => r.operation);
    for (const operation of cleared) this.failures.clear(operation);
    if (cleared.length > 0) await this.history.clearGivenUp();
    await this.drive();
    return { cleared, summary: summarize(this.state!) };
  }

  /** Stops starting new steps; waiting steps give back their holds and queue places. */
  pause(): Promise<ControlResult> {
    return this.control((s, now) => pause(refuseUnless(s, "pause"), now), "paused");
  }

  /** Continues a paused pipeline. */
  resume(): Promise<ControlResult> {
    return this.control((s, now) => resume(refuseUnless(s, "resume"), now), "resumed");
  }

  /** Ends the pipeline: unfinished steps are skipped, holds and reservations released. */
  cancel(): Promise<ControlResult> {
    return this.control((s, now) => cancel(refuseUnless(s, "cancel"), now), "cancelled");
  }

  /**
   * Runs a step and everything downstream of it again. The run's history row and its request go
   * back to processing (best effort: the history write at the run's end sets them either way).
   */
  async retry(stepId: string): Promise<ControlResult> {
    if (this.state && !this.state.spec.steps.some((s) => s.id === stepId)) {
      return { ok: false, code: RefusalCodes.not_found, message: `pipeline has no step '${stepId}'` };
    }
    const result = await this.control((s, now) => {
      const next = retryFrom(s, stepId, now);
      // Refuse rather than fail later: a kept step's stored outputs live KV_TTL_SECONDS (an hour's margin).
      const stale = expiredKept(next, now, (KV_TTL_SECONDS - 3_600) * 1000);
      if (stale) throw new Refused(`step '${stale}' finished too long ago: its stored outputs expire; start a new pipeline`);
      return next;
    }, `retry:${stepId}`);
    if (result.ok && this.state) await this.history.reopen(this.state.spec);
    return result;
  }

  /**
   * A ResourcePool's call-back for a queued reservation. Idempotent: the pool delivers at least
   * once, so a duplicate grant for a step that already runs under that key is ignored.
   */
  async capacityNotice(note: PoolNotice): Promise<void> {
    const s = this.state;
    if (!s) return;
    const step = stepByKey(s, note.key);
    const live = step !== undefined && !isTerminal(s.status) && s.status !== "paused";
    if (live && step.status === "running") return; // a duplicate of the grant it runs under
    if (live && step.status === "waiting_budget" && note.kind === "granted") {
      // The grant overtook the answer to this step's own reserve: keep it for that answer.
      this.earlyGrants.add(note.key);
      return;
    }
    if (!live || step.status !== "waiting_capacity") {
      // Not wanted any more (cancelled, paused, superseded attempt): give the slot straight back,
      // at the pool of the worker that attempt used (the note names it).
      if (note.kind === "granted") await this.pool(note.worker).release(note.key, null);
      return;
    }
    const answer = note.kind === "granted" ? { status: "granted" as const } : { status: "timed_out" as const, reason: "max wait passed" };
    this.checkpoints.commit(onCapacity(s, step.id, answer, Date.now(), Math.random()), `capacity:${step.id}`);
    await this.drive();
  }

  /** Fault injection for crash tests: abort the object when it reaches `point` (not in production). */
  injectFault(point: string): boolean {
    return this.faults.inject(point);
  }

  // ---- control ------------------------------------------------------------------------------

  private async control(f: (s: PipelineState, now: number) => PipelineState, label: string): Promise<ControlResult> {
    if (!this.state) return { ok: false, code: RefusalCodes.not_found, message: `pipeline '${this.name}' was not found` };
    if (this.state.admission === "pending") return { ok: false, code: RefusalCodes.illegal_transition, message: `pipeline '${this.name}' is still being admitted; try again in a moment` };
    try {
      this.checkpoints.commit(f(this.state, Date.now()), label);
    } catch (error) {
      if (error instanceof TransitionError || error instanceof Refused) return { ok: false, code: RefusalCodes.illegal_transition, message: error.message };
      throw error;
    }
    await this.drive();
    return { ok: true, summary: summarize(this.state) };
  }

  // ---- the driver ---------------------------------------------------------------------------

  /** Runs the state forward until nothing more can be done now. Single-flight and re-entrant safe. */
  private async drive(): Promise<void> {
    if (this.faults.crashing) return;
    if (this.driving) { this.again = true; return; }
    this.driving = true;
    try {
      await this.armForWork();
      do {
        this.again = false;
        await this.driveOnce();
        // With a round unsaved, the flush timer writes it and drives again in the next turn.
      } while (this.again && !this.checkpoints.hasUnsaved);
      this.failures.succeeded("drive");
    } catch (error) {
      this.peerRoundFailed(error);
    } finally {
      this.driving = false;
    }
    this.scheduleNextAlarm();
  }

  /**
   * A round with the ledger or pools failed: its stubs may be broken (the next round makes new
   * ones), and it is retried by the alarm with backoff, up to a cap (then kept for an operator:
   * POST .../redrive).
   */
  private peerRoundFailed(error: unknown): void {
    this.ledgerStub = null;
    this.poolStubs.clear();
    if (!this.faults.crashing) this.failures.failed("drive", error, PEER_RETRY, Date.now());
  }

  /**
   * One round: the core plans every effect the state owes (`planRound`: one message per peer),
   * the shell sends them, and the core applies the answers (`applyRound`), written as one
   * checkpoint. Every effect is idempotent by its key, so a round cut short by a crash is simply
   * planned and sent again.
   */
  private async driveOnce(): Promise<void> {
    if (!this.state) return;
    if (this.state.admission === "pending") {
      // Recorded but not answered (the actor stopped while asking): finish the admission first.
      if ((await this.admit()).admitted === true) this.again = true;
      return;
    }
    this.checkpoints.flush();
    this.history.register(Date.now());
    this.checkpoints.commit(onTimers(this.state, Date.now(), Math.random), "timers");
    // A running step whose call is not in flight here (the object restarted) goes out before the
    // round with the ledger and pools, so a failing peer cannot hold it back.
    this.dispatchRunning();
    const round = planRound(this.state, this.settleNow(Date.now()));
    if (round) {
      const [ledger, pools] = await Promise.all([
        round.ledger.length > 0 ? this.ledger().batch(round.ledger) : Promise.resolve([] as LedgerResult[]),
        Promise.all([...round.pools].map(async ([worker, ops]) => [worker, await this.pool(worker).batch(ops)] as const)),
      ]);
      // Applied to the state as it is now: a worker's answer may have landed meanwhile.
      const applied = applyRound(this.state, round, { ledger, pools: new Map(pools) }, Date.now(), Math.random, (key) => this.earlyGrants.delete(key));
      for (const r of applied.refusals) this.failures.failed(r.operation, new Refusal(r.code, r.message), PEER_RETRY, Date.now());
      const started = applied.error === null ? toDispatch(applied.state, (key) => this.watchdog.has(key)) : [];
      this.checkpoints.writeRound(applied.state, applied.labels, started.length > 0);
      if (applied.error) throw applied.error;
      for (const step of started) this.dispatch(step);
    }
    // The rest (history, the next round) follows the write, in the flush timer's turn (see drive).
    if (this.checkpoints.hasUnsaved) return;
    this.dispatchRunning();
    const s = this.state;
    if (this.history.historyOwed(s, Date.now()) && (await this.history.writeHistory(Date.now())) === "changed") this.again = true;
    // Anything the answers made owed (a finished step's cleanup, the next step's hold) goes in the next round.
    if (owesRound(this.state, this.settleNow(Date.now()))) this.again = true;
  }

  /** Whether owed settlements go now by themselves (see `settlementsDue`); tracks since when they are owed. */
  private settleNow(now: number): boolean {
    return settlementsDue(this.state!, this.owedSince(now), now);
  }

  private owedSince(now: number): number | null {
    if (!settlementsOwed(this.state!)) return (this.settlementsOwedSince = null);
    return (this.settlementsOwedSince ??= now);
  }

  /** Dispatches every running step whose call is not in flight here. */
  private dispatchRunning(): void {
    for (const step of toDispatch(this.state!, (key) => this.watchdog.has(key))) this.dispatch(step);
  }

  /** Calls the worker for a running step; its answer is checkpointed when it comes. */
  private dispatch(step: StepState): void {
    const s = this.state!;
    const key = currentKey(s, step);
    this.faults.reach(`dispatch:${step.id}`);
    const worker = specOf(s, step.id).workers[step.workerIndex]!;
    const now = Date.now();
    const handshake = handshakeFor(s, step, now);
    const attempt = step.attempt;
    // What this call passes through the actor: the input as sent (small values and references).
    const sentBytes = utf8Bytes(JSON.stringify(handshake.input));
    this.watchdog.started(key, now);
    void (async () => {
      const entry = workerEntrypoint(this.ctx.exports, worker.binding);
      let result: WorkerResult;
      if (!entry) {
        result = workerFailure("fatal", "unknown_worker", `no entrypoint '${worker.binding}' for worker '${worker.name}'`);
      } else {
        try {
          result = await entry.execute(handshake);
        } catch (error) {
          // The call itself failed (the worker's isolate, the transport): retried as transient. Its
          // text goes to the log; the step keeps only a short, path-free line (clients read it).
          log("warn", "worker call threw", { pipeline_id: this.name, step_id: step.id, worker: worker.name, ...describeError(error) });
          result = workerFailure("transient", "worker_threw", classify(error).message);
        }
      }
      await this.onWorkerResult(step.id, attempt, result, sentBytes);
    })().catch((error: unknown) => {
      // The answer is not checkpointed; the step is still running in the state and is
      // dispatched again (same key) by the next incarnation's driver.
      log("warn", "worker answer not recorded", { pipeline_id: this.name, step_id: step.id, ...describeError(error) });
    }).finally(() => {
      this.watchdog.ended(key);
      this.scheduleNextAlarm();
    });
    // The alarm: every dispatch is made by a drive, which schedules it when it ends (and armed
    // it for the work when it began).
  }

  private async onWorkerResult(stepId: string, attempt: number, result: WorkerResult, sentBytes: number): Promise<void> {
    if (!this.state) return;
    const s = withTransfer(this.state, result, sentBytes);
    const outcome = outcomeOf(result);
    const ref = outcome.ok ? outputRef(stepId, attempt) : null;
    const next = onResult(s, stepId, attempt, outcome, ref, Date.now(), Math.random());
    if (next === s) {
      // The attempt is over: if it was abandoned (timed out, or its pipeline ended), settle what
      // it really cost and free its slot now that the call has ended.
      const late = onLateAnswer(s, attemptKey(s.spec.pipelineId, stepId, attempt), outcome.costMicros, outcome.durationMs);
      if (late !== s) {
        this.checkpoints.commit(late, `late:${stepId}`);
        await this.drive();
      }
      return;
    }
    // The output is written with the checkpoint (saveOutputs), in one transaction.
    this.checkpoints.commit(next, `result:${stepId}`);
    await this.drive();
  }

  // ---- time ---------------------------------------------------------------------------------

  /**
   * Before work: the alarm is brought to WATCHDOG_MS from now, so that if the object dies during
   * the work it is woken within WATCHDOG_MS (not the platform's seconds-long retry). Kept async
   * and awaited: made synchronous, a fault injected at 'created' left a promise pending past the
   * end of the crash test file (its teardown hung); not yet understood.
   */
  private async armForWork(): Promise<void> {
    this.scheduleNextAlarm(true);
  }

  /**
   * The actor's one alarm, set here alone from what each capability is due for (`arbitrate`):
   * the state's timers (retries, timeouts, the deadline, a queued wait's backstop), owed
   * settlements, the watchdog of the calls in flight, a running step to dispatch again after a
   * restart, an owed round, and the history writer. Each waits out its operation's backoff and
   * none is due once given up. Before work (`forWork`), only the timers count, with the work's
   * own watchdog: the work itself is what is owed. An alarm already set within one watchdog
   * interval before the wanted time is kept (it fires a little early and reschedules).
   */
  private scheduleNextAlarm(forWork = false): void {
    const s = this.state;
    const now = Date.now();
    // Forgotten (not admitted) or never created: nothing is due.
    if (!s && !forWork) return arbitrate(this.basics.clock, [], now);
    const since = s ? this.owedSince(now) : null;
    const timers: Due[] = [
      s ? nextTimer(s) : null,
      // After a failed round, owed settlements wait out the round's backoff like every other effect.
      since === null ? null : this.failures.dueAt("drive", since + SETTLE_BATCH_MS),
    ];
    // Work the driver owes is due now, unless a drive is under way here (or the flush timer will
    // start one): that ends by scheduling again, so the alarm is only its backstop, one watchdog
    // interval ahead, should this object stop meanwhile. (Pulled to now, it cost two alarm writes
    // and an alarm a step.)
    const driverDue = this.driving || this.checkpoints.hasUnsaved ? now + WATCHDOG_MS : now;
    // A running step with no call here (the object restarted), or a round owed.
    const owed = s !== null && ((s.steps.some((st) => st.status === "running") && this.watchdog.size === 0) || owesRound(s, settlementsDue(s, since, now)));
    // Before work, its watchdog: WATCHDOG_MS, or the calls' stretched watchdog when the work owes
    // nothing but to look at calls still running (an alarm during a long call: pulled back to
    // WATCHDOG_MS at every such wake, a long call cost five alarms a second).
    const workDue = s && !owed && this.watchdog.size > 0 ? this.watchdog.due(now) : now + WATCHDOG_MS;
    const due: Due[] = forWork || !s ? [workDue, ...timers] : [
      ...timers,
      this.watchdog.due(now),
      owed ? this.failures.dueAt("drive", driverDue) : null,
      ...this.history.due(s, now),
    ];
    arbitrate(this.basics.clock, due, now, WATCHDOG_MS);
  }

  override async onAlarm(): Promise<void> {
    this.basics.clock.fired();
    if (this.failures.hasUnreported()) await this.failures.report();
    // Calls still running here: their pool leases are renewed as they come due.
    if (this.watchdog.leasesDue(Date.now())) await this.renewLeases();
    await this.drive();
    // The alarm that fired is used up: a drive already under way (which schedules when it ends)
    // returns at once, and calls may still be in flight here, so set the next one now.
    this.scheduleNextAlarm();
  }

  private async renewLeases(): Promise<void> {
    const s = this.state;
    if (!s) return;
    await Promise.all(s.steps.filter((st) => st.status === "running").map((st) => this.pool(currentWorker(s, st)).renew(currentKey(s, st)).catch(() => undefined)));
  }

  // ---- peers ----------------------------------------------------------------------------------

  private ledger() {
    return (this.ledgerStub ??= this.env.ClientLedger.getByName(this.state!.spec.clientId));
  }

  private pool(worker: string) {
    let stub = this.poolStubs.get(worker);
    if (!stub) this.poolStubs.set(worker, (stub = this.env.ResourcePool.getByName(worker)));
    return stub;
  }

  // ---- live ---------------------------------------------------------------------------------

  protected override greetSubscriber(connection: Connection): void {
    greet(connection, this.basics.events, () => (this.state ? summarize(this.state, Date.now()) : { status: "unknown" }), Date.now());
  }
}
