/**
 * Failed-login throttling, per client address and per account.
 *
 * Policy (pure, below): within a 15-minute window a scope's first failures are free; each further
 * one locks the scope for 2^(n - free - 1) seconds, up to a cap. The address is the main brake:
 * 5 free failures, locks up to 15 minutes. The account's back-off is bounded so that a third
 * party guessing from many addresses cannot keep its owner out: 10 free failures, locks of at
 * most 30 seconds, and an address that signed in to the account in the last 30 days is not held
 * by the account's lock at all (only by its own address limit).
 *
 * Concurrency: an attempt is *claimed* before the password is checked, by one atomic upsert per
 * scope that refuses while the scope is locked. Parallel guesses therefore cannot all pass a
 * check made before any of them failed. A successful login gives its claim back. `LoginThrottle`
 * is that SQL; test/throttle-sql.test.ts checks it against the pure policy.
 */
export const THROTTLE_WINDOW_MS = 15 * 60_000;

/** How many failures a scope has free in a window, and its longest lock. */
export interface ThrottlePolicy { freeFailures: number; maxLockMs: number }

/** Per client address: the main brake on guessing. */
export const ADDRESS_POLICY: ThrottlePolicy = { freeFailures: 5, maxLockMs: 15 * 60_000 };
/** Per account: bounded, so a stranger cannot lock its owner out for long. */
export const ACCOUNT_POLICY: ThrottlePolicy = { freeFailures: 10, maxLockMs: 30_000 };
/** An address that signed in to an account this recently is not held by the account's lock. */
export const TRUSTED_ADDRESS_MS = 30 * 24 * 3_600_000;

/** The policy of a scope key (`account:…` or `address:…`). */
export function policyOf(scope: string): ThrottlePolicy {
  return scope.startsWith("account:") ? ACCOUNT_POLICY : ADDRESS_POLICY;
}

/** Counters for one scope. */
export interface ThrottleState { failures: number; windowStartMs: number; lockedUntilMs: number }

/** The lock that follows the `failures`-th attempt in a window. */
function lockAfter(failures: number, now: number, policy: ThrottlePolicy): number {
  const over = failures - policy.freeFailures;
  return over > 0 ? now + Math.min(policy.maxLockMs, 1000 * 2 ** Math.min(over - 1, 30)) : 0;
}

/**
 * Claims one attempt at `now`: refused (state unchanged) while locked; otherwise counted as a
 * failure until the login proves otherwise, locking the scope once past the free attempts.
 */
export function claimAttempt(state: ThrottleState | null, now: number, policy: ThrottlePolicy): { allowed: boolean; next: ThrottleState } {
  if (state && state.lockedUntilMs > now) return { allowed: false, next: state };
  const fresh = !state || now - state.windowStartMs > THROTTLE_WINDOW_MS;
  const failures = fresh ? 1 : state.failures + 1;
  return { allowed: true, next: { failures, windowStartMs: fresh ? now : state.windowStartMs, lockedUntilMs: lockAfter(failures, now, policy) } };
}

/** Gives back a claimed attempt that did not fail (or was not made). */
export function refundAttempt(state: ThrottleState, policy: ThrottlePolicy): ThrottleState {
  const failures = Math.max(state.failures - 1, 0);
  return { ...state, failures, lockedUntilMs: failures > policy.freeFailures ? state.lockedUntilMs : 0 };
}

/** Milliseconds until the scope may try again (0 when it may now). */
export function retryAfterMs(state: ThrottleState | null, now: number): number {
  return state ? Math.max(0, state.lockedUntilMs - now) : 0;
}

/**
 * The throttle scope of a client address: IPv4 as is, IPv6 by its /64 (one host usually holds a
 * whole /64, so per-address limits on full IPv6 addresses are trivially rotated).
 */
export function addressScope(ip: string): string {
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(ip);
  if (mapped) return `address:${mapped[1]}`;
  if (!ip.includes(":")) return `address:${ip}`;
  const [head = "", tail] = ip.toLowerCase().split("::");
  const h = head ? head.split(":") : [];
  const t = tail ? tail.split(":") : [];
  const groups = tail === undefined ? h : [...h, ...Array<string>(Math.max(0, 8 - h.length - t.length)).fill("0"), ...t];
  return `address:${groups.slice(0, 4).map((g) => g.replace(/^0+(?=.)/, "")).join(":")}::/64`;
}

/** The throttle scope of an account. */
export function accountScope(email: string): string {
  return `account:${email.toLowerCase()}`;
}

interface ThrottleRow { scope_key: string; failures: number; window_start_ms: number; locked_until_ms: number }

/** The outcome of claiming an attempt on several scopes. */
export type Claim = { allowed: true } | { allowed: false; retryAfterMs: number };

