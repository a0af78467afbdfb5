import * as v from "valibot";
import { LedgerEventPayloads, LedgerSnapshotSchema } from "./client-ledger/protocol";
import { PipelineEventPayloads } from "./pipeline/protocol";
import { PoolEventPayloads } from "./resource-pool/protocol";
import { LiveMessageSchema } from "./shared/event-log";

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

/** Validates one message from a party: the envelope, a known type, and that type's payload. */
export function parseLiveMessage(party: Party, data: unknown) {
  const envelope = v.parse(LiveMessageSchema, data);
  const schemas: Record<string, v.GenericSchema> = LivePayloads[party];
  const schema = schemas[envelope.type];
  if (!schema) throw new Error(`${party} sent an unknown event type '${envelope.type}'`);
  v.parse(schema, envelope.payload);
  return envelope;
}
