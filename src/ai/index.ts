export { AiClient, type AiCallRecord } from "./client";
export { aiClient, buildChain, chainComplete, chainPrices, parseChain } from "./config";
export { OFFLINE_MODEL, OfflineEngine } from "./offline";
export { OpenAiProvider } from "./openai";
export { loadPriceBook, PriceBook, type ModelPrice } from "./prices";
export { addUsage, AiError, ProviderNames, type AiProvider, type AiTask, type AiUsage, type ProviderName } from "./provider";
export { countTokens } from "./tokens";
