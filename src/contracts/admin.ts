import * as v from "valibot";
import { Micros } from "./money";
import { LedgerSnapshotSchema } from "../actors/client-ledger/protocol";
import { PipelineSummarySchema } from "../actors/pipeline/protocol";
import { PoolEventPayloads } from "../actors/resource-pool/protocol";
import { IdString, Text } from "../router/schemas";
import { PipelineRunSchema as HistoryRunSchema } from "./runs";

/**
 * The answers of the admin actor routes (`/admin/actors/*`), as the
 * server returns them; the dashboard's staff views import their types.
 */

const Json = v.unknown();

/** A run as `GET /admin/actors/pipelines` lists it: the history row's first columns. */
export const RegistryRunSchema = v.pick(HistoryRunSchema, ["pipeline_id", "template_name", "client_id", "status", "total_cost_micros", "created_at", "completed_at"]);
export type RegistryRun = v.InferOutput<typeof RegistryRunSchema>;

/** `GET /admin/actors/pipelines`: active (processing) or recent (finished) runs. */
export const AdminPipelinesSchema = v.object({ state: v.picklist(["active", "recent"]), pipelines: v.array(RegistryRunSchema) });
export type AdminPipelines = v.InferOutput<typeof AdminPipelinesSchema>;

/** What an actor gave up on, or is still retrying (an actor's inspection lists them). */
export const FailureRecordSchema = v.object({
  operation: v.string(), code: v.string(), message: v.string(), attempts: v.number(), first_at: v.number(), last_at: v.number(),
  outcome: v.picklist(["retrying", "gave_up", "degraded"]), retry_at: v.nullable(v.number()),
});
export type FailureRecord = v.InferOutput<typeof FailureRecordSchema>;

/** One entry of an actor's event log tail. */
export const LoggedEventSchema = v.object({ seq: v.number(), type: v.string(), at: v.number(), payload: Json });
export type LoggedEvent = v.InferOutput<typeof LoggedEventSchema>;

/** `GET /admin/actors/pipelines/:id`: everything an operator inspects in a PipelineActor. */
export const PipelineInspectionSchema = v.object({
  summary: PipelineSummarySchema,
  spec: v.record(v.string(), Json),
  context: Json,
  checkpoints: v.array(v.object({ seq: v.number(), at: v.number(), label: v.string(), status: v.string(), steps: v.record(v.string(), Json) })),
  due: v.object({ next_timer: v.nullable(v.number()), deadline_at: v.nullable(v.number()) }),
  next_alarm: v.nullable(v.number()),
  holds: v.array(v.object({ step_id: v.string(), key: v.string(), ahead: v.boolean() })),
  leases: v.array(v.object({ step_id: v.string(), key: v.string(), worker: v.string(), status: v.string() })),
  admission: v.object({ key: v.string(), status: v.string(), amount_micros: v.nullable(Micros) }),
  cleanup: v.array(v.object({ kind: v.string(), key: v.string() })),
  abandoned: v.array(v.object({ key: v.string(), stepId: v.string(), worker: v.string(), until: v.number() })),
  failures: v.array(FailureRecordSchema),
  attempts: v.number(),
  in_flight: v.array(v.string()),
  bytes_written: v.number(),
  /** What the actor has written to its SQLite since it woke: rows (as SQLite counts them, what storage bills) and bytes bound. */
  storage_written: v.optional(v.object({ rows: v.number(), bytes: v.number(), statements: v.number(), alarm_writes: v.number() })),
  event_seq: v.number(),
  recent_events: v.array(LoggedEventSchema),
});
export type PipelineInspection = v.InferOutput<typeof PipelineInspectionSchema>;

/** `POST /admin/actors/pipelines/:id/retry`'s body. */
export const RetryBody = v.strictObject({ step_id: IdString });

/** `POST /admin/actors/pipelines/:id/{cancel,pause,resume,retry}`: the pipeline's summary after the change. */
export const PipelineControlAnswerSchema = PipelineSummarySchema;
export type PipelineControlAnswer = v.InferOutput<typeof PipelineControlAnswerSchema>;

/** A pool's statistics (the snapshot without its config, queue and leases). */
const PoolSnapshot = PoolEventPayloads.snapshot;
export const PoolStatsSchema = v.omit(PoolSnapshot, ["queue_limit", "lease_ttl_ms", "queue", "leases"]);
export type PoolStats = v.InferOutput<typeof PoolStatsSchema>;
/** A pool's live snapshot (its socket's `snapshot` message). */
export type PoolSnapshot = v.InferOutput<typeof PoolSnapshot>;

/** `GET /admin/actors/pools`: every registered worker's pool. */
export const PoolsSchema = v.object({ pools: v.array(PoolStatsSchema) });
export type Pools = v.InferOutput<typeof PoolsSchema>;

const whole = (min: number, max: number) =>
  v.pipe(v.number(), v.integer("must be a whole number"), v.minValue(min, `must be at least ${min}`), v.maxValue(max, `must be at most ${max}`));

/** `PUT /admin/actors/pools/:worker`'s body: at least one of the three. */
export const PoolConfigBody = v.pipe(
  v.strictObject({
    max_concurrent: v.optional(whole(1, 1000)),
    queue_limit: v.optional(whole(0, 100_000)),
    lease_ttl_ms: v.optional(whole(1_000, 3_600_000)),
  }),
  v.check((b) => Object.keys(b).length > 0, "set at least one of max_concurrent, queue_limit, lease_ttl_ms"),
);
export type PoolConfigInput = v.InferInput<typeof PoolConfigBody>;

