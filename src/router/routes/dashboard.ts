import { DashboardStatsSchema } from "../../contracts/service";
import * as v from "valibot";
import { clientScope } from "../../auth";
import { microsToUsd } from "../../lib/money";
import { RequestStatuses } from "../../catalog/requests";
import { route, type Route } from "../define";
import { poolStats } from "./admin-actors";
import { QueryTimestamp } from "../schemas";

/** Dashboard statistics: what the requests, pipelines and money are doing. */
export const dashboardRoutes: Route[] = [
  route({
    method: "GET", path: "/dashboard/stats", access: ["admin", "support", "client"],
    query: v.strictObject({ since: v.optional(QueryTimestamp) }),
    summary: "Requests by status; spend by client and by template; pipelines running now and steps waiting for capacity; success rate; work this month that cost more than the client had available and was not charged (`unbilled_this_month`, per client, from the ledgers); since `since` (default: the start of the month, UTC; running counts every run still processing). A client sees only its own figures.",
    response: DashboardStatsSchema,
    handler: async ({ env, principal, query, now }) => {
      const scope = clientScope(principal);
      const d = new Date(now);
      const since = query.since ?? new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1)).toISOString();
      const db = env.DB;
      const period = new Date(now).toISOString().slice(0, 7);
      const [byStatus, byClient, byTemplate, runs, running, unbilled] = await db.batch<Record<string, string | number | null>>([
        db.prepare(`SELECT request_status AS status, count(*) AS n FROM client_requests WHERE (?1 IS NULL OR client_id = ?1) AND created_at >= ?2 GROUP BY request_status`).bind(scope, since),
        db.prepare(`SELECT client_id, count(*) AS pipelines, sum(coalesce(total_cost_micros, 0)) AS micros FROM pipeline_executions
          WHERE (?1 IS NULL OR client_id = ?1) AND created_at >= ?2 GROUP BY client_id ORDER BY micros DESC`).bind(scope, since),
        db.prepare(`SELECT template_name, count(*) AS pipelines, sum(coalesce(total_cost_micros, 0)) AS micros FROM pipeline_executions
          WHERE (?1 IS NULL OR client_id = ?1) AND created_at >= ?2 GROUP BY template_name ORDER BY micros DESC`).bind(scope, since),
        db.prepare(`SELECT status, count(*) AS n FROM pipeline_executions WHERE (?1 IS NULL OR client_id = ?1) AND created_at >= ?2 GROUP BY status`).bind(scope, since),
        // Running now, whenever it started (a run from before the window is still running).
        db.prepare(`SELECT count(*) AS n FROM pipeline_executions WHERE (?1 IS NULL OR client_id = ?1) AND status = 'processing'`).bind(scope),
        // Work this month that cost more than could be charged (mirrored from each client's ledger).
        db.prepare(`SELECT client_id, unbilled_current_month_micros AS micros FROM clients
          WHERE (?1 IS NULL OR client_id = ?1) AND budget_period = ?2 AND unbilled_current_month_micros > 0 ORDER BY micros DESC`).bind(scope, period),
      ]);
      const counts = Object.fromEntries((runs!.results).map((r) => [String(r.status), Number(r.n)]));
      const ended = (counts.completed ?? 0) + (counts.partial ?? 0) + (counts.failed ?? 0) + (counts.cancelled ?? 0);
      // Waiting for capacity is the pools' queue depth (staff: every pool; a client has no view into other clients' queues).
      let waiting: number | null = null;
      if (scope === null) {
        waiting = (await poolStats(env)).reduce((n, s) => n + s.queue_depth, 0);
      }
      return {
        since, client_id: scope,
        requests_by_status: Object.fromEntries(RequestStatuses.map((s) => [s, Number(byStatus!.results.find((r) => r.status === s)?.n ?? 0)])),
        spend_by_client: byClient!.results.map((r) => ({ client_id: r.client_id, pipelines: Number(r.pipelines), cost_usd: microsToUsd(Number(r.micros)) })),
        spend_by_template: byTemplate!.results.map((r) => ({ template: r.template_name, pipelines: Number(r.pipelines), cost_usd: microsToUsd(Number(r.micros)) })),
        pipelines: { running: Number(running!.results[0]?.n ?? 0), steps_waiting_for_capacity: waiting, by_status: counts },
        unbilled_this_month: unbilled!.results.map((r) => ({ client_id: r.client_id, unbilled_usd: microsToUsd(Number(r.micros)), unbilled_micros: Number(r.micros) })),
        success_rate: ended === 0 ? null : Math.round((((counts.completed ?? 0) + (counts.partial ?? 0)) / ended) * 1000) / 1000,
      };
    },
  }),
];
