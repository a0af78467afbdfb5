/**
 * Failed-login throttling, per account and per client address. The policy is a pure function of
 * the stored counters and `now`; `LoginThrottle` applies it to the `login_throttle` table.
 *
 * Within a 15-minute window the first 5 failures are free; each further failure locks the scope
 * for 2^(n-5) seconds, capped at 5 minutes. A short back-off stops guessing without letting a
 * stranger lock an account out for long.
 */
export const THROTTLE_WINDOW_MS = 15 * 60_000;
export const FREE_FAILURES = 5;
export const MAX_LOCK_MS = 5 * 60_000;

/** Stored counters for one scope. */
export interface ThrottleState { failures: number; windowStartMs: number; lockedUntilMs: number }

/** The state after one more failure at `now`. */
export function recordFailure(state: ThrottleState | null, now: number): ThrottleState {
  const fresh = !state || now - state.windowStartMs > THROTTLE_WINDOW_MS;
  const failures = fresh ? 1 : state.failures + 1;
  const windowStartMs = fresh ? now : state.windowStartMs;
  const over = failures - FREE_FAILURES;
  const lockedUntilMs = over > 0 ? now + Math.min(MAX_LOCK_MS, 1000 * 2 ** (over - 1)) : 0;
  return { failures, windowStartMs, lockedUntilMs };
}

/** Milliseconds until the scope may try again (0 when it may now). */
export function retryAfterMs(state: ThrottleState | null, now: number): number {
  return state ? Math.max(0, state.lockedUntilMs - now) : 0;
}

interface ThrottleRow { scope_key: string; failures: number; window_start_ms: number; locked_until_ms: number }

/** Applies the policy to D1 for a set of scopes (`account:<email>`, `address:<ip>`). */
export class LoginThrottle {
  constructor(private readonly db: D1Database) {}

  /** The longest remaining lock over the scopes, in ms (0 when none is locked). */
  async lockedFor(scopes: readonly string[], now: number): Promise<number> {
    const rows = await this.read(scopes);
    return Math.max(0, ...rows.map((r) => retryAfterMs(toState(r), now)));
  }

  /** Counts a failure against every scope. */
  async fail(scopes: readonly string[], now: number): Promise<void> {
    const rows = new Map((await this.read(scopes)).map((r) => [r.scope_key, r]));
    await this.db.batch(scopes.map((scope) => {
      const row = rows.get(scope);
      const next = recordFailure(row ? toState(row) : null, now);
      return this.db.prepare(
        `INSERT INTO login_throttle (scope_key, failures, window_start_ms, locked_until_ms) VALUES (?, ?, ?, ?)
         ON CONFLICT (scope_key) DO UPDATE SET failures = excluded.failures,
           window_start_ms = excluded.window_start_ms, locked_until_ms = excluded.locked_until_ms`,
      ).bind(scope, next.failures, next.windowStartMs, next.lockedUntilMs);
    }));
  }

  /** Forgets the failures of a scope (after a successful login to that account). */
  async clear(scope: string): Promise<void> {
    await this.db.prepare(`DELETE FROM login_throttle WHERE scope_key = ?`).bind(scope).run();
  }

  private async read(scopes: readonly string[]): Promise<ThrottleRow[]> {
    if (scopes.length === 0) return [];
    const { results } = await this.db.prepare(
      `SELECT * FROM login_throttle WHERE scope_key IN (${scopes.map(() => "?").join(", ")})`,
    ).bind(...scopes).all<ThrottleRow>();
    return results;
  }
}

function toState(row: ThrottleRow): ThrottleState {
  return { failures: row.failures, windowStartMs: row.window_start_ms, lockedUntilMs: row.locked_until_ms };
}
