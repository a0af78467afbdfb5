import { describe, expect, it } from "vitest";
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
