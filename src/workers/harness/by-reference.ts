import type { JsonObject } from "../../lib/json";
import { utf8Bytes } from "../../storage/payloads";
import { hasRefs } from "../../storage/ref-marker";
import { externalize, pipelineScope, resolveRefs, type Externalized } from "../../storage/refs";
import type { Handshake } from "../contract";

/** Sizes of what a run read and wrote, whole: the actor saw only references to the large parts. */
export type PayloadSizes = { input_bytes: number; output_bytes: number; read_bytes: number; refs_in: number; refs_out: number };

/** Empty sizes, filled in by `readInput` and `writeOutput`. */
export function payloadSizes(): PayloadSizes {
  return { input_bytes: 0, output_bytes: 0, read_bytes: 0, refs_in: 0, refs_out: 0 };
}

/**
 * A handshake's input with its references read from the pipeline's payloads (checksums
 * checked), when the call came `byReference` (from an actor); an HTTP caller's input is taken as
 * it is, never read from storage. Records the input's size either way.
 */
export async function readInput(env: Env, h: Handshake, sizes: PayloadSizes, byReference: boolean): Promise<JsonObject> {
  let input = h.input;
  if (byReference && hasRefs(input)) {
    const resolved = await resolveRefs(env, input, pipelineScope(h.pipeline_id));
    input = resolved.value as JsonObject;
    sizes.read_bytes = resolved.readBytes;
    sizes.refs_in = resolved.refs;
  }
  sizes.input_bytes = utf8Bytes(JSON.stringify(input));
  return input;
}

/**
 * A step's output as it travels back: when answering `byReference` (to an actor), large fields
 * stored under the attempt's prefix and referenced; otherwise whole. Records the sizes.
 */
export async function writeOutput(env: Env, h: Handshake, output: JsonObject, sizes: PayloadSizes, byReference: boolean): Promise<Externalized> {
  const stored = byReference
    ? await externalize(env, `${pipelineScope(h.pipeline_id)}${h.step_id}/${h.attempt}`, output)
    : { output, bytes: utf8Bytes(JSON.stringify(output)), refs: 0 };
  sizes.output_bytes = stored.bytes;
  sizes.refs_out = stored.refs;
  return stored;
}
