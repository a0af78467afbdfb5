import { env } from "cloudflare:workers";
import * as v from "valibot";
import { describe, expect, it } from "vitest";
import { chainComplete } from "../../src/ai";
import { WorkersAiProvider } from "../../src/ai/workers-ai";
import { retryAfterMs } from "../../src/lib/retry-after";
import { checkUrl } from "../../src/net/safe-fetch";

describe("checkUrl (the SSRF guard)", () => {
  it("refuses private, loopback, link-local and mapped addresses and private names outside development", () => {
    for (const url of ["http://127.0.0.1/", "http://10.1.2.3/", "http://172.16.0.1/", "http://192.168.1.1/", "http://169.254.169.254/latest",
      "http://[::1]/", "http://[fd00::1]/", "http://[::ffff:10.0.0.1]/", "http://localhost:8787/", "http://printer.local/", "http://intranet/"]) {
      expect(() => checkUrl(url, false), url).toThrow(expect.objectContaining({ code: "private_address" }));
    }
    expect(checkUrl("https://example.com/feed.xml", false).host).toBe("example.com");
    expect(checkUrl("http://8.8.8.8/", false).host).toBe("8.8.8.8");
    // Development allows local feed servers, but never another scheme or embedded credentials.
    expect(checkUrl("http://127.0.0.1:8787/demo/feeds/a.xml", true).port).toBe("8787");
    expect(() => checkUrl("file:///etc/passwd", true)).toThrow(expect.objectContaining({ code: "scheme" }));
    expect(() => checkUrl("https://user:pw@example.com/", true)).toThrow(expect.objectContaining({ code: "bad_url" }));
    expect(() => checkUrl("not a url", true)).toThrow(expect.objectContaining({ code: "bad_url" }));
  });
});

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

describe("Workers AI provider (through a binding double: the real binding always runs remotely)", () => {
  const Answer = v.object({ answer: v.string() });
  const task = { name: "t", system: "s", prompt: "p", schema: Answer, offline: () => ({ answer: "offline" }) };

  it("reads the model's JSON answer and its usage", async () => {
    const calls: unknown[] = [];
    const provider = new WorkersAiProvider({ run: async (model, input) => { calls.push([model, input]); return { response: '{"answer":"hi"}', usage: { prompt_tokens: 9, completion_tokens: 3 } }; } }, "@cf/test/model");
    expect(await provider.run(task)).toEqual({ value: { answer: "hi" }, usage: { input_tokens: 9, output_tokens: 3 }, model: "@cf/test/model" });
    expect(JSON.stringify(calls[0])).toContain("JSON Schema");
  });

  it("classifies unusable answers and binding errors", async () => {
    const wrong = new WorkersAiProvider({ run: async () => ({ response: { answer: 5 } }) }, "m");
    await expect(wrong.run(task)).rejects.toMatchObject({ code: "invalid_output" });
    const busy = new WorkersAiProvider({ run: async () => { throw new Error("3040: Capacity temporarily exceeded (429)"); } }, "m");
    await expect(busy.run(task)).rejects.toMatchObject({ code: "rate_limited" });
    const down = new WorkersAiProvider({ run: async () => { throw new Error("internal error"); } }, "m");
    await expect(down.run(task)).rejects.toMatchObject({ code: "unavailable" });
  });
});

describe("chainComplete (worker health)", () => {
  it("is false when a provider AI_PROVIDER names is not available", () => {
    expect(chainComplete({ ...env, AI_PROVIDER: "offline" })).toBe(true);
    expect(chainComplete({ ...env, AI_PROVIDER: "openai,offline", OPENAI_API_KEY: "" })).toBe(false);
    expect(chainComplete({ ...env, AI_PROVIDER: "openai,offline", OPENAI_API_KEY: "k" })).toBe(true);
    expect(chainComplete({ ...env, AI_PROVIDER: "gpt5" })).toBe(false);
  });
});
