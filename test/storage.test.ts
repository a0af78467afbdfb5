import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { JsonObject } from "../src/lib/json";
import { holds, resolvePath } from "../src/actors/pipeline/paths";
import { INLINE_MAX_BYTES, KV_MAX_BYTES, loadPayload, storeText, utf8Bytes } from "../src/storage/payloads";
import { externalize, pipelineScope, resolveRefs } from "../src/storage/refs";
import { sweepPayloads } from "../src/storage/retention";

/** A JSON string payload of exactly `bytes` bytes once serialised (two quote characters included). */
const ofSize = (bytes: number) => "x".repeat(bytes - 2);

describe("utf8Bytes", () => {
  it("counts what TextEncoder would encode, without encoding: every plane, pairs and lone surrogates", () => {
    const samples = ["", "abc", "é", "ü€", "😀", "a😀b", "\ud800", "x\udc00y", "日本語", JSON.stringify({ a: "Ωmega 😀 ✓", b: ["ß"] })];
    for (let n = 0; n < 500; n++) samples.push(Array.from({ length: 12 }, (_, i) => String.fromCharCode((n * 7919 + i * 104729) % 0x10000)).join(""));
    for (const text of samples) expect(utf8Bytes(text), JSON.stringify(text)).toBe(new TextEncoder().encode(text).byteLength);
  });
});

describe("tiered payload storage", () => {
  it("keeps payloads under 25 KB inline, up to 128 KB in KV, larger ones in R2, and reads each back", async () => {
    // Inline: an output under 25 KB travels whole (externalize); stored: a field by its size (storeText).
    const inline: JsonObject[] = [{ small: true }, { v: ofSize(INLINE_MAX_BYTES - 1 - `{"v":}`.length) }];
    for (const value of inline) {
      const out = await externalize(env, "pipelines/pip_tiers/s/1", value);
      expect(out.refs, JSON.stringify(value).length.toString()).toBe(0);
      expect(out.output).toEqual(value);
      expect(out.bytes).toBeLessThan(INLINE_MAX_BYTES);
    }
    const cases = [
      { value: ofSize(INLINE_MAX_BYTES), tier: "kv" },
      { value: ofSize(KV_MAX_BYTES), tier: "kv" },
      { value: ofSize(KV_MAX_BYTES + 1), tier: "r2" },
    ];
    for (const [i, c] of cases.entries()) {
      const ref = await storeText(env, `test/p${i}`, JSON.stringify(c.value));
      expect(ref.tier, `case ${i}`).toBe(c.tier);
      expect(ref.size).toBe(new TextEncoder().encode(JSON.stringify(c.value)).byteLength);
      expect(await loadPayload(env, ref)).toEqual(c.value);
    }
  });

  it("refuses a payload altered in storage, and one that is gone", async () => {
    const kv = await storeText(env, "test/tamper-kv", JSON.stringify(ofSize(60_000)));
    if (kv.tier !== "kv") throw new Error("expected kv");
    await env.PAYLOADS.put(kv.key, JSON.stringify(ofSize(60_000).replace(/^x/, "y")));
    await expect(loadPayload(env, kv)).rejects.toMatchObject({ code: "checksum_mismatch" });
    const r2 = await storeText(env, "test/gone-r2", JSON.stringify(ofSize(200_000)));
    if (r2.tier !== "r2") throw new Error("expected r2");
    await env.DELIVERABLES.delete(r2.key);
    await expect(loadPayload(env, r2)).rejects.toMatchObject({ code: "missing" });
  });
});

