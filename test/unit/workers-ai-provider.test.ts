import * as v from "valibot";
import { describe, expect, it } from "vitest";
import { WorkersAiProvider } from "../../src/ai/workers-ai";

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
