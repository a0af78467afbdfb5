import { toJsonSchema } from "@valibot/to-json-schema";
import type * as v from "valibot";
import type { Route } from "./define";

/** One route as `/help` lists it. */
export interface CatalogEntry {
  method: string;
  path: string;
  summary: string;
  access: "public" | string[];
  params?: object;
  query?: object;
  body?: object;
}

function schemaOf(schema: v.GenericSchema | undefined): object | undefined {
  // "ignore": transforms (query strings to numbers) have no JSON Schema; the input side is documented.
  return schema ? toJsonSchema(schema, { errorMode: "ignore", typeMode: "input" }) : undefined;
}

/** The route catalog, generated from the router's own route objects and schemas. */
export function buildCatalog(routes: readonly Route[], version: string) {
  const entries: CatalogEntry[] = routes.map((r) => {
    const entry: CatalogEntry = {
      method: r.method, path: r.path, summary: r.summary,
      access: r.access === "public" ? "public" : [...r.access],
    };
    const params = schemaOf(r.schemas.params);
    const query = schemaOf(r.schemas.query);
    const body = schemaOf(r.schemas.body);
    if (params) entry.params = params;
    if (query) entry.query = query;
    if (body) entry.body = body;
    return entry;
  });
  return {
    service: "ai-factory",
    version,
    authentication: {
      api_key: "X-API-Key: aif_<prefix>_<secret> (client callers)",
      session: "x-bitware-session-token: <token from POST /auth/login> (dashboard users)",
      worker: "Authorization: Bearer <WORKER_SHARED_SECRET> plus X-Worker-ID: <worker name> (worker to worker)",
    },
    errors: '{"error": {"code", "message", "details"?}, "request_id"}',
    routes: entries,
  };
}
