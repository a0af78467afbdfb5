import { env } from "cloudflare:test";
import * as v from "valibot";
import { describe, expect, inject, it } from "vitest";
import { AiClient, AiError, OfflineEngine, OpenAiProvider, PriceBook, buildChain, loadPriceBook, type AiTask } from "../src/ai";

const origin = inject("stubOrigin");
const Answer = v.object({ answer: v.string(), n: v.number() });

/** A task the stub answers; the prompt is unique per test so the stub's call counter is too. */
function task(prompt: string): AiTask<v.InferOutput<typeof Answer>> {
  return { name: "test_task", system: "Answer the question.", prompt, schema: Answer, offline: () => ({ answer: "offline answer", n: 1 }) };
}

function provider(model: string, timeoutMs = 2_000, maxRetries = 2) {
  return new OpenAiProvider({ baseURL: `${origin}/v1`, apiKey: "stub-key", model, timeoutMs, maxRetries });
}

async function callsFor(prompt: string): Promise<number> {
  return ((await (await fetch(`${origin}/__calls?prompt=${encodeURIComponent(prompt)}`)).json()) as { calls: number }).calls;
}

describe("OpenAI-compatible provider through the real SDK (local stub server)", () => {
  it("answers, validated against the task's schema, with the reported usage", async () => {
    const answer = await provider("stub-ok").run(task("ok-1"));
    expect(answer.value).toEqual({ answer: "stub answer", n: 42 });
    expect(answer.usage).toEqual({ input_tokens: 11, output_tokens: 7 });
    expect(answer.model).toBe("stub-ok");
  });

  it("retries a 429 (honouring Retry-After) and then succeeds", async () => {
    const answer = await provider("stub-429-once").run(task("429-1"));
    expect(answer.value.n).toBe(42);
    expect(await callsFor("429-1")).toBe(2);
  });

  it("reports rate limiting with the Retry-After once the SDK's retries are spent", async () => {
    const error = await provider("stub-429-always", 2_000, 0).run(task("429-2")).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AiError);
    expect((error as AiError).code).toBe("rate_limited");
    expect((error as AiError).retryAfterMs).toBe(7_000);
  });

  it("reports a 500 as unavailable after retrying it", async () => {
    const error = await provider("stub-500", 2_000, 1).run(task("500-1")).catch((e: unknown) => e);
    expect((error as AiError).code).toBe("unavailable");
    expect(await callsFor("500-1")).toBe(2);
  });

  it("times out a slow server", async () => {
    const error = await provider("stub-slow", 300, 0).run(task("slow-1")).catch((e: unknown) => e);
    expect((error as AiError).code).toBe("timeout");
  });

  it("gives malformed JSON one repair round, then fails as invalid_output with both rounds' tokens", async () => {
    const error = await provider("stub-malformed").run(task("malformed-1")).catch((e: unknown) => e);
    expect((error as AiError).code).toBe("invalid_output");
    expect((error as AiError).message).toMatch(/not valid JSON/);
    expect((error as AiError).usage).toEqual({ input_tokens: 22, output_tokens: 14 });
    expect(await callsFor("malformed-1")).toBe(2);
  });

  it("refuses JSON of the wrong shape, naming the field", async () => {
    const error = await provider("stub-wrong-shape").run(task("shape-1")).catch((e: unknown) => e);
    expect((error as AiError).code).toBe("invalid_output");
    expect((error as AiError).message).toMatch(/at answer/);
  });

  it("repairs a wrong shape when the model corrects itself", async () => {
    const answer = await provider("stub-bad-then-good").run(task("repair-1"));
    expect(answer.value.n).toBe(42);
    expect(answer.usage).toEqual({ input_tokens: 22, output_tokens: 14 });
  });
});

describe("AI client: fallback chain, usage and cost", () => {
  const prices = new PriceBook([
    { provider: "openai", model: "stub-500", input_micros_per_mtok: 1_000_000, output_micros_per_mtok: 2_000_000, updated_at: "" },
    { provider: "offline", model: "offline-extractive-v1", input_micros_per_mtok: 100_000, output_micros_per_mtok: 400_000, updated_at: "" },
  ]);

  it("falls back to the next provider and bills every call", async () => {
    const client = new AiClient([provider("stub-500", 2_000, 0), new OfflineEngine()], prices);
    expect(await client.run(task("chain-1"))).toEqual({ answer: "offline answer", n: 1 });
    expect(client.calls.map((c) => [c.provider, c.error])).toEqual([["openai", "unavailable"], ["offline", null]]);
    expect(client.engines).toEqual(["offline/offline-extractive-v1"]);
    // Offline usage is counted with the cl100k tokenizer, and priced.
    expect(client.usage.input_tokens).toBeGreaterThan(3);
    expect(client.costMicros).toBe(client.calls[1]!.cost_micros);
  });

  it("throws the last failure when no provider answers", async () => {
    const client = new AiClient([provider("stub-wrong-shape")], prices);
    await expect(client.run(task("chain-2"))).rejects.toMatchObject({ code: "invalid_output" });
    // The unusable answers' tokens are still counted (priced with the openai '*' row when present).
    expect(client.usage).toEqual({ input_tokens: 22, output_tokens: 14 });
  });

  it("prices calls from the D1 table, rounding up to whole micro-USD", async () => {
    const book = await loadPriceBook(env.DB);
    expect(book.cost("openai", "gpt-4o-mini", { input_tokens: 1_000, output_tokens: 1_000 })).toEqual({ micros: 750, priced: true });
    expect(book.cost("openai", "some-new-model", { input_tokens: 1, output_tokens: 0 })).toEqual({ micros: 1, priced: true });
    expect(book.cost("workers-ai", "x", { input_tokens: 0, output_tokens: 0 })).toEqual({ micros: 0, priced: true });
  });

  it("builds the chain from AI_PROVIDER, skipping providers that are not configured", () => {
    expect(buildChain({ ...env, AI_PROVIDER: "openai,offline", OPENAI_API_KEY: "" }).map((p) => p.name)).toEqual(["offline"]);
    expect(buildChain({ ...env, AI_PROVIDER: "openai,offline", OPENAI_API_KEY: "k" }).map((p) => p.name)).toEqual(["openai", "offline"]);
    expect(buildChain({ ...env, AI_PROVIDER: "workers-ai" }).map((p) => p.name)).toEqual(["offline"]);
    expect(() => buildChain({ ...env, AI_PROVIDER: "gpt5" })).toThrow(/unknown AI provider 'gpt5'/);
  });
});
