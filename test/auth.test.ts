import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { hashPassword, PBKDF2_ITERATIONS, verifyPassword } from "../src/auth";
import { apiKeyPrefix, mintApiKey } from "../src/auth/api-keys";
import { ACCOUNT_POLICY } from "../src/auth/throttle";
import { DemoStaff } from "../src/seed/demo-data";
import { apiKeyHeaders, call, demoClient, login, seed, sessionHeaders, workerHeaders } from "./helpers";

beforeAll(async () => { await seed(); });

const admin = DemoStaff[0];

describe("passwords", () => {
  it("hash with PBKDF2-SHA256, a per-user salt and at most 100,000 iterations", async () => {
    const a = await hashPassword("correct horse");
    const b = await hashPassword("correct horse");
    expect(a).toMatch(/^pbkdf2-sha256\$100000\$[\w-]{22}\$[\w-]{43}$/);
    expect(a).not.toBe(b);
    expect(await verifyPassword("correct horse", a)).toBe(true);
    expect(await verifyPassword("correct horsE", a)).toBe(false);
    expect(await verifyPassword("anything", null)).toBe(false);
    expect(await verifyPassword("x", "pbkdf2-sha256$100001$AAAA$AAAA")).toBe(false);
    await expect(hashPassword("x", PBKDF2_ITERATIONS + 1)).rejects.toThrow(RangeError);
  });
});

