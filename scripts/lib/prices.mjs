// Cloudflare's published prices (Workers Paid plan, usage above the included amounts), as read
// on 2026-12-05 from:
//   Workers / Workflows: https://developers.cloudflare.com/workflows/reference/pricing/ ("identical
//     to Workers Standard pricing": requests $0.30/M, CPU $0.02/M ms, storage $0.20/GB-month)
//   Durable Objects:     https://developers.cloudflare.com/durable-objects/platform/pricing
//     (requests $0.15/M: HTTP requests, RPC method calls, alarm invocations, incoming WebSocket
//     messages at 20:1; duration $12.50/M GB-s at 128 MB per object while active; SQLite rows
//     read $0.001/M, rows written $1.00/M, stored data $0.20/GB-month)
//   D1:                  https://developers.cloudflare.com/d1/platform/pricing/ (rows read $0.001/M,
//     rows written $1.00/M)
// Included monthly amounts (10 M requests, 30 M CPU ms, 1 M DO requests, …) are left out: these
// are marginal prices, what one more million pipelines costs.
export const PRICES = {
  as_of: "2026-12-05",
  workers: { requests_per_million: 0.30, cpu_ms_per_million: 0.02 },
  durable_objects: { requests_per_million: 0.15, gb_s_per_million: 12.50, gb_per_object: 0.128, websocket_messages_per_request: 20 },
  sqlite: { rows_read_per_million: 0.001, rows_written_per_million: 1.00, gb_month: 0.20 },
  d1: { rows_read_per_million: 0.001, rows_written_per_million: 1.00 },
  workflows: { requests_per_million: 0.30, cpu_ms_per_million: 0.02, gb_month: 0.20 },
};

/**
 * Dollars per million pipelines from per-pipeline usage.
 * @param {{ workerRequests: number, doRequests: number, cpuMs: number, sqliteRowsWritten: number, d1RowsWritten: number, d1RowsRead: number, durationGbS: number, storedBytes: number }} u
 */
export function costPerMillion(u) {
  const p = PRICES;
  const parts = {
    requests: u.workerRequests * p.workers.requests_per_million + u.doRequests * p.durable_objects.requests_per_million,
    cpu: u.cpuMs * p.workers.cpu_ms_per_million,
    rows_written: u.sqliteRowsWritten * p.sqlite.rows_written_per_million,
    d1: u.d1RowsWritten * p.d1.rows_written_per_million + u.d1RowsRead * p.d1.rows_read_per_million,
    duration: u.durationGbS * p.durable_objects.gb_s_per_million,
    // A million pipelines' stored data, kept one month.
    storage_month: (u.storedBytes * 1e6 / 1e9) * p.sqlite.gb_month,
  };
  // The total is per use; stored data is per month kept, apart.
  return { ...parts, total: parts.requests + parts.cpu + parts.rows_written + parts.d1 + parts.duration };
}
