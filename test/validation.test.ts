import { env } from "cloudflare:workers";
import { describe, expect, it, beforeAll } from "vitest";
import { routes, type Route } from "../src/router";
import { call, seed, sessionHeaders, workerHeaders } from "./helpers";
import { quiesce } from "./pipeline-helpers";

beforeAll(async () => { await seed(); });

/** Credentials that pass a route's access list, so the body is what gets judged. */
async function headersFor(route: Route): Promise<Record<string, string>> {
  if (route.access === "public") return {};
  if (route.access.includes("admin")) return sessionHeaders("admin");
  if (route.access.includes("worker")) return workerHeaders();
  return sessionHeaders("support");
}

/** A concrete path for a route pattern, with ids the admin can see. */
function concretePath(route: Route): string {
  return route.path.replace(":id", "client_demo_basic").replace(":keyId", "key_demo_basic")
    .replace(":worker", "scripted").replace(":client", "client_demo_basic")
    .replace(":name", "rss-librarian").replace(":provider", "openai").replace(":model", "gpt-4o-mini");
}

const bodyRoutes = routes.filter((r) => r.schemas.body);

describe("every route that takes a body", () => {
  it("exists (the sweep below is not empty)", () => {
    expect(bodyRoutes.map((r) => `${r.method} ${r.path}`)).toEqual(expect.arrayContaining(["POST /auth/login", "POST /requests", "POST /client/:id/api-keys"]));
  });

  for (const route of bodyRoutes) {
    describe(`${route.method} ${route.path}`, () => {
      it("answers malformed JSON with 400 invalid_json", async () => {
        const res = await call(route.method, concretePath(route), {
          rawBody: '{"email": "a@b.c", ', headers: { ...(await headersFor(route)), "Content-Type": "application/json" },
        });
        expect(res.status).toBe(400);
        expect(res.body.error.code).toBe("invalid_json");
        expect(res.body.error.message).toMatch(/^body: malformed JSON/);
        expect(res.body.request_id).toBeTruthy();
      });

      it("answers a JSON value of the wrong type with 422 naming the body", async () => {
        const res = await call(route.method, concretePath(route), { body: [1, 2, 3], headers: await headersFor(route) });
        expect(res.status).toBe(422);
        expect(res.body.error.code).toBe("validation_failed");
        expect(res.body.error.message).toMatch(/^body: /);
      });

      it("answers an unknown field with 422 naming it and what is allowed", async () => {
        const res = await call(route.method, concretePath(route), { body: { surprise_field: 1 }, headers: await headersFor(route) });
        expect(res.status).toBe(422);
        const issue = res.body.error.details.issues.find((i: { field: string }) => i.field === "body.surprise_field");
        expect(issue.message).toMatch(/^unknown field/);
      });
    });
  }
});

