import type { Tier } from "../catalog/tiers";
import { sha256Hex } from "../lib/crypto";
import { derivedId, isoTime } from "../lib/ids";
import type { JsonObject } from "../lib/json";
import { utf8Bytes } from "../storage/payloads";
import { pipelineScope, resolveRefs } from "../storage/refs";
import { deliverablesFrom } from "./collect";

/** How long deliverables are kept, by the client's tier (days). */
export const RETENTION_DAYS: Record<Tier, number> = { basic: 7, standard: 30, premium: 90, enterprise: 365 };

/** The finished pipeline whose deliverables are recorded. */
export interface FinishedRun { pipelineId: string; clientId: string; requestId: string | null; finishedAt: number }

/** Where a deliverable's content lives in R2. */
function deliverableKey(clientId: string, pipelineId: string, name: string): string {
  return `deliverables/${clientId}/${pipelineId}/${name}`;
}

/**
 * Stores what a finished pipeline delivers (its `deliverableFields`, see `deliverablesFrom`) in R2 and records each file
 * in D1 with the seed's DeliverableMetadata: checksum, size, content type, format, backend,
 * access level, retention and expiry. Ids follow from the pipeline and the file name, so running
 * it again (after a crash, or a retried step) rewrites the same objects and rows. Returns how many files.
 */
export async function recordDeliverables(env: Env, run: FinishedRun, fields: JsonObject): Promise<number> {
  const read = (await resolveRefs(env, fields, pipelineScope(run.pipelineId))).value as JsonObject;
  const files = deliverablesFrom(read);
  if (files.length === 0) return 0;
  const client = await env.DB.prepare(`SELECT subscription_tier FROM clients WHERE client_id = ?`).bind(run.clientId).first<{ subscription_tier: Tier }>();
  const days = RETENTION_DAYS[client?.subscription_tier ?? "basic"];
  const created = isoTime(run.finishedAt);
  const expires = isoTime(run.finishedAt + days * 86_400_000);
  const rows = await Promise.all(files.map(async (f) => {
    const checksum = await sha256Hex(f.body);
    const id = await derivedId("dlv", `${run.pipelineId}:${f.name}`);
    const key = deliverableKey(run.clientId, run.pipelineId, f.name);
    await env.DELIVERABLES.put(key, f.body, { httpMetadata: { contentType: f.contentType }, customMetadata: { sha256: checksum, deliverable_id: id } });
    return env.DB.prepare(
      `INSERT INTO deliverables (deliverable_id, pipeline_id, client_id, request_id, name, content_type, file_size_bytes, checksum,
         storage_location, storage_backend, access_level, deliverable_type, format, quality_score, retention_days, expires_at, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'R2', 'private', ?, ?, ?, ?, ?, ?)
       ON CONFLICT (deliverable_id) DO UPDATE SET file_size_bytes = excluded.file_size_bytes, checksum = excluded.checksum,
         quality_score = excluded.quality_score, expires_at = excluded.expires_at`,
    ).bind(id, run.pipelineId, run.clientId, run.requestId, f.name, f.contentType, utf8Bytes(f.body), checksum, key, f.type, f.format,
      f.quality, days, expires, created);
  }));
  await env.DB.batch(rows);
  return files.length;
}

/** Deletes deliverables past their expiry, content first (R2) then the row. Returns how many. Run by the daily cron. */
export async function sweepDeliverables(env: Env, now: number): Promise<number> {
  let deleted = 0;
  for (;;) {
    const { results } = await env.DB.prepare(`SELECT deliverable_id, storage_location FROM deliverables WHERE expires_at IS NOT NULL AND expires_at < ? LIMIT 500`)
      .bind(isoTime(now)).all<{ deliverable_id: string; storage_location: string }>();
    if (results.length === 0) return deleted;
    await env.DELIVERABLES.delete(results.map((r) => r.storage_location));
    await env.DB.batch(results.map((r) => env.DB.prepare(`DELETE FROM deliverables WHERE deliverable_id = ?`).bind(r.deliverable_id)));
    deleted += results.length;
  }
}
