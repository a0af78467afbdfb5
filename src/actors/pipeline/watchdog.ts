/** A fresh worker call's watchdog: while it runs here, the alarm stays this far ahead, so a crash resumes within it. */
export const WATCHDOG_MS = 200;
/** The watchdog of a call that has run long stretches to a quarter of its age, up to this. */
export const WATCHDOG_MAX_MS = 2_000;
/** Pool leases of running steps are renewed this often. */
export const LEASE_RENEW_MS = 10_000;

/**
 * The worker calls in flight in this incarnation of the PipelineActor, and what their liveness
 * asks of the actor's alarm. Nothing here needs to survive eviction: a call in flight dies with
 * its object, and it is the alarm (durable) that notices and dispatches the step again. While a
 * call runs, the alarm is kept just ahead: WATCHDOG_MS for a fresh call, stretched to a quarter
 * of the oldest call's age (at most WATCHDOG_MAX_MS), so a long model call costs a handful of
 * alarms rather than five a second, and a crash during it is resumed within a quarter of the
 * time it had run. Each alarm that fires meanwhile renews the pool leases when they are due.
 */
export class Watchdog {
  private readonly calls = new Map<string, number>();
  private lastRenewal = 0;

  /** A call went out for the attempt `key`. */
  started(key: string, now: number): void {
    if (this.calls.size === 0) this.lastRenewal = now;
    this.calls.set(key, now);
  }

  /** The call for `key` ended (answered, or failed in transport). */
  ended(key: string): void {
    this.calls.delete(key);
  }

  /** True while the call for `key` runs here. */
  has(key: string): boolean {
    return this.calls.has(key);
  }

  /** The attempt keys whose calls run here. */
  keys(): string[] {
    return [...this.calls.keys()];
  }

  get size(): number {
    return this.calls.size;
  }

  /** When the alarm must fire to notice a crash while calls run here (null: none run). */
  due(now: number): number | null {
    let oldest = Infinity;
    for (const since of this.calls.values()) oldest = Math.min(oldest, since);
    if (oldest === Infinity) return null;
    return now + Math.min(WATCHDOG_MAX_MS, Math.max(WATCHDOG_MS, Math.floor((now - oldest) / 4)));
  }

  /** True (once per LEASE_RENEW_MS) when the running steps' pool leases should be renewed now. */
  leasesDue(now: number): boolean {
    if (this.calls.size === 0 || now - this.lastRenewal < LEASE_RENEW_MS) return false;
    this.lastRenewal = now;
    return true;
  }
}
