import type * as v from "valibot";

/**
 * One piece of AI work as every provider takes it: instructions and a prompt for a model, the
 * valibot schema its JSON answer must match, and what the offline engine answers instead (a
 * deterministic function of the same input). A worker defines each of its tasks once, in one
 * place, and any provider can run it.
 */
export interface AiTask<T> {
  /** Names the kind of work in logs and metadata: `classify_articles`, `outline_structure`. */
  name: string;
  system: string;
  prompt: string;
  schema: v.GenericSchema<unknown, T>;
  /** The offline engine's answer: real text work (BM25, extractive summaries, outlines), no model. */
  offline: () => T | Promise<T>;
  maxOutputTokens?: number;
  temperature?: number;
}

/** Tokens a call consumed, as the provider reported them (or the tokenizer counted them). */
export interface AiUsage { input_tokens: number; output_tokens: number }

/** A provider's answer to a task. */
export interface ProviderAnswer<T> { value: T; usage: AiUsage; model: string }

/** Provider names as configured in AI_PROVIDER (a comma-separated fallback chain). */
export const ProviderNames = ["openai", "workers-ai", "offline"] as const;
export type ProviderName = (typeof ProviderNames)[number];

/** A model behind one interface. */
export interface AiProvider {
  readonly name: ProviderName;
  readonly model: string;
  run<T>(task: AiTask<T>, signal?: AbortSignal): Promise<ProviderAnswer<T>>;
}

/** Why a provider could not answer: decides whether the chain moves on and how the step is retried. */
export type AiErrorCode = "rate_limited" | "unavailable" | "timeout" | "invalid_output" | "rejected" | "not_configured";

/** A provider failure, with what it used up (tokens of an unusable answer are still billed). */
export class AiError extends Error {
  constructor(
    readonly code: AiErrorCode,
    message: string,
    readonly retryAfterMs: number | null = null,
    readonly usage: AiUsage = { input_tokens: 0, output_tokens: 0 },
  ) {
    super(message);
    this.name = "AiError";
  }
}

/** Sums token usage. */
export function addUsage(a: AiUsage, b: AiUsage): AiUsage {
  return { input_tokens: a.input_tokens + b.input_tokens, output_tokens: a.output_tokens + b.output_tokens };
}
