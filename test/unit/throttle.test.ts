import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { FREE_FAILURES, MAX_LOCK_MS, recordFailure, retryAfterMs, THROTTLE_WINDOW_MS, type ThrottleState } from "../../src/auth/throttle";

describe("login throttle policy", () => {
  it("allows the first free failures, then locks with doubling back-off up to the cap", () => {
    let state: ThrottleState | null = null;
    const now = 1_000_000;
    for (let i = 1; i <= FREE_FAILURES; i++) {
      state = recordFailure(state, now);
      expect(retryAfterMs(state, now)).toBe(0);
    }
    const locks = [];
    for (let i = 0; i < 12; i++) {
      state = recordFailure(state, now);
      locks.push(retryAfterMs(state, now));
    }
    expect(locks.slice(0, 4)).toEqual([1000, 2000, 4000, 8000]);
    expect(Math.max(...locks)).toBe(MAX_LOCK_MS);
  });

  it("forgets failures once the window has passed", () => {
    let state: ThrottleState | null = null;
    for (let i = 0; i < 8; i++) state = recordFailure(state, 0);
    state = recordFailure(state, THROTTLE_WINDOW_MS + 1);
    expect(state.failures).toBe(1);
    expect(retryAfterMs(state, THROTTLE_WINDOW_MS + 1)).toBe(0);
  });

  it("property: a lock never exceeds the cap, never starts before now, and never shrinks the count within a window", () => {
    fc.assert(fc.property(fc.array(fc.integer({ min: 0, max: 60_000 }), { minLength: 1, maxLength: 60 }), (gaps) => {
      let state: ThrottleState | null = null;
      let now = 0;
      for (const gap of gaps) {
        now += gap;
        const next = recordFailure(state, now);
        const wait = retryAfterMs(next, now);
        expect(wait).toBeGreaterThanOrEqual(0);
        expect(wait).toBeLessThanOrEqual(MAX_LOCK_MS);
        if (state && now - state.windowStartMs <= THROTTLE_WINDOW_MS) expect(next.failures).toBe(state.failures + 1);
        else expect(next.failures).toBe(1);
        if (next.failures <= FREE_FAILURES) expect(wait).toBe(0);
        state = next;
      }
    }));
  });
});
