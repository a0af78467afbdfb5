import type * as v from "valibot";
import { HealthReportSchema } from "../../contracts/health";
import { CatalogSchema, OpenApiDocumentSchema, ServiceInfoSchema } from "../../contracts/service";
import { reply, route, type Route } from "../define";
import { buildCatalog } from "../help";
import { runHealthChecks } from "../health";
import { buildOpenApi } from "../openapi";

let openApiDocument: Record<string, unknown> | null = null;

/** `GET /`, `GET /health`, `GET /help` and `GET /openapi.json`: public, no authentication. */
export function publicRoutes(allRoutes: () => readonly Route[]): Route[] {
  return [
    route({
      method: "GET", path: "/", access: "public", summary: "Service name, version and status.",
      response: ServiceInfoSchema,
      handler: ({ env, now }) => ({
        service: "ai-factory", version: env.VERSION, status: "ok" as const, environment: env.ENVIRONMENT,
        timestamp: new Date(now).toISOString(), help: "/help", health: "/health", dashboard: "/dashboard/", openapi: "/openapi.json", docs: "/docs/",
      }),
    }),
    route({
      method: "GET", path: "/health", access: "public",
      summary: "Checks D1, KV, R2 and every Durable Object namespace: 200 healthy or 503 degraded, with per-check results.",
      response: HealthReportSchema, alsoAnswers: [503],
      handler: async ({ env, now }) => {
        const report = await runHealthChecks(env, now);
        return reply(report, { status: report.status === "healthy" ? 200 : 503 });
      },
    }),
    route({
      method: "GET", path: "/help", access: "public",
      summary: "This catalog: every route with its method, access and JSON Schemas, generated from the router itself.",
      response: CatalogSchema,
      handler: ({ env }) => buildCatalog(allRoutes(), env.VERSION),
    }),
    route({
      method: "GET", path: "/openapi.json", access: "public",
      summary: "The OpenAPI 3.1 document of every route (security, parameters, bodies, answers and error statuses), generated from the same declarations the router validates with. Rendered at /docs/.",
      response: OpenApiDocumentSchema,
      handler: ({ env }) => {
        // Built once per isolate (the routes do not change while it runs); its server is this origin, whatever Host it was asked by.
        openApiDocument ??= buildOpenApi(allRoutes(), env.VERSION, "/");
        return openApiDocument as v.InferInput<typeof OpenApiDocumentSchema>;
      },
    }),
  ];
}
