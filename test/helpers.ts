import { env, exports } from "cloudflare:workers";
import { seedDevelopment, type SeedReport } from "../src/seed/seed";
import { DemoClients, DemoStaff } from "../src/seed/demo-data";

/** Options for one HTTP call into the router Worker. */
export interface CallOptions {
  body?: unknown;
  /** Sent as-is instead of JSON-encoding `body`. */
  rawBody?: BodyInit;
  headers?: Record<string, string>;
}

/** A response with its JSON body parsed (null when the body is not JSON). */
export interface CallResult<T = any> { status: number; headers: Headers; body: T }

/** Calls the router Worker through its real fetch handler. */
export async function call<T = any>(method: string, path: string, options: CallOptions = {}): Promise<CallResult<T>> {
  const headers: Record<string, string> = { ...options.headers };
  let body: BodyInit | undefined = options.rawBody;
  if (body === undefined && options.body !== undefined) {
    body = JSON.stringify(options.body);
    headers["Content-Type"] ??= "application/json";
  }
  const response = await exports.default.fetch(new Request(`http://localhost${path}`, { method, headers, body }));
  const text = await response.text();
  let parsed: T;
  try { parsed = JSON.parse(text) as T; } catch { parsed = null as T; }
  return { status: response.status, headers: response.headers, body: parsed };
}

let seeded: Promise<SeedReport> | undefined;
/** Seeds the demo catalog once per test file (the seed is idempotent anyway). */
export function seed(): Promise<SeedReport> {
  seeded ??= seedDevelopment(env, "http://localhost", Date.now());
  return seeded;
}

/** The demo tiers, for picking a client. */
export type DemoTier = "basic" | "standard" | "premium" | "enterprise";

/** The demo client of a tier. */
export function demoClient(tier: DemoTier) {
  const client = DemoClients.find((c) => c.tier === tier);
  if (!client) throw new Error(`no demo client for ${tier}`);
  return client;
}

/** Headers authenticating as a demo client's API key. */
export function apiKeyHeaders(tier: DemoTier): Record<string, string> {
  return { "X-API-Key": demoClient(tier).api_key.key };
}

/** Headers authenticating as a worker with the shared secret. */
export function workerHeaders(workerId = "test-worker"): Record<string, string> {
  return { Authorization: `Bearer ${env.WORKER_SHARED_SECRET}`, "X-Worker-ID": workerId };
}

/** Logs in and returns the session token. */
export async function login(email: string, password: string, address = "198.51.100.7"): Promise<string> {
  const res = await call("POST", "/auth/login", { body: { email, password }, headers: { "CF-Connecting-IP": address } });
  if (res.status !== 200) throw new Error(`login failed for ${email}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.session_token as string;
}

const sessionCache = new Map<string, Promise<string>>();
/** Session headers for a demo account: "admin", "support", or a client tier. */
export async function sessionHeaders(who: "admin" | "support" | DemoTier): Promise<Record<string, string>> {
  const account = who === "admin" || who === "support"
    ? DemoStaff.find((s) => s.role === who)!
    : demoClient(who).user;
  let token = sessionCache.get(who);
  if (!token) { token = login(account.email, account.password); sessionCache.set(who, token); }
  return { "x-bitware-session-token": await token };
}