describe("session tokens", () => {
  it("log in with email and password (email case-insensitive) and authenticate with the token", async () => {
    const res = await call("POST", "/auth/login", { body: { email: "  ADMIN@ai-factory.local ", password: admin.password } });
    expect(res.status).toBe(200);
    expect(res.body.user).toMatchObject({ email: admin.email, role: "admin", client_id: null });
    expect(res.body.session_token).toMatch(/^ses_[0-9A-Za-z]{43}$/);
    const stored = await env.DB.prepare(`SELECT token_hash FROM sessions WHERE session_id = ?`).bind(res.body.session_id).first<{ token_hash: string }>();
    expect(stored!.token_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(stored!.token_hash).not.toContain(res.body.session_token.slice(4));
    const clients = await call("GET", "/clients", { headers: { "x-bitware-session-token": res.body.session_token } });
    expect(clients.status).toBe(200);
  });

  it("refuse a wrong password and an unknown email with the same answer", async () => {
    const wrong = await call("POST", "/auth/login", { body: { email: admin.email, password: "nope" }, headers: { "CF-Connecting-IP": "203.0.113.50" } });
    const unknown = await call("POST", "/auth/login", { body: { email: "ghost@example.com", password: "nope" }, headers: { "CF-Connecting-IP": "203.0.113.51" } });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(wrong.body.error).toEqual(unknown.body.error);
  });

  it("validate from the body (the seed's worker call) or the header", async () => {
    const token = await login(demoClient("premium").user.email, demoClient("premium").user.password);
    const byBody = await call("POST", "/auth/validate", { body: { sessionToken: token }, headers: workerHeaders("report-builder") });
    expect(byBody.status).toBe(200);
    expect(byBody.body.session).toMatchObject({ role: "client", client_id: "client_demo_premium" });
    const byHeader = await call("POST", "/auth/validate", { headers: { "x-bitware-session-token": token } });
    expect(byHeader.status).toBe(200);
    const bogus = await call("POST", "/auth/validate", { body: { sessionToken: "ses_bogus" } });
    expect(bogus.status).toBe(401);
    const none = await call("POST", "/auth/validate", { body: {} });
    expect(none.status).toBe(422);
    expect(none.body.error.message).toContain("body.sessionToken");
  });

  it("GET /auth/me says who any caller is, with no secret in it", async () => {
    const session = await call("GET", "/auth/me", { headers: await sessionHeaders("admin") });
    expect(session.status).toBe(200);
    expect(session.body).toMatchObject({ kind: "session", role: "admin", client_id: null, email: admin.email, user_id: expect.any(String), session_id: expect.any(String) });
    const key = await call("GET", "/auth/me", { headers: apiKeyHeaders("premium") });
    expect(key.body).toEqual({ kind: "api_key", role: "client", client_id: "client_demo_premium", key_id: "key_demo_premium", key_prefix: "demoprem00" });
    expect(JSON.stringify(key.body)).not.toContain(apiKeyHeaders("premium")["X-API-Key"]!.split("_")[2]);
    expect((await call("GET", "/auth/me", { headers: workerHeaders("probe") })).body).toEqual({ kind: "worker", role: "worker", client_id: null, worker_id: "probe" });
    expect((await call("GET", "/auth/me")).status).toBe(401);
  });

  it("stop working after logout", async () => {
    const token = await login(admin.email, admin.password);
    const headers = { "x-bitware-session-token": token };
    expect((await call("POST", "/auth/logout", { headers })).status).toBe(200);
    const after = await call("GET", "/clients", { headers });
    expect(after.status).toBe(401);
    expect(after.body.error.code).toBe("unauthorized");
    expect((await call("POST", "/auth/validate", { body: { sessionToken: token } })).status).toBe(401);
    expect((await call("POST", "/auth/logout", { headers })).status).toBe(401);
  });

  it("stop working once expired", async () => {
    const token = await login(admin.email, admin.password);
    const headers = { "x-bitware-session-token": token };
    expect((await call("GET", "/clients", { headers })).status).toBe(200);
    const res = await call("POST", "/auth/validate", { headers });
    await env.DB.prepare(`UPDATE sessions SET expires_at = '2000-01-01T00:00:00.000Z' WHERE session_id = ?`).bind(res.body.session.session_id).run();
    expect((await call("GET", "/clients", { headers })).status).toBe(401);
  });

  it("logout needs a session, not an API key", async () => {
    const res = await call("POST", "/auth/logout", { headers: apiKeyHeaders("basic") });
    expect(res.status).toBe(403);
  });
});

describe("users of a client that is not active", () => {
  it("cannot log in, and their live sessions stop working", async () => {
    const user = demoClient("standard").user;
    const token = await login(user.email, user.password);
    const headers = { "x-bitware-session-token": token };
    expect((await call("GET", "/client/client_demo_standard", { headers })).status).toBe(200);
    for (const status of ["suspended", "cancelled"]) {
      await env.DB.prepare(`UPDATE clients SET account_status = ? WHERE client_id = 'client_demo_standard'`).bind(status).run();
      try {
        expect((await call("GET", "/client/client_demo_standard", { headers })).status).toBe(401);
        expect((await call("POST", "/client/client_demo_standard/api-keys", { headers, body: { name: "escape hatch" } })).status).toBe(401);
        const again = await call("POST", "/auth/login", { body: { email: user.email, password: user.password }, headers: { "CF-Connecting-IP": "192.0.2.150" } });
        expect(again.status).toBe(403);
        expect(again.body.error.message).toContain(status);
      } finally {
        await env.DB.prepare(`UPDATE clients SET account_status = 'active' WHERE client_id = 'client_demo_standard'`).run();
      }
    }
    expect((await call("GET", "/client/client_demo_standard", { headers })).status).toBe(200);
  });
});

describe("failed-login throttling", () => {
  it("locks an account after repeated failures from many addresses, briefly (at most 30 s), even for the right password from a new address", async () => {
    const user = demoClient("enterprise").user;
    for (let i = 0; i < ACCOUNT_POLICY.freeFailures + 1; i++) {
      const res = await call("POST", "/auth/login", { body: { email: user.email, password: `wrong-${i}` }, headers: { "CF-Connecting-IP": `192.0.2.${i}` } });
      expect(res.status).toBe(401);
    }
    const locked = await call("POST", "/auth/login", { body: { email: user.email, password: user.password }, headers: { "CF-Connecting-IP": "192.0.2.99" } });
    expect(locked.status).toBe(429);
    expect(locked.body.error.code).toBe("rate_limited");
    expect(Number(locked.headers.get("Retry-After"))).toBeGreaterThanOrEqual(1);
    expect(Number(locked.headers.get("Retry-After"))).toBeLessThanOrEqual(30);
    // The lock is short: once it passes, the right password works and clears the account's count.
    await env.DB.prepare(`UPDATE login_throttle SET locked_until_ms = 0 WHERE scope_key = ?`).bind(`account:${user.email}`).run();
    expect((await call("POST", "/auth/login", { body: { email: user.email, password: user.password }, headers: { "CF-Connecting-IP": "192.0.2.99" } })).status).toBe(200);
    expect(await env.DB.prepare(`SELECT 1 FROM login_throttle WHERE scope_key = ?`).bind(`account:${user.email}`).first()).toBeNull();
  });

  it("never keeps a real user out: paced guessing from many addresses locks the account at most 30 s at a time, and not at all for an address the user signed in from", async () => {
    const user = demoClient("premium").user;
    const home = "203.0.113.50";
    // The user signed in from home before.
    expect((await call("POST", "/auth/login", { body: { email: user.email, password: user.password }, headers: { "CF-Connecting-IP": home } })).status).toBe(200);
    // A third party guesses for a long while, one guess per fresh address, keeping the account locked.
    const retryAfter: number[] = [];
    for (let i = 0; i < 40; i++) {
      const res = await call("POST", "/auth/login", { body: { email: user.email, password: `guess-${i}` }, headers: { "CF-Connecting-IP": `198.18.${i}.1` } });
      if (res.status === 429) {
        retryAfter.push(Number(res.headers.get("Retry-After")));
        // The attacker waits the lock out (time passes: the lock is lifted) and guesses again at once.
        await env.DB.prepare(`UPDATE login_throttle SET locked_until_ms = 1 WHERE scope_key = ?`).bind(`account:${user.email}`).run();
      }
    }
    const row = await env.DB.prepare(`SELECT failures, locked_until_ms FROM login_throttle WHERE scope_key = ?`).bind(`account:${user.email}`).first<{ failures: number; locked_until_ms: number }>();
    expect(row!.failures).toBeGreaterThan(ACCOUNT_POLICY.freeFailures);
    // Make the latest lock real again: the account is locked right now.
    await env.DB.prepare(`UPDATE login_throttle SET locked_until_ms = ? WHERE scope_key = ?`).bind(Date.now() + ACCOUNT_POLICY.maxLockMs, `account:${user.email}`).run();
    // From a new address the user waits at most 30 s…
    const away = await call("POST", "/auth/login", { body: { email: user.email, password: user.password }, headers: { "CF-Connecting-IP": "203.0.113.77" } });
    expect(away.status).toBe(429);
    expect(Number(away.headers.get("Retry-After"))).toBeLessThanOrEqual(30);
    // …and from home is in at once, which also clears the account's count.
    expect((await call("POST", "/auth/login", { body: { email: user.email, password: user.password }, headers: { "CF-Connecting-IP": home } })).status).toBe(200);
    expect(await env.DB.prepare(`SELECT 1 FROM login_throttle WHERE scope_key = ?`).bind(`account:${user.email}`).first()).toBeNull();
    // Every lock the guessing met was bounded.
    expect(retryAfter.length).toBeGreaterThan(0);
    expect(Math.max(...retryAfter)).toBeLessThanOrEqual(30);
  });

  it("locks an address that guesses across many accounts", async () => {
    const address = "198.51.100.200";
    for (let i = 0; i < 6; i++) {
      await call("POST", "/auth/login", { body: { email: `nobody${i}@example.com`, password: "x" }, headers: { "CF-Connecting-IP": address } });
    }
    const staff = DemoStaff[1];
    const res = await call("POST", "/auth/login", { body: { email: staff.email, password: staff.password }, headers: { "CF-Connecting-IP": address } });
    expect(res.status).toBe(429);
    const elsewhere = await call("POST", "/auth/login", { body: { email: staff.email, password: staff.password }, headers: { "CF-Connecting-IP": "198.51.100.201" } });
    expect(elsewhere.status).toBe(200);
  });
});

describe("client API keys", () => {
  it("are at least 128 random bits with a readable prefix, stored only as SHA-256", async () => {
    const minted = await mintApiKey();
    expect(minted.key).toMatch(/^aif_[0-9A-Za-z]{10}_[0-9A-Za-z]{32}$/);
    expect(apiKeyPrefix(minted.key)).toBe(minted.prefix);
    expect(minted.hash).toMatch(/^[0-9a-f]{64}$/);
    const rows = (await env.DB.prepare(`SELECT * FROM api_keys`).all()).results;
    expect(JSON.stringify(rows)).not.toContain(demoClient("basic").api_key.key.split("_")[2]);
  });

  it("authenticate a client and track last use", async () => {
    await env.DB.prepare(`UPDATE api_keys SET last_used_at = NULL WHERE key_id = 'key_demo_standard'`).run();
    const res = await call("GET", "/client/client_demo_standard", { headers: apiKeyHeaders("standard") });
    expect(res.status).toBe(200);
    const row = await env.DB.prepare(`SELECT last_used_at FROM api_keys WHERE key_id = 'key_demo_standard'`).first<{ last_used_at: string }>();
    expect(Date.parse(row!.last_used_at)).toBeGreaterThan(Date.now() - 60_000);
  });

  it("refuse a wrong, malformed or empty key", async () => {
    const real = demoClient("basic").api_key.key;
    const tampered = real.slice(0, -1) + (real.endsWith("A") ? "B" : "A");
    for (const key of [tampered, "aif_unknownpfx_Bq7RkT2mXw9LpV4sNc8dYh3JfG6aZe1U", "not-a-key", ""]) {
      const res = await call("GET", "/requests", { headers: { "X-API-Key": key } });
      expect(res.status, key).toBe(401);
      expect(res.body.error.code).toBe("unauthorized");
    }
  });

  it("can be created (shown once), listed by prefix, and revoked", async () => {
    const headers = await sessionHeaders("premium");
    const created = await call("POST", "/client/client_demo_premium/api-keys", { headers, body: { name: "ci key" } });
    expect(created.status).toBe(201);
    const key: string = created.body.api_key;
    expect((await call("GET", "/requests", { headers: { "X-API-Key": key } })).status).toBe(200);
    const listed = await call("GET", "/client/client_demo_premium/api-keys", { headers });
    const entry = listed.body.api_keys.find((k: { key_id: string }) => k.key_id === created.body.key_id);
    expect(entry.key_prefix).toBe(key.split("_")[1]);
    expect(JSON.stringify(listed.body)).not.toContain(key);
    const revoked = await call("DELETE", `/client/client_demo_premium/api-keys/${created.body.key_id}`, { headers });
    expect(revoked.status).toBe(200);
    expect(revoked.body.api_key.revoked_at).not.toBeNull();
    const after = await call("GET", "/requests", { headers: { "X-API-Key": key } });
    expect(after.status).toBe(401);
  });

  it("cannot mint or revoke keys (an API key is not a person)", async () => {
    const res = await call("POST", "/client/client_demo_basic/api-keys", { headers: apiKeyHeaders("basic"), body: { name: "x" } });
    expect(res.status).toBe(403);
  });

  it("still work when a proxy adds its own Authorization scheme", async () => {
    const res = await call("GET", "/client/client_demo_basic", { headers: { ...apiKeyHeaders("basic"), Authorization: "Basic dXNlcjpwYXNz" } });
    expect(res.status).toBe(200);
  });

  it("stop working when the client is suspended", async () => {
    await env.DB.prepare(`UPDATE clients SET account_status = 'suspended' WHERE client_id = 'client_demo_basic'`).run();
    try {
      expect((await call("GET", "/requests", { headers: apiKeyHeaders("basic") })).status).toBe(401);
    } finally {
      await env.DB.prepare(`UPDATE clients SET account_status = 'active' WHERE client_id = 'client_demo_basic'`).run();
    }
  });
});

describe("worker-to-worker auth", () => {
  it("accepts the shared secret with a worker id and records the worker as caller", async () => {
    const res = await call("GET", "/client/client_demo_basic", { headers: workerHeaders("feed-fetcher") });
    expect(res.status).toBe(200);
    const created = await call("POST", "/requests", {
      headers: workerHeaders("feed-fetcher"),
      body: { client_id: "client_demo_basic", request_type: "information_request", message: "from a worker" },
    });
    expect(created.status).toBe(201);
    expect(created.body.request.created_by).toBe("worker:feed-fetcher");
  });

  it("refuses a wrong secret, a missing worker id, a missing bearer, or a malformed worker id", async () => {
    const cases: Record<string, string>[] = [
      { Authorization: "Bearer wrong-secret-of-some-length", "X-Worker-ID": "feed-fetcher" },
      { Authorization: `Bearer ${env.WORKER_SHARED_SECRET}` },
      { "X-Worker-ID": "feed-fetcher" },
      { Authorization: `Basic ${env.WORKER_SHARED_SECRET}`, "X-Worker-ID": "feed-fetcher" },
      { Authorization: `Bearer ${env.WORKER_SHARED_SECRET}`, "X-Worker-ID": "Robert'); DROP TABLE" },
      { Authorization: `Bearer ${env.WORKER_SHARED_SECRET}x`, "X-Worker-ID": "feed-fetcher" },
    ];
    for (const headers of cases) {
      const res = await call("GET", "/client/client_demo_basic", { headers });
      expect(res.status, JSON.stringify(headers)).toBe(401);
      expect(JSON.stringify(res.body)).not.toContain(env.WORKER_SHARED_SECRET);
    }
  });

  it("admits nobody when the shared secret is not configured", async () => {
    const { authenticateWorker } = await import("../src/auth/worker-auth");
    expect(await authenticateWorker("", "", "feed-fetcher")).toBeNull();
    expect(await authenticateWorker(undefined, "anything", "feed-fetcher")).toBeNull();
  });
});

describe("missing credentials", () => {
  it("401 on every non-public route, naming the ways to authenticate", async () => {
    const res = await call("GET", "/requests");
    expect(res.status).toBe(401);
    expect(res.body.error.message).toContain("X-API-Key");
  });
});
