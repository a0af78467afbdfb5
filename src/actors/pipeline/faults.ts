import { rows } from "../shared/sqlite";

/** What the fault injector needs of its object: storage to flush, and a way to abort. */
export interface Abortable {
  storage: Pick<DurableObjectStorage, "sync">;
  abort(reason?: string): void;
}

/**
 * Fault injection for crash tests: the object aborts when it reaches a named point (a
 * checkpoint label such as `result:s3`, or `dispatch:<step>`). Only tests and the bench wire a
 * point in (`inject`), and never in production. A point fires once: it is cleared and flushed to
 * disk first (an abort discards unflushed writes, which would crash-loop), the current work
 * stops by throwing, and the object is aborted as soon as the flush lands.
 */
export class FaultInjector {
  private readonly points: Set<string>;
  private fired = false;

  constructor(private readonly sql: SqlStorage, private readonly object: Abortable, private readonly enabled: boolean) {
    // Nothing is ever armed where faults are off (production): no read on every wake there.
    this.points = enabled ? new Set(rows<{ point: string }>(sql, `SELECT point FROM faults`).map((r) => r.point)) : new Set();
  }

  /** Arms a point (false in production, where nothing is armed). */
  inject(point: string): boolean {
    if (!this.enabled) return false;
    this.sql.exec(`INSERT OR IGNORE INTO faults (point) VALUES (?)`, point);
    this.points.add(point);
    return true;
  }

  /** True once a fault has fired: this incarnation does no more work. */
  get crashing(): boolean {
    return this.fired;
  }

  /** Crashes here if `point` is armed (see the class comment). */
  reach(point: string): void {
    if (!this.points.has(point)) return;
    this.points.delete(point);
    this.sql.exec(`DELETE FROM faults WHERE point = ?`, point);
    this.fired = true;
    void this.object.storage.sync().then(() => this.object.abort(`fault injected at ${point}`));
    throw new Error(`fault injected at ${point}`);
  }
}
