import { env, exports } from "cloudflare:workers";
import { checkDownload, signDownload } from "../src/deliverables/signing";
import { RETENTION_DAYS, sweepDeliverables } from "../src/deliverables/store";
import { parseLiveMessage } from "../src/actors/protocol";
import { sha256Hex } from "../src/lib/crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiKeyHeaders, call, demoClient, sessionHeaders, type DemoTier } from "./helpers";
import { finished, quiesce, testClient, waitFor } from "./pipeline-helpers";
import { seedWithFeeds } from "./workers/fixtures";

const started = new Set<string>();
const downloaded: { id: string; tier: DemoTier }[] = [];
beforeAll(async () => { await seedWithFeeds(); });
afterAll(async () => { await quiesce(started); });

/** A request's socket, replaying its pipeline's log from the start; messages checked against the protocol. */
async function follow(requestId: string, apiKey: string) {
  const response = await exports.default.fetch(new Request(`http://localhost/requests/${requestId}/live?since=0`, { headers: { Upgrade: "websocket", "X-API-Key": apiKey } }));
  expect(response.status).toBe(101);
  const ws = response.webSocket!;
  const messages: { type: string; payload: Record<string, any> }[] = [];
  ws.addEventListener("message", (event) => messages.push(parseLiveMessage("pipeline-actor", JSON.parse(String(event.data))) as { type: string; payload: Record<string, any> }));
  ws.accept();
  return { messages, close: () => ws.close() };
}

/** Phase 1: a client's request. */
async function ask(headers: Record<string, string>, body: Record<string, unknown> = {}) {
  const res = await call("POST", "/requests", { headers, body: { request_type: "pipeline_execution", message: "Please brief me on energy storage", ...body } });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.request_id as string;
}

