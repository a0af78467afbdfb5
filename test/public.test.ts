import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { routes } from "../src/router";
import { runHealthChecks } from "../src/router/health";
import { call } from "./helpers";

describe("public endpoints", () => {
  it("GET / names the service, version and status", async () => {
    const res = await call("GET", "/");
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ service: "ai-factory", version: env.VERSION, status: "ok" });
  });

  it("GET /health checks D1, KV, R2 and every Durable Object namespace", async () => {
    const res = await call("GET", "/health");
    expect(res.status).toBe(200);
    expect(res.body.status).toBe("healthy");
    expect(Object.keys(res.body.checks).sort()).toEqual(["client_ledger", "d1", "kv", "pipeline_actor", "r2", "resource_pool"]);
    for (const check of Object.values(res.body.checks) as { ok: boolean; latency_ms: number }[]) {
      expect(check.ok).toBe(true);
      expect(check.latency_ms).toBeGreaterThanOrEqual(0);
    }
  });

  it("GET /health reports degraded per check when a dependency fails, without internals", async () => {
    const brokenDb = { prepare: () => { throw new Error("secret connection string postgres://u:p@h"); } } as unknown as D1Database;
    const report = await runHealthChecks({ ...env, DB: brokenDb }, Date.now());
    expect(report.status).toBe("degraded");
    expect(report.checks.d1).toMatchObject({ ok: false, error: "Error" });
    expect(JSON.stringify(report)).not.toContain("postgres://");
    expect(report.checks.kv!.ok).toBe(true);
  });

  it("GET /help lists every route from the router itself, with schemas", async () => {
    const res = await call("GET", "/help");
    expect(res.status).toBe(200);
    const listed = res.body.routes.map((r: { method: string; path: string }) => `${r.method} ${r.path}`);
    expect(listed).toEqual(routes.map((r) => `${r.method} ${r.path}`));
    expect(new Set(listed).size).toBe(listed.length);
    const login = res.body.routes.find((r: { path: string }) => r.path === "/auth/login");
    expect(login.access).toBe("public");
    expect(login.body).toMatchObject({ type: "object", required: ["email", "password"], additionalProperties: false });
    const requests = res.body.routes.find((r: { method: string; path: string }) => r.method === "GET" && r.path === "/requests");
    expect(Object.keys(requests.query.properties)).toEqual(expect.arrayContaining(["status", "client_id", "limit", "offset"]));
    for (const r of res.body.routes) expect(r.summary.length).toBeGreaterThan(10);
  });
});

