import { log } from "../lib/log";
import { AiClient } from "./client";
import { OfflineEngine } from "./offline";
import { OpenAiProvider } from "./openai";
import { loadPriceBook, type PriceBook } from "./prices";
import { ProviderNames, type AiProvider, type ProviderName } from "./provider";
import { WorkersAiProvider, type WorkersAiBinding } from "./workers-ai";

/** Default Workers AI model when the binding is configured. */
export const WORKERS_AI_MODEL = "@cf/meta/llama-3.1-8b-instruct";

/** Reads a positive integer setting, or the fallback. */
function setting(value: string | undefined, fallback: number): number {
  const n = Number(value);
  return Number.isInteger(n) && n >= 0 ? n : fallback;
}

/** The Workers AI binding, when wrangler.toml declares one. */
function workersAiBinding(env: Env): WorkersAiBinding | null {
  const binding: unknown = Reflect.get(env, "AI");
  return binding && typeof binding === "object" && "run" in binding ? (binding as WorkersAiBinding) : null;
}

/** A chain as written (`openai,offline`) as provider names; unknown names are refused. */
export function parseChain(text: string): ProviderName[] {
  const names = text.split(",").map((s) => s.trim()).filter((s) => s.length > 0);
  for (const n of names) if (!(ProviderNames as readonly string[]).includes(n)) throw new Error(`unknown AI provider '${n}' (known: ${ProviderNames.join(", ")})`);
  return names as ProviderName[];
}

/**
 * True when every provider AI_PROVIDER names is available (an unknown name, or openai without a
 * key, or workers-ai without its binding, makes the chain silently shorter: a degraded health).
 */
export function chainComplete(env: Env): boolean {
  try {
    const wanted = parseChain(env.AI_PROVIDER || "offline");
    return buildChain(env, wanted).length === wanted.length;
  } catch {
    return false;
  }
}

/**
 * The providers of a fallback chain, in order: AI_PROVIDER (or a worker's or template's own chain).
 * A provider that is not configured (openai without OPENAI_API_KEY, workers-ai without the
 * binding) is left out with a warning; a chain that ends up empty falls back to the offline engine.
 */
export function buildChain(env: Env, chain: readonly ProviderName[] = parseChain(env.AI_PROVIDER || "offline")): AiProvider[] {
  const providers: AiProvider[] = [];
  for (const name of chain) {
    if (name === "offline") providers.push(new OfflineEngine());
    else if (name === "openai") {
      if (!env.OPENAI_API_KEY) { log("warn", "AI provider 'openai' is in the chain but OPENAI_API_KEY is not set; skipped"); continue; }
      providers.push(new OpenAiProvider({
        baseURL: env.OPENAI_BASE_URL, apiKey: env.OPENAI_API_KEY, model: env.OPENAI_MODEL,
        timeoutMs: setting(env.AI_TIMEOUT_MS, 30_000), maxRetries: setting(env.AI_MAX_RETRIES, 2),
      }));
    } else {
      const binding = workersAiBinding(env);
      if (!binding) { log("warn", "AI provider 'workers-ai' is in the chain but no AI binding is configured; skipped"); continue; }
      providers.push(new WorkersAiProvider(binding, WORKERS_AI_MODEL));
    }
  }
  return providers.length > 0 ? providers : [new OfflineEngine()];
}

/**
 * An AiClient on the configured chain (or `chain`), priced from D1's price table: read only if
 * a call or an estimate needs it.
 */
export function aiClient(env: Env, chain?: readonly ProviderName[]): AiClient {
  return new AiClient(buildChain(env, chain), () => loadPriceBook(env.DB));
}

/** The configured chain's models with their prices (pricing pages). */
export function chainPrices(env: Env, prices: PriceBook) {
  return buildChain(env).map((p) => ({ provider: p.name, model: p.model, price: prices.priceOf(p.name, p.model) }));
}
