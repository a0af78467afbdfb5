import { describe, expect, it } from "vitest";
import { retryAfterMs } from "../../src/lib/retry-after";

describe("Retry-After", () => {
  it("reads retry-after-ms, seconds and HTTP dates", () => {
    const h = (init: Record<string, string>) => new Headers(init);
    expect(retryAfterMs(h({ "retry-after-ms": "1500" }))).toBe(1500);
    expect(retryAfterMs(h({ "retry-after": "7" }))).toBe(7000);
    expect(retryAfterMs(h({ "retry-after": "Sat, 21 Nov 2026 23:00:10 GMT" }), Date.parse("2026-11-21T23:00:00Z"))).toBe(10_000);
    expect(retryAfterMs(h({}))).toBeNull();
    expect(retryAfterMs(h({ "retry-after": "soon" }))).toBeNull();
  });
});
