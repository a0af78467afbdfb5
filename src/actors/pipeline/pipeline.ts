import type { Connection } from "partyserver";
import { ActorServer } from "../shared/actor-server";
import { isJsonObject, type JsonObject } from "../../lib/json";
import { reopenRequestStatement } from "../../catalog/requests";
import { deliverableFields } from "../../deliverables/collect";
import { describeError, log } from "../../lib/log";
import { KV_TTL_SECONDS, utf8Bytes } from "../../storage/payloads";
import type { Handshake, StepProgress, WorkerResult } from "../../workers/contract";
import { workerEntrypoint } from "../../workers/registry";
import type { ClientLedger, LedgerResult } from "../client-ledger";
import type { CapacityListener, PoolNotice, ResourcePool } from "../resource-pool";
import { AlarmClock } from "../shared/alarm-clock";
import { classify, FailureBook, PEER_RETRY, Refusal, STORAGE_RETRY } from "../shared/failures";
import { EventLog, type LiveMessage } from "../shared/event-log";
import { greet } from "../shared/live";
import { migrate, rows } from "../shared/sqlite";
import { meteredSql, newMeter, type StorageMeter } from "../shared/metered-sql";
import { diffEvents, summarize } from "./events";
import type { PipelineSummary } from "./protocol";
import type { RunResult, StepDetail } from "../../contracts/pipeline";
import {
  admissionKey, admissionReleaseDue, admitted, attemptKey, cancel, controlRefusal, countTransfer, createPipeline, expiredKept, currentKey, currentWorker, isTerminal, needsAcquisition, needsHoldAhead, nextKey,
  nextTimer, onCapacity, onLateAnswer, onResult, onTimers, overrunOwed, pause, plan, resume, retryFrom, specOf, start, stepByKey,
  stepInput, TransitionError,
  type PipelineSpec, type PipelineState, type StepState, type WorkerOutcome,
  runCosts,
} from "./machine";
import { historyStatements, registerStatement } from "./history";
import { applyRound, planRound } from "./round";
import { PIPELINE_MIGRATIONS, RUN_TABLES } from "./schema";
import { changedSteps, loadOutput, loadState, saveState } from "./store";

/** A running step's watchdog: the alarm is kept this far ahead while the actor is alive. */
export const WATCHDOG_MS = 200;
/**
 * A round that started steps is written this long after their worker calls went out, unless a
 * commit (usually the first result) writes it sooner: one write then covers both.
 */
export const FLUSH_DELAY_MS = 20;
/** Settlements owed to the ledger wait at most this long for the pipeline's next ledger message. */
export const SETTLE_BATCH_MS = 1_000;
/** Renew pool leases of running steps this often. */
const LEASE_RENEW_MS = 10_000;

/** Answers applied in memory since `before`, with their checkpoint labels. */
interface Staged { before: PipelineState | null; labels: string[] }

/** A control command the state allows but the shell refuses (e.g. a retry whose kept outputs expired). */
class Refused extends Error {}

/** The state, when the control command applies to it; else a refusal (409 over HTTP) saying why. */
function refuseUnless(s: PipelineState, action: "pause" | "resume" | "cancel"): PipelineState {
  const refusal = controlRefusal(s, action);
  if (refusal !== null) throw new Refused(refusal);
  return s;
}

/** The answer to a control command. */
export type ControlResult = { ok: true; summary: PipelineSummary } | { ok: false; code: "not_found" | "illegal_transition"; message: string };

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
 * One pipeline run (named by pipeline id). A thin shell over `machine.ts`: every change is
 * checkpointed in SQLite before the next effect; a single-flight driver performs what the state
 * asks for, each effect carrying the attempt's idempotency key (hold at the ClientLedger, reserve
 * at the ResourcePool, execute the worker, then settle and release), so after a crash the driver
 * simply runs again from the last checkpoint. One alarm covers retries, timeouts, the deadline,
 * and a short watchdog while steps run, so a crash resumes in milliseconds.
 */
export class PipelineActor extends ActorServer implements CapacityListener {
  static override options = { hibernate: true };