describe("a request from creation to completion (seed phases 1 to 5)", () => {
  const cases: { tier: DemoTier; message: string; template: string; parameters: Record<string, unknown> }[] = [
    { tier: "basic", message: "Hi team, could you send a quick brief on energy storage news? Thanks, Basil", template: "quick_brief", parameters: { topic: "energy storage" } },
    { tier: "standard", message: "We need an in-depth research report on energy storage market trends.", template: "research_report", parameters: { topic: "energy storage", max_articles_per_feed: 5 } },
    { tier: "premium", message: "Please build a training course on rust ownership for our new engineers.", template: "course_builder", parameters: { topic: "rust ownership", granularity: 3 } },
    { tier: "enterprise", message: "Urgent: intelligence report and market analysis on energy storage.", template: "research_report", parameters: { topic: "energy storage", min_quality: 0.5 } },
  ];
  for (const c of cases) {
    it(`runs a ${c.tier} client's ${c.template}: assigned, executed, followed to completion, with worker sessions and timeline`, async () => {
      const client = apiKeyHeaders(c.tier);
      const admin = await sessionHeaders("admin");
      const id = await ask(client, { message: c.message });
      expect((await call("GET", `/requests/${id}`, { headers: client })).body.request).toMatchObject({ request_status: "pending", selected_template: null, processed_request: expect.any(String) });
      // Phase 2: the recommendation (keywords and the AI's pick, among the tier's templates), with its estimate and a budget check.
      const recommended = await call("POST", "/recommend-template", { headers: admin, body: { request_id: id } });
      expect(recommended.status, JSON.stringify(recommended.body)).toBe(200);
      expect(recommended.body).toMatchObject({ template_name: c.template, estimated_cost: expect.any(Number), budget_check: { approved: true } });
      expect(recommended.body.confidence_score).toBeGreaterThan(0.5);
      const assigned = await call("PUT", `/requests/${id}`, { headers: admin, body: { selected_template: c.template, template_parameters: c.parameters } });
      expect(assigned.status, JSON.stringify(assigned.body)).toBe(200);
      expect(assigned.body.request).toMatchObject({ selected_template: c.template, template_parameters: c.parameters, estimated_cost_usd: expect.any(Number) });
      const run = await call("POST", `/requests/${id}/execute`, { headers: admin, body: {} });
      expect(run.status, JSON.stringify(run.body)).toBe(202);
      const pipelineId = run.body.pipeline_id as string;
      started.add(pipelineId);
      // Phase 4: live progress over the request's socket (from the start of its log).
      const live = await follow(id, demoClient(c.tier).api_key.key);
      expect((await call("GET", `/requests/${id}`, { headers: client })).body.request).toMatchObject({ request_status: "processing", orchestrator_pipeline_id: pipelineId });
      const done = await call("GET", `/pipeline/${pipelineId}?wait_ms=25000`, { headers: client });
      expect(done.body.pipeline.status).toBe("completed");
      await waitFor(async () => (live.messages.some((m) => m.type === "pipeline_finished") ? true : undefined), 10_000, "pipeline_finished over the socket");
      const types = live.messages.map((m) => m.type);
      for (const t of ["pipeline_created", "step_started", "step_succeeded", "pipeline_finished"]) expect(types).toContain(t);
      expect(live.messages.find((m) => m.type === "pipeline_finished")!.payload.status).toBe("completed");
      live.close();
      // The request follows its pipeline without polling: the actor reports its end.
      const final = await waitForStatus(id, client, "completed", pipelineId);
      expect(final).toMatchObject({
        request_id: id, request_status: "completed", selected_template: c.template, pipeline_id: pipelineId,
        total_cost_usd: done.body.pipeline.cost_usd, created_at: expect.any(String), started_processing_at: expect.any(String), completed_at: expect.any(String),
      });
      expect(final.total_execution_time_ms).toBeGreaterThan(0);
      const ran = done.body.pipeline.steps.filter((s: { status: string }) => s.status === "succeeded").map((s: { worker: string }) => s.worker);
      expect(final.worker_sessions.filter((s: { worker_success: boolean }) => s.worker_success).map((s: { worker_name: string }) => s.worker_name)).toEqual(ran);
      // Its deliverables: stored with checksums, listed with signed download URLs that stream the content.
      expect(final.deliverables.length).toBeGreaterThanOrEqual(3);
      for (const d of final.deliverables as { id: string; url: string; checksum: string; content_type: string; size: number; format: string; retention_days: number; created_at: string; expires_at: string }[]) {
        // Kept for the tier's retention: 7, 30, 90 or 365 days.
        expect(d.retention_days).toBe(RETENTION_DAYS[c.tier]);
        expect(Date.parse(d.expires_at) - Date.parse(d.created_at)).toBe(RETENTION_DAYS[c.tier] * 86_400_000);
        const res = await exports.default.fetch(new Request(`http://localhost${d.url}`));
        expect(res.status, d.url).toBe(200);
        expect(res.headers.get("Content-Type")).toBe(d.content_type);
        const text = await res.text();
        expect(text.length).toBeGreaterThan(0);
        expect(`sha256:${await sha256Hex(text)}`).toBe(d.checksum);
      }
      downloaded.push({ id: final.deliverables[0].id, tier: c.tier });
      // Executing again is the same pipeline, not a second run.
      const again = await call("POST", `/requests/${id}/execute`, { headers: admin, body: {} });
      expect(again.body.pipeline_id).toBe(pipelineId);
    }, 60_000);
  }

  it("refuses what the tier may not do, a request with no template, and a client out of budget", async () => {
    const basic = apiKeyHeaders("basic");
    const admin = await sessionHeaders("admin");
    const id = await ask(basic);
    const research = await call("PUT", `/requests/${id}`, { headers: admin, body: { selected_template: "research_report", template_parameters: { topic: "energy storage" } } });
    expect(research.status).toBe(403);
    expect(research.body.error.message).toMatch(/not available to the basic tier/);
    const param = await call("PUT", `/requests/${id}`, { headers: basic, body: { selected_template: "quick_brief", template_parameters: { topic: "energy storage", max_feeds: 8 } } });
    expect(param.status).toBe(403);
    expect(param.body.error.message).toMatch(/^body\.template_parameters\.max_feeds: fixed at 4 on the basic tier/);
    const none = await call("POST", `/requests/${id}/execute`, { headers: basic, body: {} });
    expect(none.status).toBe(409);
    expect(none.body.error.message).toMatch(/has no template yet/);

    // A client whose month's budget cannot cover the template's estimate.
    const poor = await testClient(1_000);
    await env.DB.prepare(`UPDATE clients SET subscription_tier = 'premium' WHERE client_id = ?`).bind(poor).run();
    const created = await call("POST", "/requests", { headers: admin, body: { client_id: poor, request_type: "pipeline_execution", message: "A course on rust ownership" } });
    expect(created.status).toBe(201);
    expect((await call("PUT", `/requests/${created.body.request_id}`, { headers: admin, body: { selected_template: "course_builder", template_parameters: { topic: "rust ownership" } } })).status).toBe(200);
    const broke = await call("POST", `/requests/${created.body.request_id}/execute`, { headers: admin, body: {} });
    expect(broke.status).toBe(402);
    expect(broke.body.error).toMatchObject({ code: "insufficient_budget" });
    expect((await call("GET", `/requests/${created.body.request_id}`, { headers: admin })).body.request.request_status).toBe("pending");
    // No budget left at all: no new request.
    const none2 = await testClient(0);
    const refused = await call("POST", "/requests", { headers: admin, body: { client_id: none2, request_type: "pipeline_execution", message: "Anything at all" } });
    expect(refused.status).toBe(402);
  });

  it("serves a deliverable's metadata to its client only, counts downloads, and refuses expired or altered links (403)", async () => {
    const { id, tier } = downloaded[0]!;
    const own = await call("GET", `/deliverables/${id}`, { headers: apiKeyHeaders(tier) });
    expect(own.status).toBe(200);
    expect(own.body.deliverable).toMatchObject({ id, storage_backend: "R2", access_level: "private", download_count: 1, checksum: expect.stringMatching(/^sha256:[0-9a-f]{64}$/) });
    expect(own.body.deliverable.last_accessed).not.toBeNull();
    expect((await call("GET", `/deliverables/${id}`, { headers: apiKeyHeaders(tier === "premium" ? "standard" : "premium") })).status).toBe(404);
    // Absolute, as the seed's contract has it; called here by its path and query.
    expect(own.body.download_url).toMatch(/^http:\/\/localhost\/deliverables\/[^/]+\/download\?/);
    const absolute = new URL(own.body.download_url as string);
    const url = `${absolute.pathname}${absolute.search}`;
    expect((await call("GET", url)).status).toBe(200);
    expect((await call("GET", `/deliverables/${id}`, { headers: apiKeyHeaders(tier) })).body.deliverable.download_count).toBe(2);
    // Altered: another id, another expiry, another signature.
    const other = downloaded[1]!.id;
    expect((await call("GET", url.replace(id, other))).status).toBe(403);
    expect((await call("GET", url.replace(/expires=(\d+)/, (_, n: string) => `expires=${Number(n) + 3600}`))).status).toBe(403);
    expect((await call("GET", url.replace(/sig=([0-9a-f])/, (_, c: string) => `sig=${c === "0" ? "1" : "0"}`))).status).toBe(403);
    // The same expiry spelt another way (a leading zero): refused, not downloaded (issue 12, finding 4).
    const padded = await call("GET", url.replace(/expires=(\d+)/, (_, n: string) => `expires=0${n}`));
    expect(padded.status).toBe(422);
    expect(padded.body.error.message).toMatch(/^query\.expires: must be a time in seconds since the epoch, written without leading zeros/);
    expect((await call("GET", url.replace(/expires=(\d+)/, (_, n: string) => `expires=${n}.0`))).status).toBe(422);
    // And the signature covers the exact text: another spelling never verifies, whatever the route lets through.
    const q = Object.fromEntries(new URL(url, "http://x").searchParams) as { expires: string; kid: string; sig: string };
    expect(await checkDownload(env, id, own.body.deliverable.client_id, q, Date.now())).toBeNull();
    expect(await checkDownload(env, id, own.body.deliverable.client_id, { ...q, expires: `0${q.expires}` }, Date.now())).toBe("bad_signature");
    const expired = await signDownload(env, id, own.body.deliverable.client_id, Date.now() - 3_600_000, 60);
    const refused = await call("GET", expired.path);
    expect(refused.status).toBe(403);
    expect(refused.body.error.message).toMatch(/expired/);
  });

  it("reports dashboard statistics: requests by status, spend by client and template, pipelines, success rate", async () => {
    const staff = await call("GET", "/dashboard/stats", { headers: await sessionHeaders("support") });
    expect(staff.status).toBe(200);
    expect(staff.body.requests_by_status.completed).toBeGreaterThanOrEqual(4);
    expect(staff.body.requests_by_status.pending).toBeGreaterThanOrEqual(1);
    const clients = staff.body.spend_by_client.map((c: { client_id: string }) => c.client_id);
    for (const tier of ["basic", "standard", "premium", "enterprise"]) expect(clients).toContain(`client_demo_${tier}`);
    expect(staff.body.spend_by_template.map((t: { template: string }) => t.template)).toEqual(expect.arrayContaining(["quick_brief", "research_report", "course_builder"]));
    expect(staff.body.success_rate).toBe(1);
    expect(staff.body.pipelines).toMatchObject({ running: expect.any(Number), steps_waiting_for_capacity: 0 });
    // Running counts every run still processing, also one created before the window.
    const old = await testClient();
    await env.DB.prepare(`INSERT INTO pipeline_executions (pipeline_id, template_name, client_id, status, created_at, started_at) VALUES ('pip_old_running', 'quick_brief', ?, 'processing', '2020-01-01T00:00:00.000Z', '2020-01-01T00:00:00.000Z')`).bind(old).run();
    const processing = await env.DB.prepare(`SELECT count(*) AS n FROM pipeline_executions WHERE status = 'processing'`).first<{ n: number }>();
    const after = await call("GET", "/dashboard/stats", { headers: await sessionHeaders("support") });
    expect(after.body.pipelines.running).toBe(processing!.n);
    expect(after.body.pipelines.running).toBeGreaterThanOrEqual(1);
    await env.DB.prepare(`DELETE FROM pipeline_executions WHERE pipeline_id = 'pip_old_running'`).run();
    // A client sees its own figures only.
    const own = await call("GET", "/dashboard/stats", { headers: apiKeyHeaders("basic") });
    expect(own.body.client_id).toBe("client_demo_basic");
    expect(own.body.spend_by_client.map((c: { client_id: string }) => c.client_id)).toEqual(["client_demo_basic"]);
    expect(own.body.pipelines.steps_waiting_for_capacity).toBeNull();
    const spent = own.body.spend_by_client[0].cost_usd;
    expect(spent).toBeGreaterThan(0);
  });

  it("answers 404 when a client reaches for another client's request", async () => {
    const id = await ask(apiKeyHeaders("premium"));
    const other = apiKeyHeaders("standard");
    expect((await call("GET", `/requests/${id}`, { headers: other })).status).toBe(404);
    expect((await call("PUT", `/requests/${id}`, { headers: other, body: { selected_template: "quick_brief", template_parameters: { topic: "energy storage" } } })).status).toBe(404);
    expect((await call("POST", `/requests/${id}/execute`, { headers: other, body: {} })).status).toBe(404);
  });
});

