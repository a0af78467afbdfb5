/**
 * Token counts with the cl100k_base byte-pair encoding (gpt-tokenizer), so the offline engine
 * reports usage in the same unit an OpenAI-class model bills. The 1 MB rank table is loaded on
 * first use, not when the script starts.
 */
let encoding: Promise<typeof import("gpt-tokenizer/encoding/cl100k_base")> | null = null;

/** Tokens in `text`. */
export async function countTokens(text: string): Promise<number> {
  if (text.length === 0) return 0;
  encoding ??= import("gpt-tokenizer/encoding/cl100k_base");
  const { countTokens } = await encoding;
  return countTokens(text);
}
