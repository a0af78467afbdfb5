import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { INLINE_MAX_BYTES, KV_MAX_BYTES, loadPayload, storePayload } from "../src/storage/payloads";

/** A JSON string payload of exactly `bytes` bytes once serialised (two quote characters included). */
const ofSize = (bytes: number) => "x".repeat(bytes - 2);

describe("tiered payload storage", () => {
  it("keeps payloads under 25 KB inline, up to 128 KB in KV, larger ones in R2, and reads each back", async () => {
    const cases = [
      { value: { small: true }, tier: "inline" },
      { value: ofSize(INLINE_MAX_BYTES - 1), tier: "inline" },
      { value: ofSize(INLINE_MAX_BYTES), tier: "kv" },
      { value: ofSize(KV_MAX_BYTES), tier: "kv" },
      { value: ofSize(KV_MAX_BYTES + 1), tier: "r2" },
    ];
    for (const [i, c] of cases.entries()) {
      const ref = await storePayload(env, `test/p${i}`, c.value);
      expect(ref.tier, `case ${i}`).toBe(c.tier);
      expect(ref.size).toBe(new TextEncoder().encode(JSON.stringify(c.value)).byteLength);
      expect(await loadPayload(env, ref)).toEqual(c.value);
    }
  });

  it("refuses a payload altered in storage, and one that is gone", async () => {
    const kv = await storePayload(env, "test/tamper-kv", ofSize(60_000));
    if (kv.tier !== "kv") throw new Error("expected kv");
    await env.PAYLOADS.put(kv.key, JSON.stringify(ofSize(60_000).replace(/^x/, "y")));
    await expect(loadPayload(env, kv)).rejects.toMatchObject({ code: "checksum_mismatch" });
    const r2 = await storePayload(env, "test/gone-r2", ofSize(200_000));
    if (r2.tier !== "r2") throw new Error("expected r2");
    await env.DELIVERABLES.delete(r2.key);
    await expect(loadPayload(env, r2)).rejects.toMatchObject({ code: "missing" });
    await expect(loadPayload(env, { tier: "inline", value: { a: 1 }, size: 7, sha256: "0".repeat(64) })).rejects.toMatchObject({ code: "checksum_mismatch" });
  });
});