  private state: PipelineState | null = null;
  private events!: EventLog;
  /** Attempt keys whose worker call runs in this incarnation of the object. */
  private readonly inFlight = new Map<string, Promise<void>>();
  private driving = false;
  private again = false;
  private watchdog: ReturnType<typeof setInterval> | null = null;
  private lastLeaseRenewal = 0;
  private faults = new Set<string>();
  /**
   * A round's answers applied in memory but not yet written, because the worker calls they
   * allowed went out first (see `writeRound`); written by the next commit or the flush timer.
   */
  private unsaved: Staged | null = null;
  private flushTimer: ReturnType<typeof setTimeout> | null = null;
  /** Set once a fault has fired: this incarnation does no more work. */
  private crashing = false;
  /** What the actor retries or gave up on (drive, register, history): capped, kept for operators. */
  private failures!: FailureBook;
  /** Grants that arrived while the step's own reserve was still in flight (its answer may say "queued"). */
  private readonly earlyGrants = new Set<string>();
  /** What this object has written to its SQLite since it started (rows as SQLite counts them, bytes bound). */
  private readonly meter = newMeter();
  private meteredStore: SqlStorage | null = null;
  private readonly clock: AlarmClock;
  private ledgerStub: DurableObjectStub<ClientLedger> | null = null;
  private readonly poolStubs = new Map<string, DurableObjectStub<ResourcePool>>();
  /** The D1 registration of the run, while it is in flight. */
  private registration: Promise<void> | null = null;
  /** Since when settlements have been owed to the ledger (in memory: after a restart they go soon). */
  private settlementsOwedSince: number | null = null;
  /** Long polls waiting for the pipeline to end (`waitForEnd`). */
  private readonly endWaiters = new Set<() => void>();
  /** The admission hold in flight (`admit`): concurrent creates and the alarm share it. */
  private admitting: Promise<CreateResult> | null = null;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.clock = new AlarmClock(ctx.storage);
    void ctx.blockConcurrencyWhile(() => this.start());
  }

  private get store(): SqlStorage {
    return (this.meteredStore ??= meteredSql(this.ctx.storage.sql, this.meter));
  }

  private async start(): Promise<void> {
    migrate(this.store, PIPELINE_MIGRATIONS, Date.now());
    this.events = new EventLog(this.store);
    this.state = loadState(this.store);
    // A pipeline's spec holds its id (its name, however it was woken): no stored copy needed.
    await this.loadName(() => this.state?.spec.pipelineId ?? null, false);
    this.faults = new Set(rows<{ point: string }>(this.store, `SELECT point FROM faults`).map((r) => r.point));
    this.failures = new FailureBook(this.store, () => ({ kind: "pipeline", name: this.name, clientId: this.state?.spec.clientId ?? null }), () => this.env.DB);
    await this.clock.load();
    // Whatever was running when the object stopped is dispatched again by the alarm.
    this.scheduleNextAlarm();
  }

  // ---- RPC ---------------------------------------------------------------------------------

  /**
   * A running step's progress from its worker (the harness throttles it): streamed to watchers
   * as `step_progress` and kept in the event log for those who reconnect. Progress of an attempt
   * that is not running any more is ignored.
   */
  stepProgress(p: StepProgress): void {
    const s = this.state;
    const st = s?.steps.find((x) => x.id === p.step_id);
    if (!s || !st || st.status !== "running" || st.attempt !== p.attempt || this.crashing) return;
    if (!Number.isFinite(p.done) || !Number.isFinite(p.total) || p.total <= 0) return;
    // The round that started the step is written first, so its step_started comes before this.
    this.flush();
    const message = this.events.append("step_progress", {
      step_id: st.id, attempt: st.attempt, worker: currentWorker(s, st), done: Math.max(0, Math.min(p.done, p.total)), total: p.total,
      ...(typeof p.message === "string" ? { message: p.message.slice(0, 200) } : {}),
    }, Date.now());
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
      await this.armWatchdog();
      const created = createPipeline(spec, now);
      this.commit(created.admission === "pending" ? created : plan(start(created, now), now), "created");
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
      this.commit(admitted(this.state!, Date.now()), "admitted");
      return { admitted: true, summary: summarize(this.state!) };
    }
    if (answer?.status === "insufficient") {
      this.forget();
      return { admitted: false, available: answer.available, requested: amount };
    }
    throw new Error(`ledger answered the admission hold with '${answer?.status ?? "nothing"}'`);
  }

  /** Forgets a run that was not admitted: its state, checkpoints, events and alarm. */
  private forget(): void {
    this.ctx.storage.transactionSync(() => {
      for (const table of RUN_TABLES) this.store.exec(`DELETE FROM ${table}`);
    });
    this.state = null;
    this.events = new EventLog(this.store);
    this.clock.set(null);
  }

  /** The pipeline's summary (null before it was created, or when `scope` names another client), with waiting steps' queue places read now. */
  async summary(scope: string | null = null): Promise<JsonObject | null> {
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
   * `timeoutMs` (at most a minute); null before it was created.
   */
  async waitForEnd(timeoutMs: number): Promise<JsonObject | null> {
    if (this.state && !isTerminal(this.state.status) && timeoutMs > 0) {
      await new Promise<void>((resolve) => {
        const done = () => { clearTimeout(timer); this.endWaiters.delete(done); resolve(); };
        const timer = setTimeout(done, Math.min(timeoutMs, 60_000));
        this.endWaiters.add(done);
      });
    }
    return this.state ? summarize(this.state) : null;
  }

  /** Bytes of state, checkpoints, events and outputs written since this object started (for the bench). */
  bytesWrittenSinceStart(): number {
    return this.meter.bytes;
  }

  /** What this object has written to its SQLite since it started: rows, bytes, statements, by table. */
  storageWritten(): StorageMeter & { alarmWrites: number } {
    return { ...structuredClone(this.meter), alarmWrites: this.clock.writes };
  }

  /** The owning client, for authorising subscribers. */
  owner(): string | null {
    return this.state?.spec.clientId ?? null;
  }

  /** Everything an admin inspects. */
  async inspect(limit = 50) {
    const s = this.state;
    if (!s) return null;
    this.flush(); // shows every checkpoint decided so far
    return {
      summary: summarize(s),
      spec: JSON.parse(JSON.stringify(s.spec)) as JsonObject,
      context: s.context,
      // One per write: the labels of the answers it recorded, and the steps it changed.
      checkpoints: this.events.notes(limit).map((c) => {
        const note = JSON.parse(c.note) as { labels: string; status: string; steps: JsonObject };
        return { seq: c.id, at: c.at, label: note.labels, status: note.status, steps: note.steps };
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
      in_flight: [...this.inFlight.keys()],
      bytes_written: this.meter.bytes,
      event_seq: this.events.lastSeq,
      recent_events: this.events.tail(20),
    };
  }

  /** The stored output of a step's succeeded attempt. */
  output(stepId: string): JsonObject | null {
    const st = this.state?.steps.find((s) => s.id === stepId);
    if (!st?.outputRef) return null;
    return loadOutput(this.store, stepId, st.attempt);
  }

  /**
   * An operator's retry of what the actor gave up on (its rounds with the ledger and pools, its
   * D1 registration or history): those records are cleared, here and in D1, and it drives again.
   * Null before creation.
   */
  async redrive(): Promise<{ cleared: string[]; summary: JsonObject } | null> {
    if (!this.state) return null;
    const cleared = this.failures.list().filter((r) => r.outcome === "gave_up").map((r) => r.operation);
    for (const operation of cleared) this.failures.clear(operation);
    if (cleared.length > 0) {
      try {
        await this.env.DB.prepare(`DELETE FROM actor_failures WHERE actor_kind = 'pipeline' AND actor_name = ? AND outcome = 'gave_up'`).bind(this.name).run();
      } catch (error) {
        log("warn", "cleared failures not removed from D1", { pipeline_id: this.name, ...describeError(error) });
      }
    }
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
      return { ok: false, code: "not_found", message: `pipeline has no step '${stepId}'` };
    }
    const result = await this.retryControl(stepId);
    const spec = this.state?.spec;
    if (result.ok && spec) {
      const at = new Date().toISOString();
      try {
        await this.env.DB.batch([
          this.env.DB.prepare(`UPDATE pipeline_executions SET status = 'processing', completed_at = NULL WHERE pipeline_id = ?`).bind(spec.pipelineId),
          ...(spec.requestId ? [reopenRequestStatement(this.env.DB, spec.requestId, spec.clientId, spec.pipelineId, at)] : []),
        ]);
      } catch (error) {
        log("warn", "retried run's history not reopened", { pipeline_id: spec.pipelineId, ...describeError(error) });
      }
    }
    return result;
  }

  private retryControl(stepId: string): Promise<ControlResult> {
    return this.control((s, now) => {
      const next = retryFrom(s, stepId, now);
      // Refuse rather than fail later: a kept step's stored outputs live KV_TTL_SECONDS (an hour's margin).
      const stale = expiredKept(next, now, (KV_TTL_SECONDS - 3_600) * 1000);
      if (stale) throw new Refused(`step '${stale}' finished too long ago: its stored outputs expire; start a new pipeline`);
      return next;
    }, `retry:${stepId}`);
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
    this.commit(onCapacity(s, step.id, answer, Date.now(), Math.random()), `capacity:${step.id}`);
    await this.drive();
  }

  /** Fault injection for crash tests: abort the object when it reaches `point` (not in production). */
  injectFault(point: string): boolean {
    if (this.env.ENVIRONMENT === "production") return false;
    this.store.exec(`INSERT OR IGNORE INTO faults (point) VALUES (?)`, point);
    this.faults.add(point);
    return true;
  }

  // ---- control ------------------------------------------------------------------------------

  private async control(f: (s: PipelineState, now: number) => PipelineState, label: string): Promise<ControlResult> {
    if (!this.state) return { ok: false, code: "not_found", message: `pipeline '${this.name}' was not found` };
    if (this.state.admission === "pending") return { ok: false, code: "illegal_transition", message: `pipeline '${this.name}' is still being admitted; try again in a moment` };
    try {
      this.commit(f(this.state, Date.now()), label);
    } catch (error) {
      if (error instanceof TransitionError || error instanceof Refused) return { ok: false, code: "illegal_transition", message: error.message };
      throw error;
    }
    await this.drive();
    return { ok: true, summary: summarize(this.state) };
  }

  // ---- checkpoints ----------------------------------------------------------------------------

  /** Persists the new state, a checkpoint row and the events, in one transaction; then publishes. */
  private commit(next: PipelineState, label: string): void {
    if (this.state === next) return;
    this.write(next, [label]);
  }

  /** Writes what a round left unsaved, if anything: before any effect other than its dispatches. */
  private flush(): void {
    if (this.unsaved) this.write(this.state!, []);
  }

  /** Persists `next` from what is on disk: the state before an unsaved round, with its labels (persist clears it once written). */
  private write(next: PipelineState, labels: readonly string[]): void {
    const unsaved = this.unsaved;
    if (unsaved) this.persist(unsaved.before, next, [...unsaved.labels, ...labels]);
    else this.persist(this.state, next, labels);
  }

  /**
   * Persists everything a round's answers changed in one transaction: a round writes its state
   * difference, its checkpoint and its events once rather than once per answer.
   *
   * When the answers start steps (`deferred`), the worker calls go out first and the write
   * follows in a later turn (FLUSH_DELAY_MS, or with the next commit): a write in the same turn
   * would hold the calls behind its commit (the output gate), a full commit on every step's
   * critical path. Nothing is lost by the order: the answers are idempotent replies to effects
   * sent under the attempt's keys, so an actor that stops before the write sends the same round
   * again from its last checkpoint, gets the same answers (the pool's lease and the ledger's
   * hold are already recorded there) and calls the worker again under the same key, which is
   * the at-least-once the workers are built for. Every other effect writes what is unsaved first.
   * The flush timer need not survive eviction: what it would write is sent again (above).
   */
  private writeRound(next: PipelineState, labels: readonly string[], deferred: boolean): void {
    if (labels.length === 0) return;
    if (!deferred) return this.write(next, labels);
    this.unsaved = { before: this.unsaved ? this.unsaved.before : this.state, labels: [...(this.unsaved?.labels ?? []), ...labels] };
    this.state = next;
    this.flushTimer ??= setTimeout(() => {
      this.flushTimer = null;
      try {
        this.flush();
      } catch (error) {
        if (!this.crashing) log("error", "checkpoint failed", { pipeline_id: this.name, ...describeError(error) });
        return;
      }
      void this.drive();
    }, FLUSH_DELAY_MS);
  }

  /** Writes the change from `before` to `next` (state by difference, one checkpoint row per label, events), then publishes. */
  private persist(before: PipelineState | null, next: PipelineState, labels: readonly string[]): void {
    const now = Date.now();
    let published: LiveMessage[] = [];
    this.ctx.storage.transactionSync(() => {
      saveState(this.store, before, next);
      // The write's events and its checkpoint (labels, status, the steps it changed): one journal row.
      const note = labels.length > 0 ? JSON.stringify({ labels: labels.join(" "), status: next.status, steps: changedSteps(before, next) }) : null;
      published = this.events.appendMany(diffEvents(before, next), now, note);
    });
    this.state = next;
    // Written: nothing is unsaved any more (a failed write above leaves it to be written again).
    this.unsaved = null;
    if (isTerminal(next.status)) for (const done of [...this.endWaiters]) done();
    for (const message of published) {
      this.broadcast(JSON.stringify(message));
    }
    for (const label of labels) this.maybeCrash(label);
  }

  /**
   * Crashes the object at an injected fault point, once: the fault is cleared and flushed to
   * disk first (an abort discards unflushed writes, which would crash-loop), the current work
   * stops here by throwing, and the object is aborted as soon as the flush lands.
   */
  private maybeCrash(point: string): void {
    if (!this.faults.has(point)) return;
    this.faults.delete(point);
    this.store.exec(`DELETE FROM faults WHERE point = ?`, point);
    this.crashing = true;
    void this.ctx.storage.sync().then(() => this.ctx.abort(`fault injected at ${point}`));
    throw new Error(`fault injected at ${point}`);
  }

  // ---- the driver ---------------------------------------------------------------------------

  /** Runs the state forward until nothing more can be done now. Single-flight and re-entrant safe. */
  private async drive(): Promise<void> {
    if (this.crashing) return;
    if (this.driving) { this.again = true; return; }
    this.driving = true;
    try {
      await this.armWatchdog();
      do {
        this.again = false;
        await this.driveOnce();
        // With a round unsaved, the flush timer writes it and drives again in the next turn.
      } while (this.again && this.unsaved === null);
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
    if (!this.crashing) this.failures.failed("drive", error, PEER_RETRY, Date.now());
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
    this.flush();
    // The D1 row that lists the run goes alongside the first round, not before it.
    if (!this.state.registered && this.mayTry("register")) this.registration ??= this.register()
      .catch((error: unknown) => log("warn", "pipeline registration not recorded", { pipeline_id: this.name, ...describeError(error) }))
      .finally(() => { this.registration = null; this.scheduleNextAlarm(); });
    this.commit(onTimers(this.state, Date.now(), Math.random), "timers");
    // A running step whose call is not in flight here (the object restarted) goes out before the
    // round with the ledger and pools, so a failing peer cannot hold it back.
    for (const step of this.toDispatch()) this.dispatch(step);
    const round = planRound(this.state, this.settlementsDue(Date.now()));
    if (round) {
      const [ledger, pools] = await Promise.all([
        round.ledger.length > 0 ? this.ledger().batch(round.ledger) : Promise.resolve([] as LedgerResult[]),
        Promise.all([...round.pools].map(async ([worker, ops]) => [worker, await this.pool(worker).batch(ops)] as const)),
      ]);
      // Applied to the state as it is now: a worker's answer may have landed meanwhile.
      const applied = applyRound(this.state!, round, { ledger, pools: new Map(pools) }, Date.now(), Math.random, (key) => this.earlyGrants.delete(key));
      for (const r of applied.refusals) this.failures.failed(r.operation, new Refusal(r.code, r.message), PEER_RETRY, Date.now());
      const started = applied.error === null ? toDispatch(applied.state, this.inFlight) : [];
      this.writeRound(applied.state, applied.labels, started.length > 0);
      if (applied.error) throw applied.error;
      for (const step of started) this.dispatch(step);
    }
    // The rest (history, the next round) follows the write, in the flush timer's turn (see drive).
    if (this.unsaved) return;
    for (const step of this.toDispatch()) this.dispatch(step);
    if (isTerminal(this.state.status) && this.state.cleanup.length === 0 && !this.state.historyWritten && this.mayTry("history")) await this.writeHistory();
    // Anything the answers made owed (a finished step's cleanup, the next step's hold) goes in the next round.
    if (this.owesEffects()) this.again = true;
  }

  /** Running steps whose worker call is not in flight in this incarnation. */
  private toDispatch(): StepState[] {
    return toDispatch(this.state!, this.inFlight);
  }

  /** True when the state asks for an effect the driver performs now (a paused pipeline only owes cleanup). */
  private owesEffects(): boolean {
    const s = this.state!;
    if (s.admission === "pending" || admissionReleaseDue(s, false)) return true;
    if (s.cleanup.some((c) => c.kind === "release_capacity")) return true;
    if (this.settlementsDue(Date.now())) return true;
    if (s.status === "paused") return false;
    return s.steps.some(needsAcquisition) || needsHoldAhead(s);
  }

  /**
   * Settlements of finished steps (their actual cost) are owed to the ledger but not urgent: the
   * hold keeps the money reserved meanwhile, so they travel with the pipeline's next ledger
   * message, when it ends, or SETTLE_BATCH_MS after the oldest was owed, whichever comes first.
   * With holds placed ahead, a pipeline talks to its ledger about twice per run, not per step.
   */
  private settlementsDue(now: number): boolean {
    const since = this.settlementsOwedAt(now);
    if (since === null) return false;
    const s = this.state!;
    // A hold given back (pause, cancel, a skipped step) frees money someone may be waiting for: at
    // once. A cost above its hold may use up the client's budget: at once too.
    if (s.cleanup.some((c) => c.kind === "release_hold") || overrunOwed(s)) return true;
    return isTerminal(s.status) || now - since >= SETTLE_BATCH_MS;
  }

  /** Since when settlements have been owed (tracked in memory from the first time it is asked), or null. */
  private settlementsOwedAt(now: number): number | null {
    if (!this.state!.cleanup.some((c) => c.kind !== "release_capacity")) return (this.settlementsOwedSince = null);
    return (this.settlementsOwedSince ??= now);
  }

  /** Calls the worker for a running step; its answer is checkpointed when it comes. */
  private dispatch(step: StepState): void {
    const s = this.state!;
    const spec = specOf(s, step.id);
    const worker = spec.workers[step.workerIndex]!;
    const key = currentKey(s, step);
    this.maybeCrash(`dispatch:${step.id}`);
    const handshake: Handshake = {
      pipeline_id: s.spec.pipelineId, step_id: step.id, attempt: step.attempt, idempotency_key: key, worker: worker.name,
      client_id: s.spec.clientId, input: stepInput(s, step.id), deadline_at: step.timeoutAt ?? Date.now() + spec.timeoutMs,
      ...(worker.baseCostMicros !== undefined ? { base_cost_micros: worker.baseCostMicros } : {}),
    };
    const attempt = step.attempt;
    // What this call passes through the actor: the input as sent (small values and references).
    const sentBytes = utf8Bytes(JSON.stringify(handshake.input));
    const run = (async () => {
      const entry = workerEntrypoint(this.ctx.exports, worker.binding);
      let result: WorkerResult;
      if (!entry) {
        result = { ok: false, error: { kind: "fatal", code: "unknown_worker", message: `no entrypoint '${worker.binding}' for worker '${worker.name}'` }, cost_micros: 0, duration_ms: 0 };
      } else {
        try {
          result = await entry.execute(handshake);
        } catch (error) {
          // The call itself failed (the worker's isolate, the transport): retried as transient. Its
          // text goes to the log; the step keeps only a short, path-free line (clients read it).
          log("warn", "worker call threw", { pipeline_id: this.name, step_id: step.id, worker: worker.name, ...describeError(error) });
          result = { ok: false, error: { kind: "transient", code: "worker_threw", message: classify(error).message }, cost_micros: 0, duration_ms: 0 };
        }
      }
      await this.onWorkerResult(step.id, attempt, result, sentBytes);
    })().catch((error: unknown) => {
      // The answer is not checkpointed; the step is still running in the state and is
      // dispatched again (same key) by the next incarnation's driver.
      log("warn", "worker answer not recorded", { pipeline_id: this.name, step_id: step.id, ...describeError(error) });
    }).finally(() => {
      this.inFlight.delete(key);
      this.updateWatchdog();
    });
    this.inFlight.set(key, run);
    this.updateWatchdog();
  }

  private async onWorkerResult(stepId: string, attempt: number, result: WorkerResult, sentBytes: number): Promise<void> {
    if (!this.state) return;
    const s = withTransfer(this.state, result, sentBytes);
    const now = Date.now();
    if (!Number.isSafeInteger(result.cost_micros) || result.cost_micros < 0) {
      // A worker that reports no whole, non-negative cost broke the contract: never charge what it says.
      result = { ok: false, error: { kind: "fatal", code: "invalid_cost", message: `worker reported cost_micros ${String(result.cost_micros)}` }, cost_micros: 0, duration_ms: result.duration_ms };
    }
    const units = result.metadata?.units;
    const inputUnits = typeof units === "number" && Number.isSafeInteger(units) && units >= 0 ? units : null;
    const outcome: WorkerOutcome = result.ok
      ? { ok: true, output: result.output, costMicros: result.cost_micros, durationMs: result.duration_ms, tokensIn: result.usage.input_tokens, tokensOut: result.usage.output_tokens, inputUnits }
      : { ok: false, error: { kind: result.error.kind, code: result.error.code, message: result.error.message, ...(result.error.retry_after_ms !== undefined ? { retryAfterMs: result.error.retry_after_ms } : {}) }, costMicros: result.cost_micros, durationMs: result.duration_ms, inputUnits };
    const ref = result.ok ? `sqlite:outputs/${stepId}/${attempt}` : null;
    const next = onResult(s, stepId, attempt, outcome, ref, now, Math.random());
    if (next === s) {
      // The attempt is over: if it was abandoned (timed out, or its pipeline ended), settle what
      // it really cost and free its slot now that the call has ended.
      const late = onLateAnswer(s, attemptKey(s.spec.pipelineId, stepId, attempt), outcome.costMicros, outcome.durationMs);
      if (late !== s) {
        this.commit(late, `late:${stepId}`);
        await this.drive();
      }
      return;
    }
    // The output is written with the checkpoint (saveState), in one transaction.
    this.commit(next, `result:${stepId}`);
    await this.drive();
  }

  // ---- history --------------------------------------------------------------------------------

  /**
   * Records the run in D1 as processing, so it can be listed while it runs. Idempotent. A row D1
   * refuses for good is written reduced (without the parameters); other failures retry with
   * backoff up to a cap (`FailureBook.write`).
   */
  private async register(): Promise<void> {
    const s = this.state!;
    const outcome = await this.failures.write("register", STORAGE_RETRY, (reduced) => registerStatement(this.env.DB, s, reduced).run().then(() => undefined), Date.now());
    if (outcome === "done") this.commit({ ...this.state!, registered: true }, "registered");
  }

  /**
   * Writes the ended run to D1, idempotently (history.ts), after storing what it delivers. Like
   * the registration: reduced when D1 refuses the whole for good, retried with backoff otherwise,
   * given up at the cap, and kept for an operator either way (never a loop).
   */
  private async writeHistory(): Promise<void> {
    const s = this.state!;
    const db = this.env.DB;
    const outcome = await this.failures.write("history", STORAGE_RETRY, async (reduced) => {
      // What a finished run delivers is stored first (read and written by the recorder, not here),
      // so a request marked completed always has its deliverables.
      const delivered = s.status === "completed" || s.status === "partial" ? deliverableFields(s.context, runCosts(s)) : null;
      if (delivered && s.finishedAt !== null) {
        await this.ctx.exports.DeliverableRecorder.record(
          { pipelineId: s.spec.pipelineId, clientId: s.spec.clientId, requestId: s.spec.requestId, finishedAt: s.finishedAt }, delivered);
      }
      await db.batch(historyStatements(db, s, reduced));
    }, Date.now());
    if (outcome !== "done") return;
    // Anything that changed meanwhile (a late answer's cost) is written by the next round.
    if (this.state === s) this.commit({ ...s, historyWritten: true }, "history");
    else this.again = true;
  }

  // ---- time ---------------------------------------------------------------------------------

  /**
   * Re-arms the alarm to WATCHDOG_MS from now before doing work, so that if the object dies
   * during the work it is woken within WATCHDOG_MS (not the platform's seconds-long retry).
   * Kept async and awaited: made synchronous, a fault injected at 'created' left a promise
   * pending past the end of the crash test file (its teardown hung); not yet understood.
   */
  private async armWatchdog(): Promise<void> {
    const now = Date.now();
    const timer = this.nextDue();
    const target = Math.min(now + WATCHDOG_MS, timer ?? Infinity);
    // An alarm already set to fire no later than the target covers the work too.
    const at = this.clock.scheduled;
    if (at !== null && at > now && at <= target) return;
    this.clock.set(target);
  }

  /** Keeps the alarm just ahead while worker calls run here, so a crash resumes within WATCHDOG_MS. */
  private updateWatchdog(): void {
    if (this.inFlight.size > 0 && this.watchdog === null) {
      this.watchdog = setInterval(() => {
        // Never past a due timer (a step timeout, a retry, the deadline).
        const timer = this.nextDue();
        this.clock.set(Math.min(Date.now() + WATCHDOG_MS, timer ?? Infinity));
        if (Date.now() - this.lastLeaseRenewal > LEASE_RENEW_MS) void this.renewLeases();
      }, WATCHDOG_MS / 2);
    } else if (this.inFlight.size === 0 && this.watchdog !== null) {
      clearInterval(this.watchdog);
      this.watchdog = null;
      this.scheduleNextAlarm();
    }
  }

  /** The state's next timer, or when owed settlements are due if sooner (the alarm covers both). */
  private nextDue(): number | null {
    if (!this.state) return null;
    const timer = nextTimer(this.state);
    const since = this.settlementsOwedAt(Date.now());
    // After a failed round, owed settlements wait out the round's backoff like every other effect.
    const settle = since === null ? null : this.dueAt("drive", since + SETTLE_BATCH_MS);
    return timer === null ? settle : settle === null ? timer : Math.min(timer, settle);
  }

  private async renewLeases(): Promise<void> {
    const s = this.state;
    if (!s) return;
    this.lastLeaseRenewal = Date.now();
    await Promise.all(s.steps.filter((st) => st.status === "running").map((st) => this.pool(currentWorker(s, st)).renew(currentKey(s, st))));
  }

  /**
   * The one place alarm timing is decided: the next timer, a watchdog while steps run, at once
   * for owed effects. An alarm already set within one watchdog interval before the wanted time
   * is kept (it fires a little early and reschedules), which saves a write on most changes.
   */
  private scheduleNextAlarm(): void {
    const s = this.state;
    if (!s) return;
    const now = Date.now();
    const times: number[] = [];
    const timer = this.nextDue();
    if (timer !== null) times.push(timer);
    // A running step's call in flight here: the watchdog. Not in flight (after a restart): it is
    // dispatched by the next round, which waits out the rounds' backoff like any owed effect.
    const running = s.steps.some((st) => st.status === "running");
    const dispatchAt = running ? (this.inFlight.size > 0 ? now + WATCHDOG_MS : this.dueAt("drive", now)) : null;
    if (dispatchAt !== null) times.push(dispatchAt);
    // Owed effects run now (e.g. on restart after a crash), or when their backoff ends; not at all once given up.
    const owed = [
      this.owesEffects() ? this.dueAt("drive", now) : null,
      !s.registered && this.registration === null ? this.dueAt("register", now) : null,
      isTerminal(s.status) && !s.historyWritten ? this.dueAt("history", now) : null,
    ].filter((t): t is number => t !== null);
    times.push(...owed);
    if (times.length === 0) return this.clock.set(null);
    const wanted = Math.min(...times);
    const at = this.clock.scheduled;
    if (at !== null && at > now && at <= wanted && wanted - at <= WATCHDOG_MS) return;
    this.clock.set(wanted);
  }

  /** When an owed operation may run: `earliest`, or later while it waits out a backoff; null once given up. */
  private dueAt(operation: string, earliest: number): number | null {
    const notBefore = this.failures.notBefore(operation);
    if (notBefore === Infinity) return null;
    return Math.max(earliest, notBefore ?? earliest);
  }

  /** True when an operation is not waiting out a backoff and was not given up. */
  private mayTry(operation: string): boolean {
    return (this.failures.notBefore(operation) ?? 0) <= Date.now();
  }

  override async onAlarm(): Promise<void> {
    this.clock.fired();
    if (this.failures.hasUnreported()) await this.failures.report();
    await this.drive();
  }

  // ---- peers ----------------------------------------------------------------------------------

  /** Stubs are kept for the object's life (creating one per call costs), and dropped after a failed round. */
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
    greet(connection, this.events, () => (this.state ? summarize(this.state, Date.now()) : { status: "unknown" }), Date.now());
  }
}

/**
 * Counts a worker call's payload traffic: what went through the actor (the input as sent, the
 * output as received) against the same payloads whole, from the harness's `metadata.payload`
 * (a worker without it, such as the scripted one, moved everything through the actor).
 */
function withTransfer(s: PipelineState, result: WorkerResult, sentBytes: number): PipelineState {
  const received = result.ok ? utf8Bytes(JSON.stringify(result.output)) : 0;
  const sizes = result.metadata?.payload;
  const whole = isJsonObject(sizes) && typeof sizes.input_bytes === "number" && typeof sizes.output_bytes === "number" && sizes.input_bytes > 0
    ? sizes.input_bytes + sizes.output_bytes : sentBytes + received;
  return countTransfer(s, sentBytes + received, whole);
}

/** Running steps whose worker call is not in flight in this incarnation. */
function toDispatch(s: PipelineState, inFlight: ReadonlyMap<string, unknown>): StepState[] {
  return s.steps.filter((step) => step.status === "running" && !inFlight.has(currentKey(s, step)));
}
