import { route, type Route } from "../define";
import { buildCatalog } from "../help";
import { runHealthChecks } from "../health";
import { json } from "../respond";

/** `GET /`, `GET /health` and `GET /help`: public, no authentication. */
export function publicRoutes(allRoutes: () => readonly Route[]): Route[] {
  return [
    route({
      method: "GET", path: "/", access: "public", summary: "Service name, version and status.",
      handler: ({ env, now }) => ({
        service: "ai-factory", version: env.VERSION, status: "ok", environment: env.ENVIRONMENT,
        timestamp: new Date(now).toISOString(), help: "/help", health: "/health", dashboard: "/dashboard/",
      }),
    }),
    route({
      method: "GET", path: "/health", access: "public",
      summary: "Checks D1, KV, R2 and every Durable Object namespace: 200 healthy or 503 degraded, with per-check results.",
      handler: async ({ env, now }) => {
        const report = await runHealthChecks(env, now);
        return json(report, report.status === "healthy" ? 200 : 503);
      },
    }),
    route({
      method: "GET", path: "/help", access: "public",
      summary: "This catalog: every route with its method, access and JSON Schemas, generated from the router itself.",
      handler: ({ env }) => buildCatalog(allRoutes(), env.VERSION),
    }),
  ];
}
