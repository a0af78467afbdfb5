import * as v from "valibot";

/** A deliverable's metadata as the API shows it (the seed's DeliverableMetadata; the storage key stays inside). */
export const DeliverableMetadataSchema = v.object({
  id: v.string(), pipeline_id: v.string(), client_id: v.string(), request_id: v.nullable(v.string()), name: v.string(),
  type: v.string(), format: v.string(), content_type: v.string(), size: v.number(), checksum: v.string(),
  storage_backend: v.string(), compressed: v.boolean(), encrypted: v.boolean(), access_level: v.string(),
  language: v.string(), quality_score: v.nullable(v.number()), retention_days: v.number(), expires_at: v.nullable(v.string()),
  created_at: v.string(), last_accessed: v.nullable(v.string()), download_count: v.number(),
});
export type DeliverableMetadata = v.InferOutput<typeof DeliverableMetadataSchema>;

/** A request's deliverable (in GET /requests/:id) with a fresh signed download path and when it stops working (ISO time). */
export const SignedDeliverableSchema = v.object({ ...DeliverableMetadataSchema.entries, url: v.string(), url_expires_at: v.string() });
export type SignedDeliverable = v.InferOutput<typeof SignedDeliverableSchema>;

/** `GET /deliverables`: a page, newest first. */
export const DeliverableListSchema = v.object({
  deliverables: v.array(DeliverableMetadataSchema), total: v.number(), limit: v.number(), offset: v.number(),
});
export type DeliverableList = v.InferOutput<typeof DeliverableListSchema>;

/** `GET /deliverables/:id`: the metadata and a signed download path (the signature is the credential; no session token in it). */
export const DeliverableLinkSchema = v.object({
  deliverable: DeliverableMetadataSchema, download_url: v.string(), download_url_expires_at: v.string(),
});
export type DeliverableLink = v.InferOutput<typeof DeliverableLinkSchema>;