/** `PUT /admin/actors/pools/:worker`'s answer: the pool's config now. */
export const PoolConfigAnswerSchema = v.object({
  worker: v.string(),
  config: v.object({ maxConcurrent: v.number(), queueLimit: v.number(), leaseTtlMs: v.number(), defaultDurationMs: v.number() }),
});
export type PoolConfigAnswer = v.InferOutput<typeof PoolConfigAnswerSchema>;

/** `POST /admin/actors/pools/:worker/leases/:id/release`'s answer. */
export const LeaseReleaseAnswerSchema = v.object({ released: v.boolean() });


/** `GET /admin/actors/ledgers/:client`: a ClientLedger's books. */
export const LedgerInspectionSchema = v.object({
  balance: LedgerSnapshotSchema,
  open_holds: v.array(v.object({ key: v.string(), amount: Micros, remaining: Micros, period: v.string(), at: v.number() })),
  unbilled: v.array(v.object({ key: v.string(), actual: v.nullable(Micros), charged: v.nullable(Micros), unbilled: Micros, period: v.string(), at: v.number() })),
  recent_entries: v.array(v.object({
    kind: v.string(), key: v.nullable(v.string()), amount: Micros, charged: Micros, unbilled: Micros, period: v.string(), reason: v.nullable(v.string()), at: v.number(),
  })),
  periods: v.array(v.object({
    period: v.string(), budget: Micros, settled: Micros, adjustments: Micros, held_at_close: Micros, closed_at: v.number(), unbilled: Micros,
  })),
  due: v.array(v.object({ kind: v.string(), at: v.number() })),
  failures: v.array(FailureRecordSchema),
  event_seq: v.number(),
  recent_events: v.array(LoggedEventSchema),
  balance_usd: v.object({ budget: v.number(), spent: v.number(), held: v.number(), available: v.number() }),
});
export type LedgerInspection = v.InferOutput<typeof LedgerInspectionSchema>;

/** `POST /admin/actors/ledgers/:client/adjust`'s body: a debit (positive) or credit (negative) in USD. */
export const LedgerAdjustBody = v.strictObject({
  amount_usd: v.pipe(v.number(), v.check((n) => n !== 0, "must not be 0"), v.minValue(-1_000_000, "must be at least -1000000"), v.maxValue(1_000_000, "must be at most 1000000")),
  reason: Text(3, 500),
  idempotency_key: v.pipe(v.string(), v.regex(/^[A-Za-z0-9._:-]{8,128}$/, "must be 8-128 letters, digits or . _ : -")),
});
export type LedgerAdjustInput = v.InferInput<typeof LedgerAdjustBody>;

/** `POST /admin/actors/ledgers/:client/adjust`'s answer (a refusal is an error instead). */
export const LedgerAdjustAnswerSchema = v.object({ status: v.string(), available: v.optional(Micros), key: v.optional(v.string()) });
export type LedgerAdjustAnswer = v.InferOutput<typeof LedgerAdjustAnswerSchema>;

/** `POST /admin/actors/pipelines/:id/redrive`'s answer: what was cleared and the pipeline after. */
export const RedriveAnswerSchema = v.object({ cleared: v.array(v.string()), summary: PipelineSummarySchema });

/** One row of `GET /admin/failures`: what an actor gave up retrying (ISO times). */
export const ActorFailureRowSchema = v.object({
  failure_id: v.string(), actor_kind: v.picklist(["pipeline", "ledger", "pool"]), actor_name: v.string(), operation: v.string(),
  client_id: v.nullable(v.string()), code: v.string(), message: v.string(), attempts: v.number(), outcome: v.string(),
  first_at: v.string(), last_at: v.string(),
});

/** `GET /admin/failures`: a page, newest first. */
export const ActorFailuresSchema = v.object({ failures: v.array(ActorFailureRowSchema), total: v.number(), limit: v.number(), offset: v.number() });
export type ActorFailures = v.InferOutput<typeof ActorFailuresSchema>;

const LeaseSchema = v.object({ key: v.string(), pipelineId: v.string(), priority: v.number(), grantedAt: v.number(), expiresAt: v.number() });

/** `GET /admin/actors/pools/:worker`: a ResourcePool's config, leases, queue (grant order, with ETAs), stats and undelivered call-backs. */
export const PoolInspectionSchema = v.object({
  worker: v.string(),
  config: PoolConfigAnswerSchema.entries.config,
  leases: v.array(LeaseSchema),
  queue: v.array(v.object({
    key: v.string(), pipelineId: v.string(), priority: v.number(), enqueuedAt: v.number(), deadline: v.number(), seq: v.number(),
    position: v.number(), effective_priority: v.number(), eta_ms: v.nullable(v.number()),
  })),
  stats: v.record(v.string(), v.unknown()),
  outbox: v.array(v.object({ key: v.string(), kind: v.string(), pipeline_id: v.string(), attempts: v.number(), due_at: v.number() })),
  next_alarm: v.nullable(v.number()),
  failures: v.array(FailureRecordSchema),
  event_seq: v.number(),
  recent_events: v.array(LoggedEventSchema),
});
export type PoolInspection = v.InferOutput<typeof PoolInspectionSchema>;