describe("field rules", () => {
  it("names a missing required field", async () => {
    const res = await call("POST", "/auth/login", { body: { email: "a@b.co" } });
    expect(res.status).toBe(422);
    expect(res.body.error.message).toBe("body.password: is required");
  });

  it("names a field of the wrong type and the rule", async () => {
    const res = await call("POST", "/auth/login", { body: { email: 42, password: "x" } });
    expect(res.status).toBe(422);
    expect(res.body.error.message).toMatch(/^body\.email: Invalid type: Expected string/);
  });

  it("names an out-of-range or malformed value", async () => {
    const headers = await sessionHeaders("admin");
    const tooShort = await call("POST", "/requests", { headers, body: { client_id: "client_demo_basic", request_type: "support_request", message: "x" } });
    expect(tooShort.status).toBe(422);
    expect(tooShort.body.error.message).toBe("body.message: must be at least 3 characters");
    const badEnum = await call("POST", "/requests", { headers, body: { client_id: "client_demo_basic", request_type: "support_request", message: "hello", urgency_level: "meh" } });
    expect(badEnum.body.error.message).toBe("body.urgency_level: must be one of low, medium, high, critical");
    const badEmail = await call("POST", "/auth/login", { body: { email: "not-an-email", password: "x" } });
    expect(badEmail.body.error.message).toBe("body.email: must be an email address");
    // A choice declared without a message of its own is said the same way, not in the library's words.
    const badStatus = await call("GET", "/pipeline-history?status=bogus", { headers });
    expect(badStatus.body.error.message).toBe("query.status: must be one of processing, completed, partial, failed, cancelled");
  });

  it("lists every problem in details", async () => {
    const res = await call("POST", "/requests", { headers: await sessionHeaders("admin"), body: { request_type: 7, message: "", extra: true } });
    expect(res.status).toBe(422);
    expect(res.body.error.details.issues.map((i: { field: string }) => i.field).sort()).toEqual(["body.extra", "body.message", "body.request_type"]);
  });

  it("names a missing body", async () => {
    const res = await call("POST", "/auth/login", {});
    expect(res.status).toBe(422);
    expect(res.body.error.message).toBe("body: is required");
  });

  it("validates query parameters: range, type, unknown names", async () => {
    const headers = await sessionHeaders("admin");
    const big = await call("GET", "/requests?limit=1000", { headers });
    expect(big.status).toBe(422);
    expect(big.body.error.message).toBe("query.limit: must be at most 200");
    const word = await call("GET", "/requests?limit=ten", { headers });
    expect(word.body.error.message).toBe("query.limit: must be a whole number");
    const unknown = await call("GET", "/requests?colour=red", { headers });
    expect(unknown.body.error.message).toMatch(/^query\.colour: unknown field/);
    const status = await call("GET", "/requests?status=done", { headers });
    expect(status.status).toBe(422);
    expect(status.body.error.message).toMatch(/^query\.status: /);
    const date = await call("GET", "/requests?since=yesterday", { headers });
    expect(date.body.error.message).toMatch(/^query\.since: must be an ISO-8601 timestamp/);
  });

  it("refuses timestamps Date cannot read and dates that do not exist", async () => {
    const headers = await sessionHeaders("admin");
    for (const since of ["2026-01-31T00:00:00-05", "2026-01-31T00:00:00 +05:00", "2026-02-31T00:00:00Z", "2026-13-01T00:00:00Z"]) {
      const res = await call("GET", `/requests?since=${encodeURIComponent(since)}`, { headers });
      expect(res.status, since).toBe(422);
      expect(res.body.error.message).toMatch(/^query\.since: must be an ISO-8601 timestamp/);
    }
  });

  it("refuses a repeated query parameter, even after an empty one", async () => {
    const headers = await sessionHeaders("admin");
    for (const q of ["limit=1&limit=2", "status=&status=pending"]) {
      const res = await call("GET", `/requests?${q}`, { headers });
      expect(res.status, q).toBe(422);
    }
  });

  it("refuses control characters and unpaired surrogates in text, keeping line breaks where text is multiline", async () => {
    const headers = await sessionHeaders("admin");
    const nul = await call("POST", "/client/client_demo_basic/api-keys", { headers, body: { name: "\u0000abc" } });
    expect(nul.status).toBe(422);
    expect(nul.body.error.message).toBe("body.name: must be one line without control characters");
    const lone = await call("POST", "/requests", { rawBody: '{"client_id":"client_demo_basic","request_type":"support_request","message":"bad \\ud800 half"}', headers: { ...headers, "Content-Type": "application/json" } });
    expect(lone.status).toBe(422);
    expect(lone.body.error.message).toBe("body.message: must be valid Unicode (an unpaired surrogate was found)");
    const lines = await call("POST", "/requests", { headers, body: { client_id: "client_demo_basic", request_type: "support_request", message: "line one\nline two \u{1F50B}" } });
    expect(lines.status).toBe(201);
    expect(lines.body.request.original_message).toBe("line one\nline two \u{1F50B}");
  });

  it("validates path parameters", async () => {
    const res = await call("GET", "/client/" + encodeURIComponent("a b;c"), { headers: await sessionHeaders("admin") });
    expect(res.status).toBe(422);
    expect(res.body.error.message).toMatch(/^params\.id: must be 1-100 letters/);
    const broken = await call("GET", "/client/%E0%A4%A", { headers: await sessionHeaders("admin") });
    expect(broken.status).toBe(400);
  });

  it("loses nothing on a refused write", async () => {
    const headers = await sessionHeaders("admin");
    const before = (await call("GET", "/requests?client_id=client_demo_standard", { headers })).body.total;
    await call("POST", "/requests", { headers, body: { client_id: "client_demo_standard", request_type: "nope", message: "hello" } });
    const after = (await call("GET", "/requests?client_id=client_demo_standard", { headers })).body.total;
    expect(after).toBe(before);
  });
});

/** `{"a": {"a": … 1 …}}`, `levels` objects deep, as JSON text (built without recursion). */
function nestedText(levels: number): string {
  return `${'{"a":'.repeat(levels)}1${"}".repeat(levels)}`;
}

describe("bounded JSON (issue 12, finding 3)", () => {
  const headers = { "X-API-Key": "aif_demoprem00_Vx3NqM7bLk1RzS5wPc9tGf2HjD8yUe4A", "Content-Type": "application/json" };
  const orchestrate = (parameters: string) => call("POST", "/orchestrate", {
    headers, rawBody: `{"pipeline_template":"runtime_demo","topic":"bounded input","template_parameters":{"scripts":{"collect":${parameters}}}}`,
  });

  it.each([10_000, 1_000, 40])("refuses a body nested %i levels deep with 422 naming the field and the limit, and starts nothing", async (levels) => {
    const before = await env.DB.prepare(`SELECT count(*) AS n FROM pipeline_executions`).first<{ n: number }>();
    const res = await orchestrate(nestedText(levels));
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe("validation_failed");
    expect(res.body.error.message).toMatch(/^body\.template_parameters\.scripts\.collect\.a\.a.*: nested deeper than 32 levels \(the limit\)$/);
    expect(res.body.error.details.issues[0]).toMatchObject({ rule: "max_depth" });
    expect(await env.DB.prepare(`SELECT count(*) AS n FROM pipeline_executions`).first<{ n: number }>()).toEqual(before);
  });

  it("bounds a parameter map more tightly: depth, keys in all, and size", async () => {
    const deep = await orchestrate(nestedText(20));
    expect(deep.status).toBe(422);
    expect(deep.body.error.message).toMatch(/^body\.template_parameters: nested deeper than 16 levels \(the limit\) \(at \.scripts\.collect\.a/);
    const manyKeys = await orchestrate(JSON.stringify(Object.fromEntries(Array.from({ length: 1_200 }, (_, i) => [`k${i}`, i]))));
    expect(manyKeys.status).toBe(422);
    expect(manyKeys.body.error.message).toMatch(/^body\.template_parameters: has more than 1000 object keys in all \(the limit\)/);
    const large = await orchestrate(JSON.stringify({ note: "x".repeat(70_000) }));
    expect(large.status).toBe(422);
    expect(large.body.error.message).toMatch(/^body\.template_parameters: is \d+ bytes as JSON, more than the 65536-byte limit$/);
  });

  it("accepts parameters within the limits", async () => {
    const res = await orchestrate(JSON.stringify({ mode: "succeed", note: { a: { b: { c: [1, 2, 3] } } } }));
    expect(res.status).toBe(202);
    await quiesce([res.body.pipeline.id as string]);
  });
});
