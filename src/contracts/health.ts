import * as v from "valibot";

/** One dependency's health. */
export const CheckResultSchema = v.object({ ok: v.boolean(), latency_ms: v.number(), error: v.optional(v.string()) });

/** `GET /health`'s body: 200 healthy or 503 degraded, with per-check results. */
export const HealthReportSchema = v.object({
  status: v.picklist(["healthy", "degraded"]),
  service: v.string(),
  version: v.string(),
  timestamp: v.string(),
  checks: v.record(v.string(), CheckResultSchema),
});
export type HealthReport = v.InferOutput<typeof HealthReportSchema>;
