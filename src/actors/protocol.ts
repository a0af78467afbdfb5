import * as v from "valibot";
import { LedgerEventPayloads, LedgerSnapshotSchema } from "./client-ledger/protocol";
import { PipelineEventPayloads } from "./pipeline/protocol";
import { PoolEventPayloads } from "./resource-pool/protocol";
import { LiveMessageSchema } from "./shared/live-message";

/**
 * The WebSocket protocol of the three actors: every message is `{seq, type, at, payload}`
 * (LiveMessageSchema) and each type's payload has a schema here.
 */
export const LivePayloads = {
  "pipeline-actor": PipelineEventPayloads,
  "resource-pool": PoolEventPayloads,
  "client-ledger": { ...LedgerEventPayloads, snapshot: LedgerSnapshotSchema },
} as const;

/** Which actor a message came from. */
export type Party = keyof typeof LivePayloads;

/** One message from a party, typed by its `type`: `{seq, at, type, payload}`. */
export type LiveEventOf<P extends Party> = {
  [K in keyof (typeof LivePayloads)[P]]: { seq: number; at: number; type: K; payload: v.InferOutput<(typeof LivePayloads)[P][K] & v.GenericSchema> };
}[keyof (typeof LivePayloads)[P]];

/** Validates one message from a party: the envelope, a known type, and that type's payload. */
export function parseLiveMessage<P extends Party>(party: P, data: unknown): LiveEventOf<P> {
  const envelope = v.parse(LiveMessageSchema, data);
  const schemas: Record<string, v.GenericSchema> = LivePayloads[party];
  const schema = schemas[envelope.type];
  if (!schema) throw new Error(`${party} sent an unknown event type '${envelope.type}'`);
  return { ...envelope, payload: v.parse(schema, envelope.payload) } as unknown as LiveEventOf<P>;
}
