import { reopenRequestStatement } from "../../catalog/requests";
import { deliverableFields } from "../../deliverables/collect";
import { describeError, log } from "../../lib/log";
import type { Due } from "../shared/alarm-arbiter";
import { STORAGE_RETRY, type FailureBook } from "../shared/failures";
import { historyStatements, registerStatement } from "./history";
import { isTerminal, runCosts, type PipelineSpec, type PipelineState } from "./machine";

/** What the history writer needs of the actor. */
export interface RunHistoryHost {
  readonly db: D1Database;
  readonly failures: FailureBook;
  /** Stores what a finished run delivers (the DeliverableRecorder entrypoint). */
  record(run: { pipelineId: string; clientId: string; requestId: string | null; finishedAt: number }, delivered: NonNullable<ReturnType<typeof deliverableFields>>): Promise<unknown>;
  state(): PipelineState | null;
  commit(next: PipelineState, label: string): void;
  /** Applies a change the next write carries (`Checkpoints.carry`). */
  carry(next: PipelineState, label: string): void;
  /** The registration ended (written, or failed for now): the alarm may be due for it. */
  settled(): void;
}

/**
 * The PipelineActor's D1 history: the run's row while it runs (registered as processing), and
 * its history when it ends (pipeline_executions, the worker rows, the client's request, after
 * its deliverables are stored). Each write is idempotent, written reduced when D1 refuses the
 * whole for good, retried with backoff otherwise, and given up at the cap, kept for an operator
 * either way (`FailureBook.write`), never a loop.
 */
export class RunHistory {
  /** The registration, while it is in flight. */
  private registration: Promise<void> | null = null;

  constructor(private readonly host: RunHistoryHost, private readonly pipelineId: () => string) {}

  /** Starts the run's registration if it is owed and not waiting out a backoff (it goes alongside the first round, not before it). */
  register(now: number): void {
    const s = this.host.state();
    if (!s || s.registered || this.registration !== null || !this.host.failures.mayTry("register", now)) return;
    this.registration = this.writeRegistration(s)
      .catch((error: unknown) => log("warn", "pipeline registration not recorded", { pipeline_id: this.pipelineId(), ...describeError(error) }))
      .finally(() => { this.registration = null; this.host.settled(); });
  }

  /** True when the ended run's history is owed now (its cleanup is done and no backoff holds it back). */
  historyOwed(s: PipelineState, now: number): boolean {
    return historyPending(s) && this.host.failures.mayTry("history", now);
  }

  /**
   * Writes the ended run's history. "changed" when the state moved on meanwhile (a late answer's
   * cost): the next round writes it again.
   */
  async writeHistory(now: number): Promise<"done" | "changed" | "not_yet"> {
    const s = this.host.state()!;
    const db = this.host.db;
    const outcome = await this.host.failures.write("history", STORAGE_RETRY, async (reduced) => {
      // What a finished run delivers is stored first, so a request marked completed always has its deliverables.
      const delivered = s.status === "completed" || s.status === "partial" ? deliverableFields(s.context, runCosts(s)) : null;
      if (delivered && s.finishedAt !== null) {
        await this.host.record({ pipelineId: s.spec.pipelineId, clientId: s.spec.clientId, requestId: s.spec.requestId, finishedAt: s.finishedAt }, delivered);
      }
      await db.batch(historyStatements(db, s, reduced));
    }, now);
    if (outcome !== "done") return "not_yet";
    if (this.host.state() !== s) return "changed";
    // The history row implies the registration (a registration still in flight carries nothing new).
    this.host.commit({ ...s, historyWritten: true, registered: true }, "history");
    return "done";
  }

  /** When the alarm is due for the history writer: the registration and the ended run's history, each after its backoff. */
  due(s: PipelineState, now: number): Due[] {
    return [
      !s.registered && this.registration === null ? this.host.failures.dueAt("register", now) : null,
      // Not while the run's cleanup is owed: that round is the driver's, with its own backoff (an
      // alarm at now for the history would send the failing round again at once, every time).
      historyPending(s) ? this.host.failures.dueAt("history", now) : null,
    ];
  }

  /** A retried run goes back to processing, with its request (best effort: the history at its end sets them either way). */
  async reopen(spec: PipelineSpec): Promise<void> {
    const db = this.host.db;
    try {
      await db.batch([
        db.prepare(`UPDATE pipeline_executions SET status = 'processing', completed_at = NULL WHERE pipeline_id = ?`).bind(spec.pipelineId),
        ...(spec.requestId ? [reopenRequestStatement(db, spec.requestId, spec.clientId, spec.pipelineId, new Date().toISOString())] : []),
      ]);
    } catch (error) {
      log("warn", "retried run's history not reopened", { pipeline_id: spec.pipelineId, ...describeError(error) });
    }
  }

  /** Removes the D1 records of what this actor gave up on (an operator retries it). */
  async clearGivenUp(): Promise<void> {
    try {
      await this.host.db.prepare(`DELETE FROM actor_failures WHERE actor_kind = 'pipeline' AND actor_name = ? AND outcome = 'gave_up'`).bind(this.pipelineId()).run();
    } catch (error) {
      log("warn", "cleared failures not removed from D1", { pipeline_id: this.pipelineId(), ...describeError(error) });
    }
  }

  private async writeRegistration(s: PipelineState): Promise<void> {
    const outcome = await this.host.failures.write("register", STORAGE_RETRY, (reduced) => registerStatement(this.host.db, s, reduced).run().then(() => undefined), Date.now());
    // Carried by the next write: registering again after a restart is idempotent. After the
    // run's last write (its history), nothing would carry it: written then.
    if (outcome !== "done") return;
    const now = this.host.state()!;
    if (now.registered) return;
    if (now.historyWritten) this.host.commit({ ...now, registered: true }, "registered");
    else this.host.carry({ ...now, registered: true }, "registered");
  }
}

/** The ended run's history is what it still owes: its cleanup is done and the history not yet written. */
export function historyPending(s: PipelineState): boolean {
  return isTerminal(s.status) && s.cleanup.length === 0 && !s.historyWritten;
}
