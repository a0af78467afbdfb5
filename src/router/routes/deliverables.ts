import * as v from "valibot";
import { clientScope } from "../../auth";
import { checkDownload, DEFAULT_URL_TTL_SECONDS, MAX_URL_TTL_SECONDS, signDownload } from "../../deliverables/signing";
import { AppError, notFound } from "../../lib/errors";
import { isoTime } from "../../lib/ids";
import { DeliverableLinkSchema, DeliverableListSchema, type DeliverableMetadata, type SignedDeliverable } from "../../contracts/deliverables";
import { rawResponse, route, type Route } from "../define";
import { IdString, PageQuery, queryInt } from "../schemas";

interface DeliverableRow {
  deliverable_id: string; pipeline_id: string; client_id: string; request_id: string | null; name: string; content_type: string;
  file_size_bytes: number; checksum: string; storage_location: string; storage_backend: string; compressed: number; encrypted: number;
  access_level: string; deliverable_type: string; format: string; language: string; quality_score: number | null; retention_days: number;
  expires_at: string | null; created_at: string; last_accessed: string | null; download_count: number;
}

/** A deliverable's metadata as the API shows it (the seed's DeliverableMetadata; the storage key stays inside). */
function metadata(r: DeliverableRow): DeliverableMetadata {
  return {
    id: r.deliverable_id, pipeline_id: r.pipeline_id, client_id: r.client_id, request_id: r.request_id, name: r.name,
    type: r.deliverable_type, format: r.format, content_type: r.content_type, size: r.file_size_bytes, checksum: `sha256:${r.checksum}`,
    storage_backend: r.storage_backend, compressed: r.compressed === 1, encrypted: r.encrypted === 1, access_level: r.access_level,
    language: r.language, quality_score: r.quality_score, retention_days: r.retention_days, expires_at: r.expires_at,
    created_at: r.created_at, last_accessed: r.last_accessed, download_count: r.download_count,
  };
}

/** A deliverable the caller may see (a client only its own; otherwise 404, as if it did not exist). */
async function visibleDeliverable(db: D1Database, id: string, scope: string | null): Promise<DeliverableRow> {
  const row = await db.prepare(`SELECT * FROM deliverables WHERE deliverable_id = ?1 AND (?2 IS NULL OR client_id = ?2)`).bind(id, scope).first<DeliverableRow>();
  if (!row) throw notFound("deliverable", id);
  return row;
}

/** A request's deliverables, each with a fresh signed download URL (for CompleteRequestResponse). */
export async function deliverablesOf(env: Env, requestId: string, clientId: string, now: number) {
  const { results } = await env.DB.prepare(`SELECT * FROM deliverables WHERE client_id = ? AND request_id = ? ORDER BY created_at, name`)
    .bind(clientId, requestId).all<DeliverableRow>();
  return Promise.all(results.map(async (r) => {
    const url = await signDownload(env, r.deliverable_id, r.client_id, now);
    return { ...metadata(r), url: url.path, url_expires_at: url.expires_at } satisfies SignedDeliverable;
  }));
}

