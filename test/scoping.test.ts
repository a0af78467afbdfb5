import { beforeAll, describe, expect, it } from "vitest";
import { apiKeyHeaders, call, seed, sessionHeaders, workerHeaders } from "./helpers";

let premiumRequestId: string;

beforeAll(async () => {
  await seed();
  const created = await call("POST", "/requests", {
    headers: apiKeyHeaders("premium"),
    body: { request_type: "pipeline_execution", message: "Brief me on solid-state batteries", urgency_level: "high" },
  });
  expect(created.status).toBe(201);
  premiumRequestId = created.body.request_id;
});

describe("tenant scoping", () => {
  it("creates a request for the caller's own client, with the seed's id format", async () => {
    const res = await call("GET", `/requests/${premiumRequestId}`, { headers: apiKeyHeaders("premium") });
    expect(res.status).toBe(200);
    expect(res.body.request).toMatchObject({
      client_id: "client_demo_premium", request_status: "pending", urgency_level: "high",
      original_message: "Brief me on solid-state batteries", created_by: "api_key:key_demo_premium",
    });
    expect(premiumRequestId).toMatch(/^req_\d{13}_[0-9A-Za-z]+$/);
  });

  it("answers 404 when a client reads another client's request, by key or by session", async () => {
    for (const headers of [apiKeyHeaders("basic"), await sessionHeaders("basic")]) {
      const res = await call("GET", `/requests/${premiumRequestId}`, { headers });
      expect(res.status).toBe(404);
      expect(res.body.error.message).toBe(`request '${premiumRequestId}' was not found`);
    }
    const missing = await call("GET", "/requests/req_0_doesnotexist", { headers: apiKeyHeaders("basic") });
    expect(missing.body.error).toEqual({ code: "not_found", message: "request 'req_0_doesnotexist' was not found" });
  });

  it("answers 404 for another client's record and keys, the same as for a missing client", async () => {
    const other = await call("GET", "/client/client_demo_premium", { headers: apiKeyHeaders("basic") });
    const missing = await call("GET", "/client/client_nope", { headers: apiKeyHeaders("basic") });
    expect(other.status).toBe(404);
    expect(missing.status).toBe(404);
    expect(other.body.error.message.replace("client_demo_premium", "X")).toBe(missing.body.error.message.replace("client_nope", "X"));
    expect((await call("GET", "/client/client_demo_premium/api-keys", { headers: await sessionHeaders("basic") })).status).toBe(404);
    expect((await call("POST", "/client/client_demo_premium/api-keys", { headers: await sessionHeaders("basic"), body: { name: "x" } })).status).toBe(404);
    expect((await call("DELETE", "/client/client_demo_premium/api-keys/key_demo_premium", { headers: await sessionHeaders("basic") })).status).toBe(404);
    expect((await call("GET", "/client/client_demo_basic", { headers: apiKeyHeaders("basic") })).status).toBe(200);
  });

  it("refuses to create a request for another client (404), and staff must name one", async () => {
    const res = await call("POST", "/requests", {
      headers: apiKeyHeaders("basic"),
      body: { client_id: "client_demo_premium", request_type: "information_request", message: "sneaky" },
    });
    expect(res.status).toBe(404);
    const staff = await call("POST", "/requests", { headers: await sessionHeaders("support"), body: { request_type: "support_request", message: "no client" } });
    expect(staff.status).toBe(422);
    expect(staff.body.error.message).toContain("body.client_id");
  });

  it("lists only the caller's own requests, whatever client filter it sends", async () => {
    await call("POST", "/requests", { headers: apiKeyHeaders("basic"), body: { request_type: "information_request", message: "basic question" } });
    const own = await call("GET", "/requests", { headers: apiKeyHeaders("basic") });
    expect(own.status).toBe(200);
    expect(own.body.requests.length).toBeGreaterThan(0);
    expect(own.body.requests.every((r: { client_id: string }) => r.client_id === "client_demo_basic")).toBe(true);
    const probe = await call("GET", "/requests?client_id=client_demo_premium", { headers: apiKeyHeaders("basic") });
    expect(probe.body.requests).toEqual([]);
    expect(probe.body.total).toBe(0);
    const staff = await call("GET", "/requests?client_id=client_demo_premium", { headers: await sessionHeaders("support") });
    expect(staff.body.requests.map((r: { request_id: string }) => r.request_id)).toContain(premiumRequestId);
  });

  it("filters and pages request lists", async () => {
    const headers = await sessionHeaders("admin");
    const page = await call("GET", "/requests?limit=1&offset=0&status=pending", { headers });
    expect(page.status).toBe(200);
    expect(page.body.requests).toHaveLength(1);
    expect(page.body.total).toBeGreaterThanOrEqual(2);
    const none = await call("GET", "/requests?since=2999-01-01T00:00:00Z", { headers });
    expect(none.body.requests).toEqual([]);
    // Offsets are converted to UTC before comparing with stored times: compared as raw strings,
    // a since in +01:00 just before creation and an until in -05:00 just after would both exclude it.
    const target = page.body.requests[0];
    const created = Date.parse(target.created_at);
    const at = (ms: number, offsetHours: number) => {
      const local = new Date(ms + offsetHours * 3_600_000).toISOString().replace("Z", "");
      const sign = offsetHours >= 0 ? "+" : "-";
      return `${local}${sign}${String(Math.abs(offsetHours)).padStart(2, "0")}:00`;
    };
    const ids = (res: { body: { requests: { request_id: string }[] } }) => res.body.requests.map((r) => r.request_id);
    const since = await call("GET", `/requests?since=${encodeURIComponent(at(created - 1, 1))}&limit=200`, { headers });
    expect(ids(since)).toContain(target.request_id);
    const until = await call("GET", `/requests?until=${encodeURIComponent(at(created + 1, -5))}&limit=200`, { headers });
    expect(ids(until)).toContain(target.request_id);
    const untilExact = await call("GET", `/requests?until=${encodeURIComponent(at(created, -5))}&limit=200`, { headers });
    expect(ids(untilExact)).not.toContain(target.request_id);
  });

  it("keeps client callers off staff-only routes (403), and staff see every client", async () => {
    expect((await call("GET", "/clients", { headers: apiKeyHeaders("enterprise") })).status).toBe(403);
    expect((await call("GET", "/clients", { headers: workerHeaders() })).status).toBe(403);
    const all = await call("GET", "/clients?tier=premium", { headers: await sessionHeaders("support") });
    expect(all.status).toBe(200);
    expect(all.body.clients.map((c: { client_id: string }) => c.client_id)).toEqual(["client_demo_premium"]);
    expect(all.body.clients[0]).toMatchObject({ monthly_budget_usd: 500, monthly_budget_micros: 500_000_000 });
  });

  it("support cannot manage keys; admin can for any client", async () => {
    expect((await call("POST", "/client/client_demo_basic/api-keys", { headers: await sessionHeaders("support"), body: { name: "x" } })).status).toBe(403);
    expect((await call("POST", "/client/client_demo_basic/api-keys", { headers: await sessionHeaders("admin"), body: { name: "admin made" } })).status).toBe(201);
  });

  it("shows each client only the templates its tier allows", async () => {
    const names = async (tier: "basic" | "standard" | "premium" | "enterprise") =>
      (await call("GET", "/templates", { headers: apiKeyHeaders(tier) })).body.templates.map((t: { template_name: string }) => t.template_name);
    expect(await names("basic")).toEqual(["quick_brief", "runtime_demo"]);
    expect(await names("standard")).toEqual(["quick_brief", "research_report", "runtime_demo", "topic_discovery"]);
    expect(await names("premium")).toEqual(["course_builder", "quick_brief", "research_report", "runtime_demo", "topic_discovery"]);
    const probe = await call("GET", "/templates?tier=enterprise", { headers: apiKeyHeaders("basic") });
    expect(probe.body.templates.map((t: { template_name: string }) => t.template_name)).toEqual(["quick_brief", "runtime_demo"]);
    const staff = await call("GET", "/templates", { headers: await sessionHeaders("admin") });
    expect(staff.body.templates).toHaveLength(5);
  });
});
