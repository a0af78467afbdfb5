import * as v from "valibot";
import { describe, expect, it } from "vitest";
import { route } from "../src/router/define";
import { routes } from "../src/router";
import { errorStatusesOf } from "../src/router/openapi";
import { call } from "./helpers";

type Doc = { openapi: string; paths: Record<string, Record<string, { security: unknown[]; responses: Record<string, { content?: Record<string, { schema: Record<string, unknown> }> }> }>>; components: { schemas: Record<string, unknown> } };

/** Every `$ref` in a value. */
function refsIn(value: unknown): string[] {
  return [...JSON.stringify(value).matchAll(/"\$ref":"([^"]+)"/g)].map((m) => m[1]!);
}

describe("GET /openapi.json", () => {
  it("has one operation per declared route, each with its success answer and the error statuses its declaration implies", async () => {
    const res = await call<Doc>("GET", "/openapi.json");
    expect(res.status).toBe(200);
    const doc = res.body;
    expect(doc.openapi).toBe("3.1.0");
    const operations = Object.values(doc.paths).flatMap((methods) => Object.keys(methods));
    expect(operations.length).toBe(routes.length);
    for (const route of routes) {
      const path = route.path.replace(/:(\w+)/g, "{$1}").replace(/\*$/, "{path}");
      const op = doc.paths[path]?.[route.method.toLowerCase()];
      expect(op, `${route.method} ${route.path}`).toBeDefined();
      for (const status of errorStatusesOf(route)) {
        expect(op!.responses[String(status)]?.content?.["application/json"]?.schema, `${route.method} ${route.path} ${status}`).toEqual({ $ref: "#/components/schemas/ErrorEnvelope" });
      }
    }
  });

  it("names the shared answers once, as models every reference finds", async () => {
    const doc = (await call<Doc>("GET", "/openapi.json")).body;
    const models = doc.components.schemas;
    for (const ref of refsIn(doc)) {
      expect(ref).toMatch(/^#\/components\/schemas\//);
      expect(models[ref.slice("#/components/schemas/".length)], ref).toBeDefined();
    }
    expect(JSON.stringify(doc)).not.toContain("$defs");
    // An answer that is a model refers to it; a model inside another is referred to from there.
    expect(doc.paths["/deliverables/{id}"]!.get!.responses["200"]!.content!["application/json"]!.schema).toEqual({ $ref: "#/components/schemas/DeliverableLink" });
    expect(refsIn(models.DeliverableLink)).toContain("#/components/schemas/DeliverableMetadata");
    // A public route needs no credential; a staff route names the session header.
    expect(doc.paths["/health"]!.get!.security).toEqual([]);
    expect(doc.paths["/admin/actors/pools"]!.get!.security).toEqual([{ Session: [] }]);
  });
});

describe("route(): answers checked against their declared schema", () => {
  const mismatched = route({
    method: "GET", path: "/__mismatch", access: "public", summary: "A route whose handler drifts from its schema.", response: v.object({ a: v.number() }),
    handler: () => ({ a: "not a number" }) as unknown as { a: number },
  });
  const raw = (ENVIRONMENT: string) => ({
    env: { ENVIRONMENT } as Env, ctx: {} as ExecutionContext, request: new Request("http://x/__mismatch"), requestId: "r", now: 0,
    principal: null, params: {}, query: {}, readBody: async () => undefined,
  });

  it("outside production, a drifted answer is a failure (a 500 with the mismatch in the log), not sent", async () => {
    await expect(mismatched.run(raw("development"))).rejects.toThrow("response of GET /__mismatch does not match its schema: a: Invalid type");
    await expect(mismatched.run(raw("test"))).rejects.toThrow(/does not match its schema/);
  });

  it("in production the answer is not checked (no cost per request)", async () => {
    const res = await mismatched.run(raw("production"));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ a: "not a number" });
  });
});

describe("the document's operations, route by route", () => {
  it("has a request body for every route with a body, query parameters for every declared query, and the answer's schema", async () => {
    const doc = (await call<Doc & { paths: Record<string, Record<string, { requestBody?: unknown; parameters?: { in: string }[] }>> }>("GET", "/openapi.json")).body;
    for (const r of routes) {
      const op = doc.paths[r.path.replace(/:(\w+)/g, "{$1}").replace(/\*$/, "{path}")]![r.method.toLowerCase()]!;
      const where = `${r.method} ${r.path}`;
      if (r.schemas.body) expect(op.requestBody, where).toBeDefined();
      const queryNames = Object.keys((r.schemas.query as { entries?: object } | undefined)?.entries ?? {});
      if (queryNames.length > 0) expect(op.parameters?.filter((p) => p.in === "query").length, where).toBe(queryNames.length);
      if (r.response.kind !== "raw") expect(op.responses[String(r.status)]?.content?.["application/json"]?.schema, where).toBeDefined();
    }
    // Each kind of caller is named where it is admitted.
    expect(doc.paths["/workers/{name}/api/execute"]!.post!.security).toEqual([{ Session: [] }, { WorkerBearer: [], WorkerId: [] }]);
    expect(doc.paths["/orchestrate"]!.post!.security).toEqual([{ Session: [] }, { ApiKey: [] }, { WorkerBearer: [], WorkerId: [] }]);
  });
});
