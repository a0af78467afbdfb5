import { KV_TTL_SECONDS, storedKey } from "./payloads";
import { PIPELINES_SCOPE } from "./refs";

/** Where pipelines' R2 payloads live: every pipeline's scope, in R2. */
const PIPELINE_PAYLOADS = storedKey("r2", PIPELINES_SCOPE);

/**
 * Deletes pipelines' R2 payloads older than `maxAgeMs` (by default as long as KV keeps its
 * payloads: by then no step can read them, and retrying from a step is refused). KV payloads
 * expire by their TTL. Returns how many objects were deleted. Run by the daily cron.
 */
export async function sweepPayloads(bucket: R2Bucket, now: number, maxAgeMs = KV_TTL_SECONDS * 1000): Promise<number> {
  let cursor: string | undefined;
  let deleted = 0;
  do {
    const page = await bucket.list({ prefix: PIPELINE_PAYLOADS, limit: 1000, ...(cursor ? { cursor } : {}) });
    const old = page.objects.filter((o) => now - o.uploaded.getTime() > maxAgeMs).map((o) => o.key);
    if (old.length > 0) {
      await bucket.delete(old);
      deleted += old.length;
    }
    cursor = page.truncated ? page.cursor : undefined;
  } while (cursor);
  return deleted;
}
