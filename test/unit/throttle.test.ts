import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  ACCOUNT_POLICY, ADDRESS_POLICY, addressScope, claimAttempt, policyOf, refundAttempt, retryAfterMs, THROTTLE_WINDOW_MS, type ThrottleState,
} from "../../src/auth/throttle";

// The address policy, the main brake (the tests below that name no policy use it).
const FREE_FAILURES = ADDRESS_POLICY.freeFailures;
const MAX_LOCK_MS = ADDRESS_POLICY.maxLockMs;

describe("login throttle policy", () => {
  it("allows the free attempts, then locks with doubling back-off up to the cap", () => {
    let state: ThrottleState | null = null;
    let now = 1_000_000;
    const locks: number[] = [];
    // Nine locked attempts: their locks (1 s … 256 s) fit in one window.
    for (let i = 1; i <= FREE_FAILURES + 9; i++) {
      const claim = claimAttempt(state, now, ADDRESS_POLICY);
      expect(claim.allowed).toBe(true);
      state = claim.next;
      locks.push(retryAfterMs(state, now));
      expect(claimAttempt(state, now, ADDRESS_POLICY).allowed).toBe(i <= FREE_FAILURES);
      now += retryAfterMs(state, now);
    }
    expect(locks.slice(0, FREE_FAILURES)).toEqual([0, 0, 0, 0, 0]);
    expect(locks.slice(FREE_FAILURES, FREE_FAILURES + 4)).toEqual([1000, 2000, 4000, 8000]);
    expect(Math.max(...locks)).toBe(256_000);
    // However many failures a window holds, the lock stops at the cap.
    const many = claimAttempt({ failures: 60, windowStartMs: now, lockedUntilMs: 0 }, now, ADDRESS_POLICY).next;
    expect(retryAfterMs(many, now)).toBe(MAX_LOCK_MS);
  });

  it("refuses while locked without changing anything", () => {
    let state: ThrottleState | null = null;
    for (let i = 0; i <= FREE_FAILURES; i++) state = claimAttempt(state, 0, ADDRESS_POLICY).next;
    const refused = claimAttempt(state, 10, ADDRESS_POLICY);
    expect(refused.allowed).toBe(false);
    expect(refused.next).toBe(state);
  });

  it("forgets attempts once the window has passed", () => {
    let state: ThrottleState | null = null;
    for (let i = 0; i < 3; i++) state = claimAttempt(state, 0, ADDRESS_POLICY).next;
    const fresh = claimAttempt(state, THROTTLE_WINDOW_MS + 1, ADDRESS_POLICY);
    expect(fresh.next).toEqual({ failures: 1, windowStartMs: THROTTLE_WINDOW_MS + 1, lockedUntilMs: 0 });
  });

  it("gives back a claim: a successful login does not count as a failure", () => {
    let state: ThrottleState | null = null;
    for (let i = 0; i < 4; i++) state = claimAttempt(state, 0, ADDRESS_POLICY).next;
    const claimed = claimAttempt(state, 0, ADDRESS_POLICY).next;
    expect(refundAttempt(claimed, ADDRESS_POLICY)).toEqual(state);
  });

  it("property: never more than the free attempts plus one per lock period get through", () => {
    fc.assert(fc.property(fc.array(fc.integer({ min: 0, max: 2_000 }), { minLength: 1, maxLength: 200 }), (gaps) => {
      let state: ThrottleState | null = null;
      let now = 0;
      let allowed = 0;
      for (const gap of gaps) {
        now += gap;
        const claim = claimAttempt(state, now, ADDRESS_POLICY);
        if (claim.allowed) allowed++;
        expect(retryAfterMs(claim.next, now)).toBeLessThanOrEqual(MAX_LOCK_MS);
        state = claim.next;
      }
      // Within one window, after the free attempts each allowed attempt costs at least 1 s of lock.
      if (now <= THROTTLE_WINDOW_MS) expect(allowed).toBeLessThanOrEqual(FREE_FAILURES + 1 + Math.floor(now / 1000));
    }));
  });
});

describe("account policy", () => {
  it("gives an account more free failures and bounds its lock at 30 s, so a stranger cannot keep its owner out for long", () => {
    expect(policyOf("account:a@example.com")).toBe(ACCOUNT_POLICY);
    expect(policyOf("address:203.0.113.9")).toBe(ADDRESS_POLICY);
    let state: ThrottleState | null = null;
    let now = 0;
    const locks: number[] = [];
    for (let i = 1; i <= ACCOUNT_POLICY.freeFailures + 20; i++) {
      const claim = claimAttempt(state, now, ACCOUNT_POLICY);
      expect(claim.allowed).toBe(true);
      state = claim.next;
      locks.push(retryAfterMs(state, now));
      now += retryAfterMs(state, now);
    }
    expect(locks.slice(0, ACCOUNT_POLICY.freeFailures).every((l) => l === 0)).toBe(true);
    expect(Math.max(...locks)).toBe(30_000);
  });
});

describe("address scope", () => {
  it("keeps IPv4 whole and groups IPv6 by /64", () => {
    expect(addressScope("203.0.113.9")).toBe("address:203.0.113.9");
    expect(addressScope("::ffff:203.0.113.9")).toBe("address:203.0.113.9");
    expect(addressScope("2001:db8:abcd:12:1::7")).toBe("address:2001:db8:abcd:12::/64");
    expect(addressScope("2001:db8:abcd:12:ffff:ffff:ffff:ffff")).toBe("address:2001:db8:abcd:12::/64");
    expect(addressScope("2001:0db8::1")).toBe("address:2001:db8:0:0::/64");
    expect(addressScope("::1")).toBe("address:0:0:0:0::/64");
  });
});
