import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { chainComplete } from "../../src/ai";

describe("chainComplete (worker health)", () => {
  it("is false when a provider AI_PROVIDER names is not available", () => {
    expect(chainComplete({ ...env, AI_PROVIDER: "offline" })).toBe(true);
    expect(chainComplete({ ...env, AI_PROVIDER: "openai,offline", OPENAI_API_KEY: "" })).toBe(false);
    expect(chainComplete({ ...env, AI_PROVIDER: "openai,offline", OPENAI_API_KEY: "k" })).toBe(true);
    expect(chainComplete({ ...env, AI_PROVIDER: "gpt5" })).toBe(false);
  });
});
