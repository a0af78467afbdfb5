import { env, exports } from "cloudflare:workers";
import { runInDurableObject } from "cloudflare:test";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PipelineActor } from "../src/actors/pipeline";
import { parseLiveMessage, type Party } from "../src/actors/protocol";
import { sendError } from "../src/actors/shared/actor-server";
import { SocketErrorSchema } from "../src/actors/shared/live-message";
import * as v from "valibot";
import { apiKeyHeaders, call, demoClient, login, seed, sessionHeaders } from "./helpers";
import { quiesce, waitFor } from "./pipeline-helpers";

const started = new Set<string>();
beforeAll(async () => { await seed(); });
afterAll(async () => { await quiesce(started); });

interface Message { seq: number; type: string; at: number; payload: Record<string, any> }

/** Opens a WebSocket through the router and collects validated messages. */
async function subscribe(party: Party, name: string, query: string, headers: Record<string, string> = {}) {
  const response = await exports.default.fetch(new Request(`http://localhost/parties/${party}/${name}?${query}`, { headers: { Upgrade: "websocket", ...headers } }));
  if (response.status !== 101) return { status: response.status, body: await response.json() as any, messages: [] as Message[], close: () => {} };
  const ws = response.webSocket!;
  const messages: Message[] = [];
  ws.addEventListener("message", (event) => messages.push(parseLiveMessage(party, JSON.parse(String(event.data))) as Message));
  ws.accept();
  return { status: 101, body: null, messages, close: () => ws.close() };
}

async function startDemo(tier: "premium" | "basic", scripts: Record<string, unknown> = {}) {
  const res = await call("POST", "/orchestrate", { headers: apiKeyHeaders(tier), body: { pipeline_template: "runtime_demo", topic: "live progress", template_parameters: { scripts } } });
  expect(res.status).toBe(202);
  started.add(res.body.pipeline.id);
  return res.body.pipeline.id as string;
}

