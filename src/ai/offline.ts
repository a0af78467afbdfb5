import * as v from "valibot";
import { AiError, type AiProvider, type AiTask, type ProviderAnswer } from "./provider";
import { countTokens } from "./tokens";

/** The offline engine's model name, reported in every output it makes. */
export const OFFLINE_MODEL = "offline-extractive-v1";

/**
 * The built-in offline engine: answers each task with the task's own deterministic function
 * (tokenising, BM25 relevance, extractive summaries, quality heuristics, outlines) and reports
 * usage in cl100k tokens of the prompt it was given and the JSON it returned. The default for
 * local development and tests: no network, same input, same answer.
 */
export class OfflineEngine implements AiProvider {
  readonly name = "offline" as const;
  readonly model = OFFLINE_MODEL;

  async run<T>(task: AiTask<T>, signal?: AbortSignal): Promise<ProviderAnswer<T>> {
    if (signal?.aborted) throw new AiError("timeout", `offline engine: ${task.name} was cancelled`);
    const answer = await task.offline();
    const checked = v.safeParse(task.schema, answer);
    // The offline answer is our own code: a shape mismatch is a bug, reported as unusable output.
    if (!checked.success) throw new AiError("invalid_output", `offline engine: ${task.name} answer does not match its schema: ${checked.issues[0]!.message}`);
    const [input, output] = await Promise.all([countTokens(`${task.system}\n${task.prompt}`), countTokens(JSON.stringify(answer))]);
    return { value: checked.output, usage: { input_tokens: input, output_tokens: output }, model: this.model };
  }
}