describe("a request whose pipeline runs again", () => {
  it("follows a retry from a step: failed, processing again, then completed with the rerun's cost", async () => {
    const client = apiKeyHeaders("basic");
    const admin = await sessionHeaders("admin");
    const id = await ask(client);
    // The runtime demo's compose step fails fatally once: the run fails, and so does the request.
    // Rerun, its deliver step takes 300 ms, long enough to see the request processing.
    const scripts = { compose: { mode: "fail_times", times: 1, kind: "fatal" }, deliver: { mode: "hang", ms: 300 } };
    expect((await call("PUT", `/requests/${id}`, { headers: admin, body: { selected_template: "runtime_demo", template_parameters: { topic: "retries", scripts } } })).status).toBe(200);
    const run = await call("POST", `/requests/${id}/execute`, { headers: admin, body: {} });
    started.add(run.body.pipeline_id);
    const failed = await waitForStatus(id, client, "failed", run.body.pipeline_id);
    const retried = await call("POST", `/admin/actors/pipelines/${run.body.pipeline_id}/retry`, { headers: admin, body: { step_id: "compose" } });
    expect(retried.status, JSON.stringify(retried.body)).toBe(200);
    // The request left 'failed' when the retry was accepted, and follows the rerun to its end.
    const reopened = await env.DB.prepare(`SELECT request_status FROM client_requests WHERE request_id = ?`).bind(id).first<{ request_status: string }>();
    expect(["processing", "completed"]).toContain(reopened!.request_status);
    expect(reopened!.request_status).toBe("processing");
    const rerun = await waitForStatus(id, client, "completed", run.body.pipeline_id);
    expect(rerun.total_cost_usd).toBeGreaterThanOrEqual(failed.total_cost_usd);
    expect(rerun.request.failure_reason).toBeNull();
  }, 30_000);
});

