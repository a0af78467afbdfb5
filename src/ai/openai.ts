import OpenAI from "openai";
import { retryAfterMs } from "../lib/retry-after";
import type { ChatCompletionMessageParam } from "openai/resources/chat/completions";
import { jsonInstructions, readAnswer } from "./json-answer";
import { addUsage, AiError, type AiProvider, type AiTask, type AiUsage, type ProviderAnswer } from "./provider";

/** How an OpenAI-compatible endpoint is reached. */
export interface OpenAiConfig {
  baseURL: string;
  apiKey: string;
  model: string;
  /** Per HTTP request; the SDK retries a timed-out request too. */
  timeoutMs: number;
  /** SDK retries on 408, 409, 429 and 5xx, with backoff that honours Retry-After. */
  maxRetries: number;
}

/**
 * Any OpenAI-compatible chat completions endpoint (OpenAI itself, a self-hosted model server, a
 * gateway) through the official SDK, in JSON mode. An answer that is not JSON or not the task's
 * shape gets one repair round (the model is told what was wrong); a second bad answer is an
 * `invalid_output` failure, so the chain moves on. Tokens of every round are counted.
 */
export class OpenAiProvider implements AiProvider {
  readonly name = "openai" as const;
  readonly model: string;
  private readonly client: OpenAI;

  constructor(config: OpenAiConfig) {
    this.model = config.model;
    this.client = new OpenAI({ apiKey: config.apiKey, baseURL: config.baseURL, timeout: config.timeoutMs, maxRetries: config.maxRetries });
  }

  async run<T>(task: AiTask<T>, signal?: AbortSignal): Promise<ProviderAnswer<T>> {
    const messages: ChatCompletionMessageParam[] = [
      { role: "system", content: `${task.system}\n\n${jsonInstructions(task.schema)}` },
      { role: "user", content: task.prompt },
    ];
    let usage: AiUsage = { input_tokens: 0, output_tokens: 0 };
    let problem = "";
    for (let round = 0; round < 2; round++) {
      const completion = await this.complete(messages, task, usage, signal);
      usage = addUsage(usage, { input_tokens: completion.usage?.prompt_tokens ?? 0, output_tokens: completion.usage?.completion_tokens ?? 0 });
      const text = completion.choices[0]?.message?.content ?? "";
      const answer = readAnswer(task.schema, text);
      if (answer.ok) return { value: answer.value, usage, model: completion.model || this.model };
      problem = answer.problem;
      messages.push({ role: "assistant", content: text }, { role: "user", content: `That answer was not usable: ${problem}. Reply again with the corrected JSON object only.` });
    }
    throw new AiError("invalid_output", `openai (${this.model}): ${task.name}: ${problem} (after one repair round)`, null, usage);
  }

  private async complete(messages: ChatCompletionMessageParam[], task: AiTask<unknown>, spent: AiUsage, signal?: AbortSignal) {
    try {
      return await this.client.chat.completions.create({
        model: this.model, messages, response_format: { type: "json_object" },
        temperature: task.temperature ?? 0.2, ...(task.maxOutputTokens ? { max_tokens: task.maxOutputTokens } : {}),
      }, signal ? { signal } : {});
    } catch (error) {
      throw toAiError(error, this.model, spent);
    }
  }
}

/** An SDK error (after its own retries) as an AiError: what kind of failure, and any Retry-After. */
function toAiError(error: unknown, model: string, usage: AiUsage): AiError {
  const where = `openai (${model})`;
  if (error instanceof OpenAI.APIConnectionTimeoutError) return new AiError("timeout", `${where}: request timed out`, null, usage);
  if (error instanceof OpenAI.APIUserAbortError) return new AiError("timeout", `${where}: request cancelled at the step's deadline`, null, usage);
  if (error instanceof OpenAI.APIConnectionError) return new AiError("unavailable", `${where}: could not connect`, null, usage);
  if (error instanceof OpenAI.RateLimitError) return new AiError("rate_limited", `${where}: rate limited (429)`, retryAfterMs(error.headers), usage);
  if (error instanceof OpenAI.APIError) {
    const status = error.status ?? 0;
    if (status >= 500 || status === 408 || status === 409) return new AiError("unavailable", `${where}: server error ${status}`, null, usage);
    // 400, 401, 403, 404, 422: this request will not work by repeating it.
    return new AiError("rejected", `${where}: request refused (${status})`, null, usage);
  }
  return new AiError("unavailable", `${where}: ${error instanceof Error ? error.message : String(error)}`, null, usage);
}