/** A reference marker as stored in an output (for reading its fields in assertions). */
type RefMarker = { $ref: { key: string; size: number; tier: string } };

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
    // Keys name the attempt, the field and the content (one key never holds two contents).
    expect(out.output.articles).toMatchObject({ $ref: { tier: "kv", key: expect.stringMatching(new RegExp(`^payload:${scope}s1/1/articles@[0-9a-f]{16}$`)), items: 40 } });
    expect(out.output.huge).toMatchObject({ $ref: { tier: "r2", key: expect.stringMatching(new RegExp(`^payloads/${scope}s1/1/huge@[0-9a-f]{16}\\.json$`)) } });
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
    expect(urls).toMatchObject({ $ref: {}, $path: ["[*].url"] });
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

  it("applies later paths to a deferred value exactly as to the value itself (stages, $concat, missing fields)", async () => {
    const out = await externalize(env, `${scope}s4/1`, { articles, n: 40 });
    const plain = { steps: { fetch: { articles, n: 40 }, other: { urls: ["https://x.example/feed"] } } };
    const byRef = { steps: { fetch: out.output, other: plain.steps.other } };
    // Values an output mapping stored in the context, then read by a later path.
    const context = (root: typeof plain | typeof byRef) => ({
      urls: resolvePath("$.steps.fetch.articles[*].url", root)!,
      both: resolvePath("$.steps.fetch.articles[*].url,$.steps.other.urls", root)!,
    });
    const paths = ["$.context.urls.length", "$.context.urls.0", "$.context.both.length", "$.context.both[*]", "$.context.both.40",
      "$.context.both,$.steps.other.urls", "$.context.urls.99", "$.steps.fetch.articles.3.id"];
    for (const path of paths) {
      const expected = resolvePath(path, { ...plain, context: context(plain) });
      const deferred = resolvePath(path, { ...byRef, context: context(byRef) });
      const read = deferred === undefined ? undefined : (await resolveRefs(env, { v: deferred }, scope)).value;
      expect(read, path).toEqual(expected === undefined ? {} : { v: expected });
    }
    // Known without a read: a referenced array's length, and a $concat's when every part's is known
    // (not after a stage: `[*].url` drops items without a url).
    const whole = { ...byRef, context: { all: resolvePath("$.steps.fetch.articles,$.steps.other.urls", byRef)! } };
    expect(resolvePath("$.context.all.length", whole)).toBe(41);
    expect(resolvePath("$.context.both.length", { ...byRef, context: context(byRef) })).toMatchObject({ $concat: [{}, {}] });
  });

  it("refuses a reference outside the pipeline's own payloads, an altered payload, and a missing one", async () => {
    const out = await externalize(env, `${scope}s3/1`, { articles });
    const ref = out.output.articles as unknown as RefMarker;
    // A KV reference must name a KV payload key of this pipeline (not another tier's prefix, not a cache key).
    await expect(resolveRefs(env, { a: { $ref: { ...ref.$ref, tier: "r2" } } }, scope)).rejects.toMatchObject({ code: "out_of_scope" });
    await expect(resolveRefs(env, { a: { $ref: { ...ref.$ref, key: "worker-result:x" } } }, scope)).rejects.toMatchObject({ code: "out_of_scope" });
    // Malformed markers are plain data, never read.
    expect((await resolveRefs(env, { a: { $ref: ref.$ref, $path: [7] } }, scope)).refs).toBe(0);
    await expect(resolveRefs(env, out.output, pipelineScope("pip_refs_b"))).rejects.toMatchObject({ code: "out_of_scope" });
    // A prefix of another id is not this pipeline's scope either.
    await expect(resolveRefs(env, out.output, pipelineScope("pip_refs_"))).rejects.toMatchObject({ code: "out_of_scope" });
    await env.PAYLOADS.put(ref.$ref.key, JSON.stringify(articles.slice(1)));
    await expect(resolveRefs(env, out.output, scope)).rejects.toMatchObject({ code: "checksum_mismatch" });
    await env.PAYLOADS.delete(ref.$ref.key);
    await expect(resolveRefs(env, out.output, scope)).rejects.toMatchObject({ code: "missing" });
  });
});

describe("retention of pipelines' R2 payloads", () => {
  it("deletes R2 payloads older than KV keeps its own, and nothing else", async () => {
    await env.DELIVERABLES.put("payloads/pipelines/pip_sweep/s/1/a@0123456789abcdef.json", "[]");
    await env.DELIVERABLES.put("deliverables/keep-me.json", "{}");
    expect(await sweepPayloads(env.DELIVERABLES, Date.now())).toBe(0);
    const eightDaysOn = Date.now() + 8 * 86_400_000;
    expect(await sweepPayloads(env.DELIVERABLES, eightDaysOn)).toBeGreaterThanOrEqual(1);
    expect(await env.DELIVERABLES.head("payloads/pipelines/pip_sweep/s/1/a@0123456789abcdef.json")).toBeNull();
    expect(await env.DELIVERABLES.head("deliverables/keep-me.json")).not.toBeNull();
  });
});