/** Deliverables: metadata (scoped to the client), signed download URLs, and the downloads they allow. */
export const deliverableRoutes: Route[] = [
  route({
    method: "GET", path: "/deliverables", access: ["admin", "support", "client", "worker"],
    query: v.strictObject({ pipeline_id: v.optional(IdString), request_id: v.optional(IdString), client_id: v.optional(IdString), ...PageQuery }),
    summary: "Deliverables, newest first, by pipeline, request or client; a client sees only its own.",
    response: DeliverableListSchema,
    handler: async ({ env, principal, query }) => {
      const scope = clientScope(principal);
      const where = `WHERE (?1 IS NULL OR client_id = ?1) AND (?2 IS NULL OR client_id = ?2) AND (?3 IS NULL OR pipeline_id = ?3) AND (?4 IS NULL OR request_id = ?4)`;
      const binds = [scope, query.client_id ?? null, query.pipeline_id ?? null, query.request_id ?? null];
      const [page, count] = await env.DB.batch<DeliverableRow | { n: number }>([
        env.DB.prepare(`SELECT * FROM deliverables ${where} ORDER BY created_at DESC, name LIMIT ?5 OFFSET ?6`).bind(...binds, query.limit, query.offset),
        env.DB.prepare(`SELECT count(*) AS n FROM deliverables ${where}`).bind(...binds),
      ]);
      return { deliverables: (page!.results as DeliverableRow[]).map(metadata), total: (count!.results[0] as { n: number }).n, limit: query.limit, offset: query.offset };
    },
  }),
  route({
    method: "GET", path: "/deliverables/:id", access: ["admin", "support", "client", "worker"], params: v.strictObject({ id: IdString }),
    query: v.strictObject({ expires_in: queryInt(60, MAX_URL_TTL_SECONDS, DEFAULT_URL_TTL_SECONDS) }),
    summary: "A deliverable's metadata (seed DeliverableMetadata) and a signed download URL (HMAC over id, client and expiry, with a key id; `expires_in` seconds, default 900). Another client's deliverable answers 404.",
    response: DeliverableLinkSchema,
    handler: async ({ env, request, principal, params, query, now }) => {
      const row = await visibleDeliverable(env.DB, params.id, clientScope(principal));
      const url = await signDownload(env, row.deliverable_id, row.client_id, now, query.expires_in);
      // Absolute, as the seed's contract has it: a caller can hand it to any HTTP client as it is.
      return { deliverable: metadata(row), download_url: new URL(url.path, request.url).href, download_url_expires_at: url.expires_at };
    },
  }),
  route({
    method: "GET", path: "/deliverables/:id/download", access: "public", params: v.strictObject({ id: IdString }),
    query: v.strictObject({
      // Canonical digits only (no leading zero): the signature covers this exact text.
      expires: v.pipe(v.string(), v.regex(/^[1-9]\d{0,11}$/, "must be a time in seconds since the epoch, written without leading zeros")),
      kid: v.pipe(v.string(), v.regex(/^[0-9a-f]{8}$/, "must be a key id (8 hex digits)")),
      sig: v.pipe(v.string(), v.regex(/^[0-9a-f]{64}$/, "must be a signature (64 hex digits)")),
    }),
    summary: "Streams a deliverable's content with its content type, for a URL signed by GET /deliverables/:id (the signature is the credential). An expired or altered URL answers 403. Counts downloads.",
    errors: [403],
    response: rawResponse("application/octet-stream", "The deliverable's bytes, with its own Content-Type, an ETag of its sha256 and Content-Disposition: attachment."),
    handler: async ({ env, ctx, params, query, now }) => {
      const row = await env.DB.prepare(`SELECT * FROM deliverables WHERE deliverable_id = ?`).bind(params.id).first<DeliverableRow>();
      // An unknown id and a bad signature look the same: no way to probe for ids.
      const refused = row ? await checkDownload(env, row.deliverable_id, row.client_id, query, now) : "bad_signature";
      if (refused === "expired") throw new AppError("forbidden", "this download link has expired; ask GET /deliverables/:id for a new one");
      if (refused || !row) throw new AppError("forbidden", "this download link is not valid");
      const object = await env.DELIVERABLES.get(row.storage_location);
      if (!object) throw notFound("deliverable", params.id);
      ctx.waitUntil(env.DB.prepare(`UPDATE deliverables SET download_count = download_count + 1, last_accessed = ? WHERE deliverable_id = ?`)
        .bind(isoTime(now), row.deliverable_id).run());
      return new Response(object.body, {
        headers: {
          "Content-Type": row.content_type, "Content-Length": String(object.size), ETag: `"${row.checksum}"`,
          "Content-Disposition": `attachment; filename="${row.name.replace(/[^\w.-]/g, "_")}"`, "Cache-Control": "private, no-store",
          "X-Content-Type-Options": "nosniff",
        },
      });
    },
  }),
];
