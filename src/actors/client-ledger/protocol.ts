import * as v from "valibot";

const Micros = v.pipe(v.number(), v.safeInteger());

/** Payloads of the ClientLedger's live events, by type. */
export const LedgerEventPayloads = {
  hold_placed: v.object({ key: v.string(), amount: Micros, available: Micros }),
  /** `unbilled`: the part of `actual` that could not be charged (nothing was available). */
  settled: v.object({ key: v.string(), actual: Micros, charged: Micros, released: Micros, overrun: v.boolean(), unbilled: v.optional(Micros), available: Micros }),
  released: v.object({ key: v.string(), released: Micros, available: Micros }),
  adjusted: v.object({ key: v.string(), amount: Micros, reason: v.string(), spent: Micros, available: Micros }),
  budget_changed: v.object({ budget: Micros, available: Micros }),
  budget_threshold: v.object({ percent: v.picklist([50, 80, 95]), period: v.string(), spent: Micros, budget: Micros, at: v.number() }),
  period_closed: v.object({ period: v.string(), budget: Micros, settled: Micros, adjustments: Micros, heldAtClose: Micros, unbilled: v.optional(Micros), next_period: v.string() }),
} as const;

/** The snapshot a subscriber receives on connect. */
export const LedgerSnapshotSchema = v.object({
  client_id: v.string(), period: v.string(), budget: Micros, settled: Micros, adjustments: Micros,
  spent: Micros, held: Micros, available: Micros, alerted: v.array(v.number()),
  /** This period's work that cost more than could be charged. */
  unbilled: v.optional(Micros),
});