/** `claimAttempt` and `refundAttempt` as atomic statements on the `login_throttle` table. */
export class LoginThrottle {
  constructor(private readonly db: D1Database) {}

  /**
   * Claims an attempt on every scope. Refused when any scope is locked; the scopes that were
   * claimed are then given back, so a refused attempt counts against nothing.
   */
  async claim(scopes: readonly string[], now: number): Promise<Claim> {
    const results = await this.db.batch([
      // Sweep rows whose window has passed and that are not locked, so the table stays small.
      this.db.prepare(`DELETE FROM login_throttle WHERE window_start_ms < ?1 AND locked_until_ms <= ?2`)
        .bind(now - THROTTLE_WINDOW_MS, now),
      ...scopes.map((scope) => this.claimStatement(scope, now)),
    ]);
    const claimed = scopes.filter((_, i) => (results[i + 1]?.results.length ?? 0) > 0);
    if (claimed.length === scopes.length) return { allowed: true };
    if (claimed.length > 0) await this.refund(claimed);
    const rows = await this.read(scopes);
    return { allowed: false, retryAfterMs: Math.max(1, ...rows.map((r) => retryAfterMs(toState(r), now))) };
  }

  /**
   * After a successful login: the account's failures are forgotten, the address's claim given
   * back, and the address trusted for the account (TRUSTED_ADDRESS_MS).
   */
  async succeeded(account: string, address: string, now: number): Promise<void> {
    await this.db.batch([
      this.db.prepare(`DELETE FROM login_throttle WHERE scope_key = ?`).bind(account),
      this.refundStatement(address),
      this.db.prepare(`INSERT INTO login_trusted (account_scope, address_scope, last_success_ms) VALUES (?, ?, ?)
        ON CONFLICT (account_scope, address_scope) DO UPDATE SET last_success_ms = excluded.last_success_ms`).bind(account, address, now),
      this.db.prepare(`DELETE FROM login_trusted WHERE last_success_ms < ?`).bind(now - TRUSTED_ADDRESS_MS),
    ]);
  }

  /** True when `address` signed in to `account` within TRUSTED_ADDRESS_MS: the account's lock does not hold it. */
  async trusted(account: string, address: string, now: number): Promise<boolean> {
    const row = await this.db.prepare(`SELECT 1 AS ok FROM login_trusted WHERE account_scope = ? AND address_scope = ? AND last_success_ms >= ?`)
      .bind(account, address, now - TRUSTED_ADDRESS_MS).first();
    return row !== null;
  }

  /** Gives back one claimed attempt on each scope. */
  async refund(scopes: readonly string[]): Promise<void> {
    await this.db.batch(scopes.map((scope) => this.refundStatement(scope)));
  }

  /** The stored counters of the scopes that have any. */
  async read(scopes: readonly string[]): Promise<ThrottleRow[]> {
    if (scopes.length === 0) return [];
    const { results } = await this.db.prepare(
      `SELECT * FROM login_throttle WHERE scope_key IN (${scopes.map(() => "?").join(", ")})`,
    ).bind(...scopes).all<ThrottleRow>();
    return results;
  }

  // claimAttempt in SQL. SET expressions read the row's values from before the update; the
  // WHERE makes a locked scope return no row, which is the refusal.
  private claimStatement(scope: string, now: number): D1PreparedStatement {
    const policy = policyOf(scope);
    return this.db.prepare(
      `INSERT INTO login_throttle (scope_key, failures, window_start_ms, locked_until_ms) VALUES (?1, 1, ?2, 0)
       ON CONFLICT (scope_key) DO UPDATE SET
         failures = CASE WHEN ?2 - window_start_ms > ?3 THEN 1 ELSE failures + 1 END,
         window_start_ms = CASE WHEN ?2 - window_start_ms > ?3 THEN ?2 ELSE window_start_ms END,
         locked_until_ms = CASE
           WHEN ?2 - window_start_ms > ?3 OR failures + 1 <= ?4 THEN 0
           ELSE ?2 + min(?5, 1000 * (1 << min(failures - ?4, 30))) END
       WHERE locked_until_ms <= ?2
       RETURNING failures`,
    ).bind(scope, now, THROTTLE_WINDOW_MS, policy.freeFailures, policy.maxLockMs);
  }

  // refundAttempt in SQL.
  private refundStatement(scope: string): D1PreparedStatement {
    return this.db.prepare(
      `UPDATE login_throttle SET failures = max(failures - 1, 0),
         locked_until_ms = CASE WHEN failures - 1 > ?2 THEN locked_until_ms ELSE 0 END
       WHERE scope_key = ?1`,
    ).bind(scope, policyOf(scope).freeFailures);
  }
}

/** A stored row as policy state. */
export function toState(row: ThrottleRow): ThrottleState {
  return { failures: row.failures, windowStartMs: row.window_start_ms, lockedUntilMs: row.locked_until_ms };
}
