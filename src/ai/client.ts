import { log } from "../lib/log";
import { addUsage, AiError, type AiProvider, type AiTask, type AiUsage } from "./provider";
import type { PriceBook } from "./prices";

/** One provider call, as a worker reports it in its metadata. */
export interface AiCallRecord { task: string; provider: string; model: string; usage: AiUsage; cost_micros: number; priced: boolean; error: string | null }

/**
 * What a worker uses to run AI tasks: the fallback chain (each provider tried in order when the
 * one before it fails), and a tally of every call's tokens and cost for the step's result,
 * failed calls included (an unusable answer still consumed tokens).
 */
export class AiClient {
  readonly calls: AiCallRecord[] = [];
  private book: Promise<PriceBook> | null = null;

  /** `prices` may be a loader: it is called once, on the first call or estimate, so a run without AI reads no table. */
  constructor(private readonly providers: readonly AiProvider[], private readonly prices: PriceBook | (() => Promise<PriceBook>)) {
    if (providers.length === 0) throw new Error("an AI client needs at least one provider");
  }

  private priceBook(): Promise<PriceBook> {
    const p = this.prices;
    this.book ??= typeof p === "function" ? p() : Promise.resolve(p);
    return this.book;
  }

  /** The chain's first provider and model (what an estimate is priced at). */
  get primary(): { provider: string; model: string } {
    return { provider: this.providers[0]!.name, model: this.providers[0]!.model };
  }

  /** Runs a task on the first provider that answers; throws the last failure when none does. */
  async run<T>(task: AiTask<T>, signal?: AbortSignal): Promise<T> {
    let last: AiError | null = null;
    for (const provider of this.providers) {
      if (signal?.aborted) throw new AiError("timeout", `${task.name}: the step's deadline passed`);
      try {
        const answer = await provider.run(task, signal);
        await this.record(task.name, provider.name, answer.model, answer.usage, null);
        return answer.value;
      } catch (error) {
        last = error instanceof AiError ? error : new AiError("unavailable", `${provider.name}: ${error instanceof Error ? error.message : String(error)}`);
        await this.record(task.name, provider.name, provider.model, last.usage, last.code);
        log("warn", "AI provider failed; trying the next in the chain", { task: task.name, provider: provider.name, code: last.code, message: last.message });
      }
    }
    throw last!;
  }

  /** Tokens of every call so far. */
  get usage(): AiUsage {
    return this.calls.reduce((a, c) => addUsage(a, c.usage), { input_tokens: 0, output_tokens: 0 });
  }

  /** Cost of every call so far, in micro-USD. */
  get costMicros(): number {
    return this.calls.reduce((a, c) => a + c.cost_micros, 0);
  }

  /** Provider/model pairs that produced answers, e.g. `offline/offline-extractive-v1`. */
  get engines(): string[] {
    return [...new Set(this.calls.filter((c) => c.error === null).map((c) => `${c.provider}/${c.model}`))];
  }

  /** Estimated cost of a call of this size on the chain's first provider. */
  async estimate(usage: AiUsage): Promise<number> {
    return (await this.priceBook()).cost(this.primary.provider, this.primary.model, usage).micros;
  }

  private async record(task: string, provider: string, model: string, usage: AiUsage, error: string | null): Promise<void> {
    const { micros, priced } = (await this.priceBook()).cost(provider, model, usage);
    this.calls.push({ task, provider, model, usage, cost_micros: micros, priced, error });
  }
}