describe("live progress over WebSocket", () => {
  it("sends a snapshot, then every event with consecutive sequence numbers, up to the result", async () => {
    const id = await startDemo("premium", { collect: { mode: "hang", ms: 300 } });
    const key = demoClient("premium").api_key.key;
    // As partysocket connects: with its connection id in _pk.
    const sub = await subscribe("pipeline-actor", id, "_pk=conn-1234abcd", { "X-API-Key": key });
    expect(sub.status).toBe(101);
    await waitFor(async () => (sub.messages.some((m) => m.type === "pipeline_finished") ? true : undefined), 10_000, "pipeline_finished");
    const [snapshot, ...events] = sub.messages;
    expect(snapshot!.type).toBe("snapshot");
    expect(snapshot!.payload.pipeline_id).toBe(id);
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => snapshot!.seq + 1 + i));
    const types = events.map((e) => e.type);
    for (const t of ["step_started", "step_succeeded", "pipeline_status", "pipeline_finished"]) expect(types).toContain(t);
    // Every step's success follows its start, even when the start was never written on its own.
    // (collect was already running at the snapshot.)
    for (const done of events.filter((e) => e.type === "step_succeeded" && e.payload.step_id !== "collect")) {
      const startedAt = events.findIndex((e) => e.type === "step_started" && e.payload.step_id === done.payload.step_id && e.payload.attempt === done.payload.attempt);
      expect(startedAt, String(done.payload.step_id)).toBeGreaterThanOrEqual(0);
      expect(startedAt).toBeLessThan(events.indexOf(done));
    }
    expect(events.at(-1)!.payload).toMatchObject({ status: "completed", pipeline_id: id });
    sub.close();

    // Reconnecting with since= gets exactly what was missed after that point.
    const cut = events[3]!.seq;
    const again = await subscribe("pipeline-actor", id, `since=${cut}`, { "X-API-Key": key });
    await waitFor(async () => (again.messages.length >= events.length - 4 ? true : undefined), 5_000, "replay");
    expect(again.messages.map((m) => m.seq)).toEqual(events.slice(4).map((e) => e.seq));
    expect(again.messages.map((m) => m.type)).toEqual(events.slice(4).map((e) => e.type));
    again.close();
  });

  it("shows queue position and ETA while a step waits for capacity", async () => {
    const admin = await sessionHeaders("admin");
    await call("PUT", "/admin/actors/pools/scripted", { headers: admin, body: { max_concurrent: 1 } });
    try {
      await startDemo("premium", { collect: { mode: "hang", ms: 400 } });
      const waiting = await startDemo("premium");
      const sub = await subscribe("pipeline-actor", waiting, "", apiKeyHeaders("premium"));
      await waitFor(async () => (sub.messages.some((m) => m.type === "pipeline_finished") ? true : undefined), 10_000, "finish");
      const snapshotQueued = sub.messages[0]!.payload.steps[0].queued;
      const queueEvents = sub.messages.filter((m) => m.type === "queue_position");
      expect(snapshotQueued !== null || queueEvents.length > 0).toBe(true);
      sub.close();
    } finally {
      await call("PUT", "/admin/actors/pools/scripted", { headers: admin, body: { max_concurrent: 4 } });
    }
  });

  it("keeps credentials out of the actor's stored connection URL", async () => {
    const id = await startDemo("premium", { collect: { mode: "hang", ms: 200 } });
    const sub = await subscribe("pipeline-actor", id, "since=0", apiKeyHeaders("premium"));
    expect(sub.status).toBe(101);
    const uris = await runInDurableObject(env.PipelineActor.getByName(id), (instance: PipelineActor) => [...instance.getConnections()].map((c) => c.uri));
    expect(uris.length).toBeGreaterThan(0);
    for (const uri of uris) {
      expect(uri).not.toContain("api_key");
      expect(uri).not.toContain(demoClient("premium").api_key.key);
    }
    sub.close();
  });

  it("refuses another client's pipeline and ledger (404), pools to clients (403), and plain HTTP (426)", async () => {
    const id = await startDemo("premium");
    const foreign = await subscribe("pipeline-actor", id, "", apiKeyHeaders("basic"));
    expect(foreign.status).toBe(404);
    const unknown = await subscribe("pipeline-actor", "pip_nope", "", apiKeyHeaders("basic"));
    expect(unknown.status).toBe(404);
    expect((await subscribe("client-ledger", "client_demo_premium", "", apiKeyHeaders("basic"))).status).toBe(404);
    expect((await subscribe("resource-pool", "scripted", "", apiKeyHeaders("premium"))).status).toBe(403);
    expect((await subscribe("pipeline-actor", id, "")).status).toBe(401);
    expect((await subscribe("pipeline-actor", id, "", { "X-API-Key": "aif_bogus" })).status).toBe(401);
    // A credential in the URL is refused, naming where it goes instead.
    const inUrl = await subscribe("pipeline-actor", id, `api_key=${demoClient("premium").api_key.key}`);
    expect(inUrl.status).toBe(422);
    expect(inUrl.body.error.message).toMatch(/^query\.api_key: credentials never go in a URL/);
    expect((await subscribe("client-ledger", "client_demo_premium", "token=ses_x")).status).toBe(422);
    const plain = await call("GET", `/parties/pipeline-actor/${id}`, { headers: apiKeyHeaders("premium") });
    expect(plain.status).toBe(426);
    expect((await subscribe("other-party" as Party, "x", "", apiKeyHeaders("premium"))).status).toBe(422);
  });

  it("streams a client's own ledger, with budget threshold alerts, and pools to staff", async () => {
    const token = (await sessionHeaders("enterprise"))["x-bitware-session-token"]!;
    const sub = await subscribe("client-ledger", "client_demo_enterprise", "", { "x-bitware-session-token": token });
    expect(sub.status).toBe(101);
    await waitFor(async () => (sub.messages.length > 0 ? true : undefined), 5_000, "snapshot");
    expect(sub.messages[0]).toMatchObject({ type: "snapshot", payload: { client_id: "client_demo_enterprise", budget: 5_000_000_000 } });
    const admin = await sessionHeaders("admin");
    await call("POST", "/admin/actors/ledgers/client_demo_enterprise/adjust", { headers: admin, body: { amount_usd: 2_600, reason: "big manual job", idempotency_key: `live-${Date.now()}` } });
    await waitFor(async () => (sub.messages.some((m) => m.type === "budget_threshold") ? true : undefined), 5_000, "threshold");
    expect(sub.messages.find((m) => m.type === "budget_threshold")!.payload.percent).toBe(50);
    sub.close();
    const pool = await subscribe("resource-pool", "scripted", "", await sessionHeaders("support"));
    await waitFor(async () => (pool.messages.length > 0 ? true : undefined), 5_000, "pool snapshot");
    expect(pool.messages[0]).toMatchObject({ type: "snapshot", payload: { worker: "scripted" } });
    pool.close();
  });
});

