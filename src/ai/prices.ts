import type { AiUsage } from "./provider";

/** A row of `ai_model_prices`: micro-USD per million input and output tokens. */
export interface ModelPrice { provider: string; model: string; input_micros_per_mtok: number; output_micros_per_mtok: number; updated_at: string }

/**
 * The price table, kept in D1 and editable by an admin. A model without its own row takes its
 * provider's `*` row; with neither, the call costs nothing and is reported as unpriced.
 */
export class PriceBook {
  private readonly byKey: Map<string, ModelPrice>;

  constructor(rows: readonly ModelPrice[]) {
    this.byKey = new Map(rows.map((r) => [`${r.provider}\u0000${r.model}`, r]));
  }

  /** The price that applies to a provider's model, or null. */
  priceOf(provider: string, model: string): ModelPrice | null {
    return this.byKey.get(`${provider}\u0000${model}`) ?? this.byKey.get(`${provider}\u0000*`) ?? null;
  }

  /** Cost of a call in whole micro-USD, rounded up (a call is never free by rounding). */
  cost(provider: string, model: string, usage: AiUsage): { micros: number; priced: boolean } {
    const p = this.priceOf(provider, model);
    if (!p) return { micros: 0, priced: false };
    const micros = Math.ceil((usage.input_tokens * p.input_micros_per_mtok + usage.output_tokens * p.output_micros_per_mtok) / 1_000_000);
    return { micros, priced: true };
  }

  /** Every row, for the pricing endpoints. */
  rows(): ModelPrice[] {
    return [...this.byKey.values()];
  }
}

/** Loads the price table from D1. */
export async function loadPriceBook(db: D1Database): Promise<PriceBook> {
  const { results } = await db.prepare(`SELECT provider, model, input_micros_per_mtok, output_micros_per_mtok, updated_at FROM ai_model_prices`).all<ModelPrice>();
  return new PriceBook(results);
}
