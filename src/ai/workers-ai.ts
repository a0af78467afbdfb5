import { jsonInstructions, readAnswer } from "./json-answer";
import { AiError, type AiProvider, type AiTask, type ProviderAnswer } from "./provider";

/** The part of a Workers AI binding this provider uses. */
export interface WorkersAiBinding {
  run(model: string, input: { messages: { role: string; content: string }[]; max_tokens?: number; temperature?: number }): Promise<unknown>;
}

/** What a Workers AI text-generation model answers. */
interface TextGenerationOutput { response?: unknown; usage?: { prompt_tokens?: number; completion_tokens?: number } }

/**
 * Cloudflare Workers AI through its binding (`[ai] binding = "AI"` in wrangler.toml), used only
 * when that binding is configured: it always runs remotely, so local development leaves it out.
 */
export class WorkersAiProvider implements AiProvider {
  readonly name = "workers-ai" as const;

  constructor(private readonly binding: WorkersAiBinding, readonly model: string) {}

  async run<T>(task: AiTask<T>): Promise<ProviderAnswer<T>> {
    let out: TextGenerationOutput;
    try {
      out = (await this.binding.run(this.model, {
        messages: [{ role: "system", content: `${task.system}\n\n${jsonInstructions(task.schema)}` }, { role: "user", content: task.prompt }],
        temperature: task.temperature ?? 0.2, ...(task.maxOutputTokens ? { max_tokens: task.maxOutputTokens } : {}),
      })) as TextGenerationOutput;
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      throw new AiError(/429|capacity|rate/i.test(message) ? "rate_limited" : "unavailable", `workers-ai (${this.model}): ${message}`);
    }
    const usage = { input_tokens: out.usage?.prompt_tokens ?? 0, output_tokens: out.usage?.completion_tokens ?? 0 };
    const text = typeof out.response === "string" ? out.response : JSON.stringify(out.response ?? null);
    const answer = readAnswer(task.schema, text);
    if (!answer.ok) throw new AiError("invalid_output", `workers-ai (${this.model}): ${task.name}: ${answer.problem}`, null, usage);
    return { value: answer.value, usage, model: this.model };
  }
}
