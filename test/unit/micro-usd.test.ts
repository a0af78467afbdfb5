import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { microsToUsd, usdToMicros } from "../../src/lib/money";

describe("money", () => {
  it("converts USD to integer micro-USD and back without drift", () => {
    expect(usdToMicros(0.1 + 0.2)).toBe(300_000);
    expect(usdToMicros(-1.0000005)).toBe(-1_000_001);
    expect(() => usdToMicros(Number.NaN)).toThrow(RangeError);
    fc.assert(fc.property(fc.integer({ min: -1e12, max: 1e12 }), (micros) => {
      const back = usdToMicros(microsToUsd(micros));
      expect(Number.isInteger(back)).toBe(true);
      expect(back).toBe(micros);
    }));
  });
});
