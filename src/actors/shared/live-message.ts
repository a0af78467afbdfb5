import * as v from "valibot";
import type { JsonObject } from "../../lib/json";

/**
 * Every message an actor sends to subscribers: a sequence number (per actor, gapless), a type,
 * a timestamp (ms) and a payload. `snapshot` messages carry the sequence number of the last event
 * they include, so a client can resume with `since=<seq>`.
 */
export const LiveMessageSchema = v.object({
  seq: v.pipe(v.number(), v.integer(), v.minValue(0)),
  type: v.string(),
  at: v.number(),
  payload: v.record(v.string(), v.unknown()),
});
/** One message on an actor's WebSocket (the schema's shape, with a JSON payload). */
export type LiveMessage = Omit<v.InferOutput<typeof LiveMessageSchema>, "payload"> & { payload: JsonObject };

/**
 * The small coded frame a subscriber gets instead of any error text, shaped like the HTTP error
 * envelope; the socket closes after it (1011).
 */
export const SocketErrorSchema = v.object({
  type: v.literal("error"),
  error: v.object({ code: v.picklist(["internal_error", "unavailable"]), message: v.string() }),
});
/** A socket's error frame. */
export type SocketErrorFrame = v.InferOutput<typeof SocketErrorSchema>;
