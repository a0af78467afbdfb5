import * as v from "valibot";

const Key = { key: v.string(), pipeline_id: v.string() };

/** Payloads of the ResourcePool's live events, by type. */
export const PoolEventPayloads = {
  snapshot: v.object({
    worker: v.string(), in_flight: v.number(), max_concurrent: v.number(), load: v.number(), queue_depth: v.number(),
    utilization: v.number(), ewma_ms: v.nullable(v.number()), p95_ms: v.nullable(v.number()), throughput_per_min: v.number(),
    granted_total: v.number(), expired_total: v.number(), rejected_total: v.number(), timed_out_total: v.number(),
    queue_limit: v.optional(v.number()), lease_ttl_ms: v.optional(v.number()),
    /** The first waiters in grant order, and the leases (at most 50 of each). */
    queue: v.optional(v.array(v.object({ ...Key, position: v.number(), priority: v.number(), waited_ms: v.number() }))),
    leases: v.optional(v.array(v.object({ ...Key, priority: v.number(), granted_at: v.number(), expires_at: v.number() }))),
  }),
  granted: v.object({ ...Key, waited_ms: v.number() }),
  queued: v.object({ ...Key, position: v.number(), eta_ms: v.number() }),
  rejected: v.object({ ...Key, reason: v.string() }),
  timed_out: v.object({ ...Key, waited_ms: v.number() }),
  released: v.object({ key: v.string(), observed_ms: v.nullable(v.number()) }),
  expired: v.object(Key),
  config_changed: v.object({ max_concurrent: v.number(), queue_limit: v.number(), lease_ttl_ms: v.number() }),
} as const;
