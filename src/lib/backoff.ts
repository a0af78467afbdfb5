/** How a loop retries: tries before giving up, and the exponential backoff between them. */
export interface RetryPolicy { maxAttempts: number; baseMs: number; capMs: number }

/**
 * The one backoff of the runtime (a step's retries, an actor's retried operations, the pool's
 * call-back redelivery): the wait after `failed` failed tries grows exponentially from `baseMs`,
 * capped at `capMs`, with jitter so that a crowd spreads out. `spread` is the random share of
 * the wait: 1 is full jitter (uniform in [0, ceiling)), 0.5 equal jitter (half fixed, so it never
 * retries in a tight loop). `random` is in [0, 1).
 */
export function backoffMs(policy: Pick<RetryPolicy, "baseMs" | "capMs">, failed: number, random: number, spread = 1): number {
  const ceiling = Math.min(policy.capMs, policy.baseMs * 2 ** Math.max(0, failed - 1));
  return Math.floor(ceiling * (1 - spread) + random * ceiling * spread);
}
