/**
 * Reads a byte stream to the end, or stops as soon as it passes `maxBytes`: the bytes read, or
 * null when the stream was larger. Callers decide what "too large" means (a 413 for a request
 * body, a refused feed for a fetch).
 *
 * Past the limit, the rest of the stream is read and discarded up to `drainUpTo` bytes in all,
 * then cancelled. A request body must be drained: cancelled early, the unread rest of a chunked
 * upload made `wrangler dev`'s proxy fail the next request to the Worker, from any client, with
 * "Your worker restarted mid-request" (reproduced by test/stack/probe.test.ts). An outbound
 * response (a feed) is cancelled at once (`drainUpTo` 0): nothing gains from reading it.
 */
export async function readCapped(body: ReadableStream<Uint8Array> | null, maxBytes: number, drainUpTo = 0): Promise<Uint8Array | null> {
  if (!body) return new Uint8Array(0);
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      while (total <= drainUpTo) {
        const next = await reader.read();
        if (next.done) return null;
        total += next.value.byteLength;
      }
      await reader.cancel();
      return null;
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) { bytes.set(chunk, offset); offset += chunk.byteLength; }
  return bytes;
}