describe("router stages", () => {
  it("answers an unknown route 404 in the envelope with a request id", async () => {
    const res = await call("GET", "/no/such/route");
    expect(res.status).toBe(404);
    expect(res.body).toEqual({
      error: { code: "not_found", message: expect.stringContaining("/no/such/route") },
      request_id: res.headers.get("X-Request-Id"),
    });
  });

  it("answers a wrong method 405 with Allow", async () => {
    const res = await call("PUT", "/health");
    expect(res.status).toBe(405);
    expect(res.body.error.code).toBe("method_not_allowed");
    expect(res.headers.get("Allow")).toBe("GET, HEAD, OPTIONS");
    const param = await call("DELETE", "/requests/abc");
    expect(param.status).toBe(405);
  });

  it("answers HEAD from the GET route, without a body", async () => {
    const response = await (await import("cloudflare:workers")).exports.default.fetch(new Request("http://localhost/health", { method: "HEAD" }));
    expect(response.status).toBe(200);
    expect(await response.text()).toBe("");
    expect(response.headers.get("X-Request-Id")).toBeTruthy();
  });

  it("refuses query parameters a route does not take", async () => {
    const res = await call("GET", "/health?verbose=1");
    expect(res.status).toBe(422);
    expect(res.body.error.message).toBe("query.verbose: unknown field (none are accepted here)");
  });

  it("answers CORS preflight with the seed's headers", async () => {
    const res = await call("OPTIONS", "/requests", { headers: { Origin: "https://app.example", "Access-Control-Request-Method": "POST" } });
    expect(res.status).toBe(204);
    expect(res.headers.get("Access-Control-Allow-Origin")).toBe("*");
    expect(res.headers.get("Access-Control-Allow-Methods")).toBe("GET, POST, PUT, DELETE, OPTIONS");
    for (const h of ["X-API-Key", "Authorization", "X-Worker-ID", "x-bitware-session-token", "Content-Type"]) {
      expect(res.headers.get("Access-Control-Allow-Headers")).toContain(h);
    }
  });

  it("puts a request id and CORS on every response, keeping a well-formed caller id", async () => {
    for (const [method, path] of [["GET", "/"], ["GET", "/nope"], ["POST", "/auth/login"], ["GET", "/clients"]] as const) {
      const res = await call(method, path, { headers: { "X-Request-Id": "trace-0123456789" } });
      expect(res.headers.get("X-Request-Id")).toBe("trace-0123456789");
      expect(res.headers.get("Access-Control-Allow-Origin")).toBe("*");
    }
    const bogus = await call("GET", "/", { headers: { "X-Request-Id": "<script>" } });
    expect(bogus.headers.get("X-Request-Id")).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("refuses an oversized body with 413, declared or streamed", async () => {
    const big = JSON.stringify({ email: "a@b.co", password: "x".repeat(Number(env.MAX_BODY_BYTES)) });
    const declared = await call("POST", "/auth/login", { rawBody: big, headers: { "Content-Type": "application/json" } });
    expect(declared.status).toBe(413);
    expect(declared.body.error.code).toBe("payload_too_large");
    const chunks = new TextEncoder().encode(big);
    const stream = new ReadableStream({ start(c) { c.enqueue(chunks.slice(0, 1000)); c.enqueue(chunks.slice(1000)); c.close(); } });
    const streamed = await call("POST", "/auth/login", { rawBody: stream, headers: { "Content-Type": "application/json" } });
    expect(streamed.status).toBe(413);
  });

  it("refuses a body that is not JSON with 415", async () => {
    const res = await call("POST", "/auth/login", { rawBody: "email=a", headers: { "Content-Type": "application/x-www-form-urlencoded" } });
    expect(res.status).toBe(415);
    expect(res.body.error.code).toBe("unsupported_media_type");
  });

  it("answers a bug with a bare 500: no message, no stack", async () => {
    const brokenEnv = { ...env, DB: { prepare: () => { throw new TypeError("boom at secret.ts:12"); } } as unknown as D1Database };
    const { router } = await import("../src/router");
    const res = await router.fetch(new Request("http://localhost/requests", { headers: { "X-API-Key": "aif_abcdefghij_abcdefghijabcdefghijabcdefghij12" } }), brokenEnv, {} as ExecutionContext);
    expect(res.status).toBe(500);
    const body = await res.json() as { error: { code: string; message: string } };
    expect(body.error.code).toBe("internal_error");
    expect(JSON.stringify(body)).not.toMatch(/boom|secret\.ts|at /);
  });
});

describe("the dashboard's paths", () => {
  it("answers any path under /dashboard/ with the app's page and its security headers; API paths there stay the API", async () => {
    const page = await exports.default.fetch(new Request("http://localhost/dashboard/pipelines/pip_anything"));
    expect(page.status).toBe(200);
    expect(page.headers.get("Content-Type")).toContain("text/html");
    expect(await page.text()).toContain(`<div id="root">`);
    // The same policy as the asset files get from public/_headers.
    const headersFile = (await import("../public/_headers?raw")).default as string;
    expect(headersFile).toContain(`Content-Security-Policy: ${page.headers.get("Content-Security-Policy")}`);
    expect(page.headers.get("Content-Security-Policy")).toContain("frame-ancestors 'none'");
    // A deep link with the app's own query (a reload of a filtered list) is the page too.
    const filtered = await exports.default.fetch(new Request("http://localhost/dashboard/run?template=research_report&request=req_1"));
    expect(filtered.status).toBe(200);
    expect(await filtered.text()).toContain(`<div id="root">`);
    const api = await call("GET", "/dashboard/stats");
    expect(api.status).toBe(401);
    expect(api.body.error.code).toBe("unauthorized");
  });
});
