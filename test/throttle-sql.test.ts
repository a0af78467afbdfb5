import { env } from "cloudflare:workers";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { claimAttempt, LoginThrottle, policyOf, refundAttempt, THROTTLE_WINDOW_MS, toState, type ThrottleState } from "../src/auth/throttle";
import { call, seed } from "./helpers";
import { DemoStaff } from "../src/seed/demo-data";

describe("LoginThrottle (SQL) against the pure policy", () => {
  it("makes the same decisions and keeps the same counters over random sequences", async () => {
    let run = 0;
    await fc.assert(fc.asyncProperty(
      fc.array(fc.record({ op: fc.constantFrom("claim", "claim", "claim", "refund"), gap: fc.integer({ min: 0, max: 90_000 }) }), { minLength: 1, maxLength: 40 }),
      async (ops) => {
        // Both kinds of scope, each with its own policy.
        const scope = run % 2 === 0 ? `account:model-${run++}@example.com` : `address:198.18.0.${run++ % 250}`;
        const policy = policyOf(scope);
        const throttle = new LoginThrottle(env.DB);
        let model: ThrottleState | null = null;
        let now = 1_700_000_000_000;
        for (const { op, gap } of ops) {
          now += gap;
          if (op === "claim") {
            const expected = claimAttempt(model, now, policy);
            const actual = await throttle.claim([scope], now);
            expect(actual.allowed).toBe(expected.allowed);
            model = expected.next;
          } else if (model) {
            await throttle.refund([scope]);
            model = refundAttempt(model, policy);
          }
          const [row] = await throttle.read([scope]);
          if (row) expect(toState(row)).toEqual(model);
          // A swept row is one the policy would treat as fresh anyway.
          else if (model) expect(now - model.windowStartMs > THROTTLE_WINDOW_MS || model.failures === 0 || op === "refund").toBe(true);
        }
      },
    ), { numRuns: 40 });
  });
});

describe("login throttle under concurrency", () => {
  it("lets at most the free attempts plus one through when 30 guesses arrive at once", async () => {
    await seed();
    const staff = DemoStaff[0];
    const results = await Promise.all(Array.from({ length: 30 }, (_, i) =>
      call("POST", "/auth/login", { body: { email: staff.email, password: `guess-${i}` }, headers: { "CF-Connecting-IP": "203.0.113.77" } })));
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s === 401).length).toBeLessThanOrEqual(6);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(24);
    expect(statuses.every((s) => s === 401 || s === 429)).toBe(true);
  });
});
