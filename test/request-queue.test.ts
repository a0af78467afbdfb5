import { env, exports } from "cloudflare:workers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseLiveMessage } from "../src/actors/protocol";
import { apiKeyHeaders, call, demoClient, sessionHeaders } from "./helpers";
import { quiesce, waitFor } from "./pipeline-helpers";
import { seedWithFeeds } from "./workers/fixtures";

const started = new Set<string>();
beforeAll(async () => { await seedWithFeeds(); });
afterAll(async () => { await quiesce(started); });

interface Message { seq: number; type: string; payload: Record<string, any> }

/** Opens a request's WebSocket through the router; messages are checked against the pipeline party's protocol. */
async function subscribe(requestId: string, apiKey: string, since?: number) {
  const response = await exports.default.fetch(new Request(`http://localhost/requests/${requestId}/live${since === undefined ? "" : `?since=${since}`}`, { headers: { Upgrade: "websocket", "X-API-Key": apiKey } }));
  if (response.status !== 101) return { status: response.status, messages: [] as Message[], close: () => {} };
  const ws = response.webSocket!;
  const messages: Message[] = [];
  ws.addEventListener("message", (event) => messages.push(parseLiveMessage("pipeline-actor", JSON.parse(String(event.data))) as Message));
  ws.accept();
  return { status: 101, messages, close: () => ws.close() };
}

async function queuedRequest(admin: Record<string, string>, tier: "basic" | "premium" = "basic") {
  const created = await call("POST", "/requests", { headers: apiKeyHeaders(tier), body: { request_type: "pipeline_execution", message: "A quick brief on energy storage news", urgency_level: tier === "premium" ? "critical" : "low" } });
  const id = created.body.request_id as string;
  expect((await call("PUT", `/requests/${id}`, { headers: admin, body: { selected_template: "quick_brief", template_parameters: { topic: "energy storage" } } })).status).toBe(200);
  const run = await call("POST", `/requests/${id}/execute`, { headers: admin, body: {} });
  expect(run.status, JSON.stringify(run.body)).toBe(202);
  started.add(run.body.pipeline_id);
  return id;
}

describe("a request waiting for capacity", () => {
  it("shows its queue position and estimated start and finish over HTTP, pushes them live, and runs when capacity frees", { timeout: 60_000 }, async () => {
    const admin = await sessionHeaders("admin");
    // Every librarian slot taken (16), so the requests' first step queues at the pool.
    const pool = env.ResourcePool.getByName("rss-librarian");
    const hogs = Array.from({ length: 16 }, (_, i) => `hog-${i}`);
    for (const key of hogs) expect((await pool.reserve({ key, pipelineId: "hog", priority: 100, maxWaitMs: 60_000 })).status).toBe("granted");

    const first = await queuedRequest(admin);
    const second = await queuedRequest(admin);
    const basicKey = demoClient("basic").api_key.key;
    // From the start of its log (since=0): the queue_position event it sent when it queued.
    const live = await subscribe(second, basicKey, 0);
    expect(live.status).toBe(101);

    const at = async (id: string) => (await call("GET", `/requests/${id}`, { headers: apiKeyHeaders("basic") })).body;
    const one = await waitFor(async () => { const b = await at(first); return b.queue ? b : undefined; }, 10_000, "first request queued");
    const two = await waitFor(async () => { const b = await at(second); return b.queue ? b : undefined; }, 10_000, "second request queued");
    expect(one).toMatchObject({ pipeline_status: "queued", steps_done: 0, queue: { position: 1, waiting_steps: ["librarian"] } });
    expect(two.queue.position).toBe(2);
    for (const q of [one.queue, two.queue]) {
      expect(Date.parse(q.estimated_finish)).toBeGreaterThan(Date.parse(q.estimated_start));
    }
    // The second waits behind the first: it should start no earlier.
    expect(Date.parse(two.queue.estimated_start)).toBeGreaterThanOrEqual(Date.parse(one.queue.estimated_start));

    // Pushed live: the queue_position event with the estimated start and finish.
    const pushed = await waitFor(async () => live.messages.find((m) => m.type === "queue_position"), 5_000, "queue_position over the socket");
    expect(pushed.payload).toMatchObject({ step_id: "librarian", position: 2, estimated_start_at: expect.any(Number), estimated_finish_at: expect.any(Number) });
    expect(pushed.payload.estimated_finish_at).toBeGreaterThan(pushed.payload.estimated_start_at);

    // A premium client's urgent request goes ahead of both: their places are read from the pool now, not as they were queued.
    await queuedRequest(admin, "premium");
    const moved = await waitFor(async () => { const b = await at(second); return b.queue?.position === 3 ? b : undefined; }, 10_000, "second moves back");
    expect(moved.pipeline_status).toBe("queued");
    expect((await at(first)).queue.position).toBe(2);
    // Capacity frees: all run to the end, the socket follows.
    for (const key of hogs) await pool.release(key, null);
    await waitFor(async () => (live.messages.some((m) => m.type === "pipeline_finished") ? true : undefined), 30_000, "pipeline_finished");
    expect(live.messages.findLast((m) => m.type === "pipeline_finished")!.payload.status).toBe("completed");
    live.close();
    await waitFor(async () => ((await at(first)).request.request_status === "completed" ? true : undefined), 30_000, "first completed");
    expect((await at(first)).queue).toBeUndefined();
  });

  it("answers 404 for another client's request socket, and for a request not executed yet", async () => {
    const admin = await sessionHeaders("admin");
    const theirs = await queuedRequest(admin);
    const other = await subscribe(theirs, demoClient("premium").api_key.key);
    expect(other.status).toBe(404);
    const created = await call("POST", "/requests", { headers: apiKeyHeaders("basic"), body: { request_type: "pipeline_execution", message: "A brief on batteries" } });
    expect((await subscribe(created.body.request_id, demoClient("basic").api_key.key)).status).toBe(404);
    expect((await subscribe("req_does_not_exist", demoClient("basic").api_key.key)).status).toBe(404);
    // Without credentials: 401, before anything is looked up.
    const anonymous = await exports.default.fetch(new Request(`http://localhost/requests/${theirs}/live`, { headers: { Upgrade: "websocket" } }));
    expect(anonymous.status).toBe(401);
  });
});
