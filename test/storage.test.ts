import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { holds, resolvePath } from "../src/actors/pipeline/paths";
import { INLINE_MAX_BYTES, KV_MAX_BYTES, loadPayload, storePayload } from "../src/storage/payloads";
import type { RefMarker } from "../src/storage/ref-marker";
import { externalize, pipelineScope, resolveRefs } from "../src/storage/refs";

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

describe("references: large step outputs out of band, read back by the next worker", () => {
  const scope = pipelineScope("pip_refs_a");
  const articles = Array.from({ length: 40 }, (_, i) => ({ id: `a${i}`, url: `https://example.com/${i}`, text: "tidal ".repeat(150) }));

  it("keeps an output under 25 KB whole, and stores the large fields of a larger one (KV or R2) with size, checksum and item count", async () => {
    const small = await externalize(env, `${scope}s1/1`, { count: 2, items: ["a", "b"] });
    expect(small).toEqual({ output: { count: 2, items: ["a", "b"] }, bytes: JSON.stringify({ count: 2, items: ["a", "b"] }).length, refs: 0 });

    const big = { articles, articles_count: 40, title: "short title", huge: ofSize(KV_MAX_BYTES + 10), ready_for_next: true };
    const out = await externalize(env, `${scope}s1/1`, big);
    expect(out.refs).toBe(2);
    expect(out.bytes).toBe(new TextEncoder().encode(JSON.stringify(big)).byteLength);
    // Small fields (what conditions and mappings read) stay inline.
    expect(out.output).toMatchObject({ articles_count: 40, title: "short title", ready_for_next: true });
    expect(out.output.articles).toMatchObject({ $ref: { tier: "kv", key: `payload:${scope}s1/1/articles`, items: 40 } });
    expect(out.output.huge).toMatchObject({ $ref: { tier: "r2", key: `payloads/${scope}s1/1/huge.json` } });
    expect(JSON.stringify(out.output).length).toBeLessThan(1_000);

    const back = await resolveRefs(env, out.output, scope);
    expect(back.value).toEqual(big);
    expect(back.refs).toBe(2);
    expect(back.readBytes).toBe((out.output.articles as unknown as RefMarker).$ref.size + (out.output.huge as unknown as RefMarker).$ref.size);
  });

  it("carries the rest of a path with a reference, answers length from the item count, and joins $concat parts", async () => {
    const out = await externalize(env, `${scope}s2/1`, { articles, n: 40 });
    const root = { steps: { fetch: out.output, other: { urls: ["https://x.example/feed"] } } };
    expect(resolvePath("$.steps.fetch.articles.length", root)).toBe(40);
    const urls = resolvePath("$.steps.fetch.articles[*].url", root);
    expect(urls).toMatchObject({ $ref: { path: "[*].url" } });
    expect((await resolveRefs(env, { urls: urls! }, scope)).value).toEqual({ urls: articles.map((a) => a.url) });
    const first = resolvePath("$.steps.fetch.articles.0.id", root);
    expect((await resolveRefs(env, first!, scope)).value).toBe("a0");
    const joined = resolvePath("$.steps.fetch.articles[*].url,$.steps.other.urls", root);
    expect(joined).toMatchObject({ $concat: [{ $ref: {} }, ["https://x.example/feed"]] });
    const resolved = await resolveRefs(env, { a: joined!, b: urls! }, scope);
    expect(resolved.value).toEqual({ a: [...articles.map((a) => a.url), "https://x.example/feed"], b: articles.map((a) => a.url) });
    // The same stored value is read once however many fields refer to it.
    expect(resolved.readBytes).toBe((out.output.articles as unknown as RefMarker).$ref.size);
    // A condition on a referenced array's size needs no read.
    expect(holds({ path: "$.steps.fetch.articles.length", op: "gte", value: 40 }, root)).toBe(true);
  });

  it("refuses a reference outside the pipeline's own payloads, an altered payload, and a missing one", async () => {
    const out = await externalize(env, `${scope}s3/1`, { articles });
    const ref = out.output.articles as unknown as RefMarker;
    await expect(resolveRefs(env, out.output, pipelineScope("pip_refs_b"))).rejects.toMatchObject({ code: "out_of_scope" });
    // A prefix of another id is not this pipeline's scope either.
    await expect(resolveRefs(env, out.output, pipelineScope("pip_refs_"))).rejects.toMatchObject({ code: "out_of_scope" });
    await env.PAYLOADS.put(ref.$ref.key, JSON.stringify(articles.slice(1)));
    await expect(resolveRefs(env, out.output, scope)).rejects.toMatchObject({ code: "checksum_mismatch" });
    await env.PAYLOADS.delete(ref.$ref.key);
    await expect(resolveRefs(env, out.output, scope)).rejects.toMatchObject({ code: "missing" });
  });
});