/**
 * The request's details once it reaches `status`: waits for its pipeline to end (the actor's long
 * poll), then for the request to follow (the actor reports the end to D1 just after), checked
 * every 100 ms at most.
 */
async function waitForStatus(id: string, headers: Record<string, string>, status: string, pipelineId: string) {
  await finished(pipelineId);
  return waitFor(async () => {
    const res = await call("GET", `/requests/${id}`, { headers });
    return res.body.request.request_status === status ? res.body : undefined;
  }, 10_000, `request ${id} to become ${status} after its pipeline ended`, 100);
}

describe("retention", () => {
  it("deletes expired deliverables with their stored content (the daily cron)", async () => {
    const { results } = await env.DB.prepare(`SELECT deliverable_id, storage_location, expires_at FROM deliverables`).all<{ deliverable_id: string; storage_location: string; expires_at: string }>();
    expect(results.length).toBeGreaterThan(0);
    expect(await sweepDeliverables(env, Date.now())).toBe(0);
    const latest = Math.max(...results.map((r) => Date.parse(r.expires_at)));
    expect(await sweepDeliverables(env, latest + 1)).toBe(results.length);
    expect((await env.DB.prepare(`SELECT count(*) AS n FROM deliverables`).first<{ n: number }>())!.n).toBe(0);
    expect(await env.DELIVERABLES.head(results[0]!.storage_location)).toBeNull();
  });
});
