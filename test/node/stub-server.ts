/**
 * vitest globalSetup (runs in Node): one local HTTP server standing in for the outside world,
 * so the suite needs no internet.
 *
 * - `POST /v1/chat/completions`: an OpenAI-compatible endpoint, reached through the real openai
 *   SDK over real HTTP. The model name picks the behaviour: stub-ok, stub-429-once (429 with
 *   Retry-After, then ok), stub-500, stub-slow (answers after 3 s), stub-malformed (not JSON),
 *   stub-wrong-shape (JSON of another shape), stub-report (a report writing with repeats), stub-model (every
 *   task answered as a model would, from its prompt: test/node/stub-model.ts), stub-bad-then-good (wrong shape, then ok on the
 *   repair round). Calls are counted per prompt (`GET /__calls?prompt=`).
 * - `GET /demo/sites/<file>`: the demo discovery directory and its sites (HTML).
 * - `GET /demo/feeds/<file>`: the demo feeds with ETag and Last-Modified (304 on a match);
 *   `/feeds/slow`, `/feeds/huge`, `/feeds/redirect`, `/feeds/error`, `/feeds/malformed`, `/feeds/not-a-feed`,
 *   `/feeds/page` (HTML announcing a feed); hits are counted (`GET /__hits?path=`).
 * - `GET /synthetic/feeds/<n>.xml`: generated feeds of 20 articles each (scripts/lib/synthetic-feeds.mjs),
 *   for reports over many feeds (by-reference payloads).
 * - `POST /external/api/execute`: an external worker (seed ExecuteResponse), checking worker auth;
 *   `/external-busy/api/execute` answers 429.
 */
