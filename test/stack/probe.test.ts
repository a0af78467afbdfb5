/**
 * An oversized chunked body on the real local stack (issue 12, finding 4). The probe sent an
 * unauthenticated `POST /auth/validate` with `Transfer-Encoding: chunked` and 2.2 MB: 413, and
 * then the next request from any client failed (503 "Your worker restarted mid-request").
 *
 * The cause is the local runtime's, and our early cancel of the body triggered it: the minimal
 * Worker in fixtures/cancelled-body (read 1 MiB, cancel the rest, answer 413) does the same under
 * `wrangler dev` 4.86.0. The router now reads an oversized body to its end (up to 16 × the limit)
 * before answering 413, and the next request is served.
 */
import http from "node:http";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LocalStack } from "./local-stack";

const MiB = 1024 * 1024;

/** A chunked POST of `bytes` (the body streams in 16 KB chunks); its status and body, or the socket error. */
function chunkedPost(origin: string, urlPath: string, bytes: number): Promise<{ status?: number; body?: string; error?: string }> {
  const url = new URL(urlPath, origin);
  return new Promise((resolve) => {
    const req = http.request({ host: url.hostname, port: url.port, path: url.pathname, method: "POST", agent: false,
      headers: { "Content-Type": "application/json", "Transfer-Encoding": "chunked" } }, (res) => {
      let body = "";
      res.on("data", (d: Buffer) => (body += d));
      res.on("end", () => resolve({ status: res.statusCode!, body }));
    });
    req.on("error", (e) => resolve({ error: String(e) }));
    const chunk = "x".repeat(16 * 1024);
    let sent = 0;
    const write = () => {
      while (sent < bytes) {
        sent += chunk.length;
        if (!req.write(chunk)) { req.once("drain", write); return; }
      }
      req.end();
    };
    write();
  });
}

/** The request that follows: a small POST and a GET, each given 10 s. */
async function next(origin: string): Promise<{ post: number | string; get: number | string }> {
  const timed = async (init: RequestInit, p: string) => {
    try {
      const res = await fetch(`${origin}${p}`, { ...init, signal: AbortSignal.timeout(10_000) });
      const text = await res.text();
      return res.status === 503 && /restarted mid-request/.test(text) ? "503 restarted mid-request" : res.status;
    } catch (error) {
      return String(error);
    }
  };
  return {
    post: await timed({ method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ sessionToken: "not-a-session-token-000000000000" }) }, "/auth/validate"),
    get: await timed({}, "/"),
  };
}

describe("an oversized chunked upload", () => {
  let stack: LocalStack;
  beforeAll(async () => {
    stack = await LocalStack.create();
    await stack.start();
  }, 180_000);
  afterAll(async () => { await stack?.dispose(); }, 60_000);

  it("answers 413 and the next request from anyone is served", async () => {
    for (let round = 0; round < 3; round++) {
      const big = await chunkedPost(stack.origin, "/auth/validate", 2.2 * MiB);
      expect(big.status, JSON.stringify(big)).toBe(413);
      expect(JSON.parse(big.body!).error.code).toBe("payload_too_large");
      // 401: the stack judged the (bogus) session; 200: the service answered.
      expect(await next(stack.origin)).toEqual({ post: 401, get: 200 });
    }
  }, 120_000);
});

describe("the local runtime's own failure, reduced (fixtures/cancelled-body)", () => {
  let repro: LocalStack;
  beforeAll(async () => {
    repro = await LocalStack.create(path.join(import.meta.dirname, "fixtures", "cancelled-body", "wrangler.toml"));
    await repro.start();
  }, 180_000);
  afterAll(async () => { await repro?.dispose(); }, 60_000);

  // Documents a wrangler dev behaviour this project works around; when it stops failing the
  // request after the cancelled upload, the runtime has been fixed and the drain may go.
  // The failure depends on timing (a busy machine sometimes serves the next request), so it is
  // tried up to five times: the runtime still has the bug if any try shows it.
  it("fails the request after a Worker cancels a large chunked body (wrangler dev 4.86.0)", async () => {
    const seen: unknown[] = [];
    for (let attempt = 0; attempt < 5 && !seen.includes("503 restarted mid-request"); attempt++) {
      const big = await chunkedPost(repro.origin, "/", 2.2 * MiB);
      expect(big.status).toBe(413);
      seen.push((await next(repro.origin)).post);
    }
    console.log(`cancelled-body reproduction: the POSTs after the cancelled uploads answered ${seen.join(", ")}`);
    expect(seen).toContain("503 restarted mid-request");
  }, 180_000);
});
