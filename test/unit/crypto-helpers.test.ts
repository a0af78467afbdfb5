import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { constantTimeEqual, constantTimeEqualHex, fromBase64Url, randomAlphanumeric, toBase64Url } from "../../src/lib/crypto";

describe("crypto helpers", () => {
  it("make random alphanumeric strings long enough for the requested entropy", () => {
    const a = randomAlphanumeric(128);
    expect(a).toMatch(/^[0-9A-Za-z]{22}$/);
    expect(new Set(Array.from({ length: 200 }, () => randomAlphanumeric(64))).size).toBe(200);
  });

  it("round-trip base64url", () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
      expect(fromBase64Url(toBase64Url(bytes))).toEqual(bytes);
    }));
  });

  it("compare secrets in constant time by value", async () => {
    expect(await constantTimeEqual("secret", "secret")).toBe(true);
    expect(await constantTimeEqual("secret", "secreT")).toBe(false);
    expect(await constantTimeEqual("secret", "secret-longer")).toBe(false);
    expect(constantTimeEqualHex("ab", "ab")).toBe(true);
    expect(constantTimeEqualHex("ab", "abc")).toBe(false);
  });
});
