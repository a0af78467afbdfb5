/** Subscription tiers, lowest first. Tier order drives queue priority and template access. */
export const Tiers = ["basic", "standard", "premium", "enterprise"] as const;
/** A client's subscription tier. */
export type Tier = (typeof Tiers)[number];

/** Urgency of a request, lowest first. */
export const Urgencies = ["low", "medium", "high", "critical"] as const;
/** How urgent a request is. */
export type Urgency = (typeof Urgencies)[number];