describe("live tickets and snapshots (the dashboard's way in)", () => {
  async function ticket(party: Party, name: string, headers: Record<string, string>) {
    return await call("POST", "/live/tickets", { headers, body: { party, name } });
  }

  it("a ticket opens its one subscription once, within a minute; no credential in the URL", async () => {
    const id = await startDemo("premium", { collect: { mode: "hang", ms: 300 } });
    const headers = await sessionHeaders("premium");
    const before = Date.now();
    const issued = await ticket("pipeline-actor", id, headers);
    const after = Date.now();
    expect(issued.status).toBe(201);
    expect(issued.body).toMatchObject({ party: "pipeline-actor", name: id, ticket: expect.stringMatching(/^lt_[A-Za-z0-9]{30,}$/) });
    // A minute from when it was issued (the server's clock, within the call).
    expect(issued.body.expires_at).toBeGreaterThanOrEqual(before + 60_000);
    expect(issued.body.expires_at).toBeLessThanOrEqual(after + 60_000);
    const sub = await subscribe("pipeline-actor", id, `ticket=${issued.body.ticket}`);
    expect(sub.status).toBe(101);
    await waitFor(async () => (sub.messages.length > 0 ? true : undefined), 5_000, "snapshot");
    expect(sub.messages[0]).toMatchObject({ type: "snapshot", payload: { pipeline_id: id } });
    const uris = await runInDurableObject(env.PipelineActor.getByName(id), (instance: PipelineActor) => [...instance.getConnections()].map((c) => c.uri));
    for (const uri of uris) expect(uri).not.toContain(issued.body.ticket);
    sub.close();
    // Used once: the same ticket again is refused.
    const again = await subscribe("pipeline-actor", id, `ticket=${issued.body.ticket}`);
    expect(again.status).toBe(401);
    expect(again.body.error.message).toMatch(/expired or already used/);
  });

  it("refuses a ticket for another subscription, an expired one, and one for another client's actor", async () => {
    const headers = await sessionHeaders("premium");
    const a = await startDemo("premium");
    const b = await startDemo("premium");
    const forA = await ticket("pipeline-actor", a, headers);
    const wrong = await subscribe("pipeline-actor", b, `ticket=${forA.body.ticket}`);
    expect(wrong.status).toBe(401);
    expect(wrong.body.error.message).toMatch(/another subscription/);
    // Spent by that attempt: not usable for its own subscription either.
    expect((await subscribe("pipeline-actor", a, `ticket=${forA.body.ticket}`)).status).toBe(401);

    const late = await ticket("client-ledger", "client_demo_premium", headers);
    await env.DB.prepare(`UPDATE live_tickets SET expires_at = ? WHERE expires_at = ?`).bind(Date.now() - 1, late.body.expires_at).run();
    expect((await subscribe("client-ledger", "client_demo_premium", `ticket=${late.body.ticket}`)).status).toBe(401);
    expect((await subscribe("client-ledger", "client_demo_premium", "ticket=not-a-ticket")).status).toBe(401);

    // Issued, then the session logs out: the ticket opens nothing.
    const session = { "x-bitware-session-token": await login(demoClient("premium").user.email, demoClient("premium").user.password) };
    const beforeLogout = await ticket("pipeline-actor", a, session);
    expect((await call("POST", "/auth/logout", { headers: session })).status).toBe(200);
    const afterLogout = await subscribe("pipeline-actor", a, `ticket=${beforeLogout.body.ticket}`);
    expect(afterLogout.status).toBe(401);
    expect(afterLogout.body.error.message).toMatch(/no longer valid/);

    // Issued with an API key, then the key is revoked: nothing opens.
    const admin = await sessionHeaders("admin");
    const minted = await call("POST", "/client/client_demo_premium/api-keys", { headers: admin, body: { name: "ticket test key" } });
    expect(minted.status).toBeLessThan(300);
    const byKey = await ticket("pipeline-actor", a, { "X-API-Key": minted.body.api_key });
    expect(byKey.status).toBe(201);
    expect((await call("DELETE", `/client/client_demo_premium/api-keys/${minted.body.key_id}`, { headers: admin })).status).toBeLessThan(300);
    expect((await subscribe("pipeline-actor", a, `ticket=${byKey.body.ticket}`)).status).toBe(401);

    expect((await ticket("pipeline-actor", a, await sessionHeaders("basic"))).status).toBe(404);
    expect((await ticket("client-ledger", "client_demo_premium", await sessionHeaders("basic"))).status).toBe(404);
    expect((await ticket("resource-pool", "scripted", headers)).status).toBe(403);
    expect((await ticket("resource-pool", "scripted", await sessionHeaders("support"))).status).toBe(201);
    const bad = await call("POST", "/live/tickets", { headers, body: { party: "pipeline-actor", name: "../x" } });
    expect(bad.status).toBe(422);
    expect(bad.body.error.message).toMatch(/^body\.name: /);
    expect((await call("POST", "/live/tickets", { body: { party: "pipeline-actor", name: a } })).status).toBe(401);
  });

  it("snapshot=1: the missed events then a snapshot; the ledger sends its balance after every change to those who asked", async () => {
    const key = demoClient("premium").api_key.key;
    const id = await startDemo("premium");
    const first = await subscribe("pipeline-actor", id, "", { "X-API-Key": key });
    await waitFor(async () => (first.messages.some((m) => m.type === "pipeline_finished" || (m.type === "snapshot" && m.payload.status === "completed")) ? true : undefined), 10_000, "finish");
    first.close();
    const replay = await subscribe("pipeline-actor", id, "since=0&snapshot=1", { "X-API-Key": key });
    await waitFor(async () => (replay.messages.at(-1)?.type === "snapshot" ? true : undefined), 5_000, "trailing snapshot");
    const events = replay.messages.slice(0, -1);
    expect(events.map((m) => m.seq)).toEqual(events.map((_, i) => i + 1));
    expect(replay.messages.at(-1)).toMatchObject({ type: "snapshot", seq: events.length, payload: { status: "completed" } });
    expect(replay.messages.at(-1)!.payload.steps[1].depends_on).toEqual(["collect"]);
    replay.close();

    const token = (await sessionHeaders("standard"))["x-bitware-session-token"]!;
    const asked = await subscribe("client-ledger", "client_demo_standard", "snapshot=1", { "x-bitware-session-token": token });
    const plain = await subscribe("client-ledger", "client_demo_standard", "", { "x-bitware-session-token": token });
    await waitFor(async () => (asked.messages.length > 0 && plain.messages.length > 0 ? true : undefined), 5_000, "greetings");
    const before = asked.messages[0]!.payload.available as number;
    const admin = await sessionHeaders("admin");
    const adjusted = await call("POST", "/admin/actors/ledgers/client_demo_standard/adjust", { headers: admin, body: { amount_usd: 1.25, reason: "snapshot test", idempotency_key: `snap-${Date.now()}` } });
    expect(adjusted.status).toBeLessThan(300);
    await waitFor(async () => (asked.messages.length >= 3 ? true : undefined), 5_000, "event and snapshot");
    expect(asked.messages.slice(1).map((m) => m.type)).toEqual(["adjusted", "snapshot"]);
    expect(asked.messages[2]!.payload.available).toBe(before - 1_250_000);
    expect(asked.messages[2]!.seq).toBe(asked.messages[1]!.seq);
    await waitFor(async () => (plain.messages.length >= 2 ? true : undefined), 5_000, "event");
    expect(plain.messages.slice(1).map((m) => m.type)).toEqual(["adjusted"]);
    asked.close();
    plain.close();

    // A pool pushes its view (stats, the first waiters, leases) after a change to those who asked.
    const pool = await subscribe("resource-pool", "scripted", "snapshot=1", await sessionHeaders("support"));
    await waitFor(async () => (pool.messages.length > 0 ? true : undefined), 5_000, "pool greeting");
    expect(pool.messages[0]!.payload).toMatchObject({ worker: "scripted", queue: [], leases: [] });
    const limit = pool.messages[0]!.payload.max_concurrent as number;
    await call("PUT", "/admin/actors/pools/scripted", { headers: admin, body: { max_concurrent: limit + 1 } });
    try {
      await waitFor(async () => (pool.messages.some((m, i) => i > 0 && m.type === "snapshot") ? true : undefined), 5_000, "pool snapshot");
      expect(pool.messages.slice(1).map((m) => m.type)).toEqual(["config_changed", "snapshot"]);
      expect(pool.messages[2]!.payload).toMatchObject({ max_concurrent: limit + 1, queue_limit: expect.any(Number), lease_ttl_ms: expect.any(Number) });
    } finally {
      await call("PUT", "/admin/actors/pools/scripted", { headers: admin, body: { max_concurrent: limit } });
      pool.close();
    }
  });
});

describe("a socket that cannot be served", () => {
  it("gets one small coded frame shaped like the HTTP envelope, then a 1011 close, never error text", async () => {
    const pair = new WebSocketPair();
    const client = pair[0];
    const frames: string[] = [];
    const closed = new Promise<number>((resolve) => client.addEventListener("close", (e) => resolve(e.code)));
    client.addEventListener("message", (e) => frames.push(String(e.data)));
    client.accept();
    pair[1].accept();
    sendError(pair[1], { type: "error", error: { code: "internal_error", message: "the live feed failed; reconnect to try again" } });
    expect(await closed).toBe(1011);
    expect(frames).toHaveLength(1);
    expect(v.parse(SocketErrorSchema, JSON.parse(frames[0]!))).toEqual({ type: "error", error: { code: "internal_error", message: "the live feed failed; reconnect to try again" } });
  });
});
