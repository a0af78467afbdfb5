import type * as v from "valibot";
import type { CatalogEntry } from "../contracts/service";
import { isRaw, type Route } from "./define";
import { jsonSchemaOf } from "./json-schema";

/** The route catalog, generated from the router's own route objects and schemas. */
export function buildCatalog(routes: readonly Route[], version: string) {
  const entries: CatalogEntry[] = routes.map((r) => {
    const entry: CatalogEntry = {
      method: r.method, path: r.path, summary: r.summary,
      access: r.access === "public" ? "public" : [...r.access],
    };
    const params = inputSchema(r.schemas.params);
    const query = inputSchema(r.schemas.query);
    const body = inputSchema(r.schemas.body);
    if (params) entry.params = params;
    if (query) entry.query = query;
    if (body) entry.body = body;
    if (!isRaw(r.response)) entry.response = jsonSchemaOf(r.response, "output");
    return entry;
  });
  return {
    service: "ai-factory",
    version,
    openapi: "/openapi.json",
    authentication: {
      api_key: "X-API-Key: aif_<prefix>_<secret> (client callers)",
      session: "x-bitware-session-token: <token from POST /auth/login> (dashboard users)",
      worker: "Authorization: Bearer <WORKER_SHARED_SECRET> plus X-Worker-ID: <worker name> (worker to worker)",
    },
    errors: '{"error": {"code", "message", "details"?}, "request_id"}',
    routes: entries,
  };
}

function inputSchema(schema: v.GenericSchema | undefined): Record<string, unknown> | undefined {
  return schema ? jsonSchemaOf(schema, "input") : undefined;
}