import { modelAnswer } from "./stub-model.js";
import { readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import type { TestProject } from "vitest/node";
import { syntheticFeed } from "../../scripts/lib/synthetic-feeds.mjs";

const FEEDS = path.join(import.meta.dirname, "..", "..", "public", "demo", "feeds");
const SITES = path.join(import.meta.dirname, "..", "..", "public", "demo", "sites");
export const STUB_SECRET = "test-worker-shared-secret-0123456789abcdef";

declare module "vitest" {
  export interface ProvidedContext { stubOrigin: string }
}

const calls = new Map<string, number>();
const hits = new Map<string, number>();

function send(res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { "Content-Type": "application/json", ...headers });
  res.end(body);
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

function completion(content: string, model: string): string {
  return JSON.stringify({
    id: "chatcmpl-stub", object: "chat.completion", created: Math.floor(Date.now() / 1000), model,
    choices: [{ index: 0, message: { role: "assistant", content }, finish_reason: "stop" }],
    usage: { prompt_tokens: 11, completion_tokens: 7, total_tokens: 18 },
  });
}

/**
 * A report builder's answer as a careless model writes one, from the sources in its prompt: an
 * insight that repeats the summary, a citation of a source that does not exist, a theme named
 * twice and a theme that repeats another's paragraph.
 */
function reportWriting(prompt: string): string {
  const sources = JSON.parse(prompt.slice(prompt.indexOf("Sources:\n") + "Sources:\n".length)) as { n: number; summary: string; key_points: string[] }[];
  const [first, second] = [sources[0]!, sources[1] ?? sources[0]!];
  return JSON.stringify({
    executive_summary: first.summary,
    key_insights: [
      { text: first.summary, citations: [1] },
      { text: second.key_points[0] ?? second.summary, citations: [second.n, 99] },
    ],
    themes: [
      { name: "Grid storage", summary: second.summary, citations: [second.n] },
      { name: "grid storage", summary: "Utilities keep adding batteries.", citations: [1] },
      { name: "Costs", summary: second.summary, citations: [second.n] },
    ],
  });
}

async function chat(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const body = JSON.parse(await readBody(req)) as { model: string; messages: { role: string; content: string }[] };
  const prompt = body.messages.find((m) => m.role === "user")?.content ?? "";
  const n = (calls.get(prompt) ?? 0) + 1;
  calls.set(prompt, n);
  const good = JSON.stringify({ answer: "stub answer", n: 42 });
  switch (body.model) {
    case "stub-ok": return send(res, 200, completion(good, body.model));
    case "stub-429-once":
      if (n === 1) return send(res, 429, JSON.stringify({ error: { message: "slow down", type: "rate_limit" } }), { "Retry-After": "0" });
      return send(res, 200, completion(good, body.model));
    case "stub-429-always": return send(res, 429, JSON.stringify({ error: { message: "slow down" } }), { "Retry-After": "7" });
    case "stub-500": return send(res, 500, JSON.stringify({ error: { message: "boom" } }));
    case "stub-slow":
      await new Promise((r) => setTimeout(r, 3_000));
      return send(res, 200, completion(good, body.model));
    case "stub-report": return send(res, 200, completion(reportWriting(prompt), body.model));
    case "stub-model": {
      const reply = modelAnswer(body.messages, `http://${req.headers.host}`);
      return reply.status === 200 ? send(res, 200, completion(reply.content, body.model)) : send(res, 400, JSON.stringify({ error: { message: reply.error } }));
    }
    case "stub-malformed": return send(res, 200, completion("this is { not json", body.model));
    case "stub-wrong-shape": return send(res, 200, completion(JSON.stringify({ answer: 7 }), body.model));
    case "stub-bad-then-good": return send(res, 200, completion(body.messages.length > 2 ? good : JSON.stringify({ nope: true }), body.model));
    default: return send(res, 404, JSON.stringify({ error: { message: `unknown model ${body.model}` } }));
  }
}

function feed(req: IncomingMessage, res: ServerResponse, file: string): void {
  let text: string;
  try {
    text = readFileSync(path.join(FEEDS, path.basename(file)), "utf8");
  } catch {
    return send(res, 404, "{}");
  }
  const etag = `"${Buffer.from(file).toString("hex").slice(0, 16)}-${text.length}"`;
  const headers = { ETag: etag, "Last-Modified": "Mon, 16 Nov 2026 09:00:00 GMT", "Content-Type": "application/xml" };
  if (req.headers["if-none-match"] === etag) {
    res.writeHead(304, headers);
    return void res.end();
  }
  res.writeHead(200, headers);
  res.end(text);
}

async function external(req: IncomingMessage, res: ServerResponse, busy: boolean): Promise<void> {
  if (req.headers.authorization !== `Bearer ${STUB_SECRET}` || !req.headers["x-worker-id"]) return send(res, 401, JSON.stringify({ success: false, error: "unauthorized" }));
  if (busy) return send(res, 429, JSON.stringify({ success: false, error: "busy" }), { "Retry-After": "2" });
  const body = JSON.parse(await readBody(req)) as { input: Record<string, unknown>; context: { idempotency_key: string } };
  if (typeof body.input.text !== "string") return send(res, 400, JSON.stringify({ success: false, error: { code: "invalid_input", message: "input.text is required" } }));
  send(res, 200, JSON.stringify({
    success: true, output: { shout: body.input.text.toUpperCase(), key: body.context.idempotency_key, idempotency_header: req.headers["idempotency-key"] ?? null },
    usage: { tokens: { input: 3, output: 2 } }, duration: 5, cost: 0.0025, metadata: { language: "node" },
  }));
}

async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? "/", "http://stub");
  hits.set(url.pathname, (hits.get(url.pathname) ?? 0) + 1);
  if (req.method === "POST" && url.pathname === "/v1/chat/completions") return chat(req, res);
  if (url.pathname === "/__calls") return send(res, 200, JSON.stringify({ calls: calls.get(url.searchParams.get("prompt") ?? "") ?? 0 }));
  if (url.pathname === "/__hits") return send(res, 200, JSON.stringify({ hits: hits.get(url.searchParams.get("path") ?? "") ?? 0 }));
  const synthetic = /^\/synthetic\/feeds\/(\d+)\.xml$/.exec(url.pathname);
  if (synthetic) return send(res, 200, syntheticFeed(Number(synthetic[1])), { "Content-Type": "application/rss+xml; charset=utf-8" });
  if (url.pathname.startsWith("/demo/feeds/")) return feed(req, res, url.pathname.slice("/demo/feeds/".length));
  if (url.pathname.startsWith("/demo/sites/")) {
    try {
      const page = readFileSync(path.join(SITES, path.basename(url.pathname)), "utf8");
      res.writeHead(200, { "Content-Type": "text/html; charset=utf-8" });
      return void res.end(page);
    } catch {
      return send(res, 404, "{}");
    }
  }
  if (req.method === "POST" && url.pathname === "/external/api/execute") return external(req, res, false);
  if (req.method === "POST" && url.pathname === "/external-busy/api/execute") return external(req, res, true);
  switch (url.pathname) {
    case "/feeds/slow":
      await new Promise((r) => setTimeout(r, 3_000));
      return feed(req, res, "energy-storage.xml");
    case "/feeds/huge":
      res.writeHead(200, { "Content-Type": "application/xml" });
      return void res.end(`<rss version="2.0"><channel><title>huge</title>${"<item><title>x</title></item>".repeat(120_000)}</channel></rss>`);
    case "/feeds/redirect":
      res.writeHead(302, { Location: "/demo/feeds/battery-lab.atom" });
      return void res.end();
    case "/feeds/error": return send(res, 500, "{}");
    case "/feeds/malformed":
      // An item never closed: a tolerant parser reads it as a feed of nothing, titled with the raw text.
      res.writeHead(200, { "Content-Type": "application/rss+xml" });
      return void res.end(`<?xml version="1.0"?>\n<rss version="2.0"><channel><title>Broken</title>\n<item><title>Cut short</title><link href="x"/>\n</channel></rss>`);
    case "/feeds/not-a-feed":
      res.writeHead(200, { "Content-Type": "text/plain" });
      return void res.end("just text");
    case "/feeds/page":
      res.writeHead(200, { "Content-Type": "text/html" });
      return void res.end(`<html><head><title>Battery &amp; Grid News</title><link rel="alternate" type="application/atom+xml" title="Lab notes" href="/demo/feeds/battery-lab.atom"></head><body><p>News.</p></body></html>`);
  }
  send(res, 404, JSON.stringify({ error: "not found" }));
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => send(res, 500, JSON.stringify({ error: String(error) })));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  project.provide("stubOrigin", `http://127.0.0.1:${port}`);
  return async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
}
