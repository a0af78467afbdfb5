/**
 * The OpenAPI document against the running stack (issue 14): it passes a maintained OpenAPI 3.1
 * validator, covers every route `/help` lists, and a contract fuzz drives every operation with
 * inputs generated from it: valid ones and invalid ones of every kind its schemas can reject,
 * with valid credentials. No answer is a 5xx; every status is one the document declares for that
 * operation; every 4xx is the error envelope, and an input refusal names the field; every 2xx
 * matches the declared response schema. (The server also checks its own answers against the
 * schemas outside production, so a drift there is a 500 here.)
 */
import { validate, compileErrors } from "@readme/openapi-parser";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LocalStack, STACK_VARS } from "./local-stack";
import { complaint, invalidVariants, sample, satisfies, type Hints, type JsonSchema, type Variant } from "./openapi-fuzz";

const PREMIUM_KEY = "aif_demoprem00_Vx3NqM7bLk1RzS5wPc9tGf2HjD8yUe4A";
const WORKER = { Authorization: `Bearer ${STACK_VARS.WORKER_SHARED_SECRET}`, "X-Worker-ID": "contract-fuzz" };

let stack: LocalStack;
let doc: JsonSchema;
/** Real objects the valid inputs name. */
const fx = {
  adminToken: "", fuzzClient: "", pipeline: "", step: "", request: "", deliverable: "", worker: "", workerTemplate: "",
  throwawayKeyPrefix: "",
};

async function call(method: string, path: string, init: { headers?: Record<string, string>; body?: string } = {}) {
  const res = await fetch(`${stack.origin}${path}`, { method, headers: init.headers, body: init.body, redirect: "manual" });
  const text = await res.text();
  let json: unknown = null;
  try { json = JSON.parse(text); } catch { /* not JSON */ }
  return { status: res.status, json, text, type: res.headers.get("Content-Type") ?? "" };
}

async function login(email: string, password: string): Promise<string> {
  const res = await call("POST", "/auth/login", { headers: { "Content-Type": "application/json" }, body: JSON.stringify({ email, password }) });
  expect(res.status, res.text).toBe(200);
  return (res.json as { session_token: string }).session_token;
}

beforeAll(async () => {
  stack = await LocalStack.seeded();
  fx.adminToken = await login("admin@ai-factory.local", "admin-demo-password");
  const admin = { "x-bitware-session-token": fx.adminToken, "Content-Type": "application/json" };
  const client = { "X-API-Key": PREMIUM_KEY, "Content-Type": "application/json" };
  // A client of its own for the routes that change a client (terms, ledger, keys), so the fuzz never locks out the premium demo client.
  const created = await call("POST", "/clients", { headers: admin, body: JSON.stringify({
    company_name: "Fuzz Corp", contact_email: "owner@fuzz.example", contact_name: "Fuzz Owner", subscription_tier: "premium",
    account_status: "active", monthly_budget_usd: 100,
  }) });
  expect(created.status, created.text).toBe(201);
  fx.fuzzClient = (created.json as { client: { client_id: string } }).client.client_id;
  const key = await call("POST", `/client/${fx.fuzzClient}/api-keys`, { headers: admin, body: JSON.stringify({ name: "throwaway" }) });
  expect(key.status, key.text).toBe(201);
  fx.throwawayKeyPrefix = (key.json as { key_id: string }).key_id;
  // A finished run with a deliverable, a request and a worker to name.
  const templates = (await call("GET", "/templates", { headers: client })).json as { templates: { template_name: string }[] };
  expect(templates.templates.map((t) => t.template_name)).toContain("runtime_demo");
  const run = await call("POST", "/orchestrate", { headers: client, body: JSON.stringify({ pipeline_template: "research_report", topic: "energy storage" }) });
  expect(run.status, run.text).toBe(202);
  fx.pipeline = (run.json as { pipeline: { id: string } }).pipeline.id;
  const ended = await call("GET", `/pipeline/${fx.pipeline}?wait_ms=30000`, { headers: client });
  fx.step = (ended.json as { pipeline: { steps: { id: string }[] } }).pipeline.steps[0]!.id;
  const deliverables = (await call("GET", `/deliverables?pipeline_id=${fx.pipeline}`, { headers: client })).json as { deliverables: { id: string }[] };
  expect(deliverables.deliverables.length, "the research report stored deliverables").toBeGreaterThan(0);
  fx.deliverable = deliverables.deliverables[0]!.id;
  const request = await call("POST", "/requests", { headers: client, body: JSON.stringify({
    request_type: "pipeline_execution", urgency_level: "medium", message: "Please prepare a brief on energy storage for the fuzz.",
  }) });
  expect(request.status, request.text).toBe(201);
  fx.request = (request.json as { request_id: string }).request_id;
  doc = (await call("GET", "/openapi.json")).json as JsonSchema;
  // A worker whose URL no literal path of the document claims (GET /workers/topic-researcher is its own operation).
  const workers = (await call("GET", "/workers")).json as { workers: { name: string }[] };
  fx.worker = workers.workers.map((w) => w.name).find((name) => !(`/workers/${name}` in (doc.paths as object)))!;
  const workerTemplates = (await call("GET", `/workers/${fx.worker}/api/templates`, { headers: client })).json as { templates: { name: string }[] };
  expect(workerTemplates.templates.length, `${fx.worker} has templates`).toBeGreaterThan(0);
  fx.workerTemplate = workerTemplates.templates[0]!.name;
}, 180_000);

afterAll(async () => {
  await stack?.dispose();
});

type Operation = {
  operationId: string; security: Record<string, string[]>[]; parameters?: { name: string; in: "path" | "query"; required: boolean; schema: JsonSchema }[];
  requestBody?: { required: boolean; content: { "application/json": { schema: JsonSchema } } };
  responses: Record<string, { content?: Record<string, { schema: JsonSchema }> }>;
};

function operations(): { method: string; path: string; op: Operation }[] {
  const paths = doc.paths as Record<string, Record<string, Operation>>;
  return Object.entries(paths).flatMap(([path, methods]) => Object.entries(methods).map(([method, op]) => ({ method: method.toUpperCase(), path, op })));
}

/** A real object for a path parameter, by where it sits. */
function pathHint(path: string, name: string): string | undefined {
  if (name === "id" && /^\/(pipeline|admin\/actors\/pipelines)\//.test(path)) return fx.pipeline;
  if (name === "id" && path.startsWith("/requests/")) return fx.request;
  if (name === "id" && path.startsWith("/deliverables/")) return fx.deliverable;
  if (name === "id" && path.startsWith("/client/")) return fx.fuzzClient;
  if (name === "id" && path.includes("/leases/")) return "no-such-lease";
  if (name === "client") return fx.fuzzClient;
  if (name === "worker" || (name === "name" && path.startsWith("/workers/"))) return fx.worker;
  if (name === "name" && path.startsWith("/templates/")) return "runtime_demo";
  if (name === "name" && path.startsWith("/parties/")) return fx.pipeline;
  if (name === "party") return "pipeline-actor";
  if (name === "template") return fx.workerTemplate;
  if (name === "step") return fx.step;
  if (name === "keyId") return fx.throwawayKeyPrefix;
  if (name === "provider") return "offline";
  if (name === "model") return "fuzz-model";
  if (name === "path") return "requests";
  return undefined;
}

/** Field values that name real things, for bodies and queries. */
const fieldHints: Hints = (name) => ({
  pipeline_template: "runtime_demo", template_name: "runtime_demo", template: "runtime_demo", selected_template: "runtime_demo", topic: "energy storage",
  client_id: fx.fuzzClient, request_id: fx.request, pipeline_id: fx.pipeline, step_id: fx.step, worker: fx.worker,
  feed_url: `${stack.origin}/demo/feeds/energy-storage.xml`, feed_urls: [`${stack.origin}/demo/feeds/energy-storage.xml`, `${stack.origin}/demo/feeds/battery-lab.atom`],
  url: `${stack.origin}/demo/feeds/energy-storage.xml`, target_topic: "energy storage",
  email: `fuzz-${Math.random().toString(36).slice(2, 10)}@fuzz.example`, password: "fuzz-password-123", party: "pipeline-actor", name: "fuzz-name",
} as Record<string, unknown>)[name];

/** Credentials the operation accepts: the client's API key where a client may call it, else an admin session, else the worker bearer. */
function credentials(op: Operation): Record<string, string> {
  const ways = op.security.map((s) => Object.keys(s).sort().join("+")).filter((w) => w !== "");
  if (ways.length === 0) return {};
  if (ways.includes("Session")) return { "x-bitware-session-token": fx.adminToken };
  if (ways.includes("ApiKey")) return { "X-API-Key": PREMIUM_KEY };
  return WORKER;
}

function objectSchemaOf(params: Operation["parameters"], where: "path" | "query"): JsonSchema {
  const list = (params ?? []).filter((p) => p.in === where);
  // A free-form query (one exploded object parameter) takes any name.
  const freeForm = list.find((p) => p.schema.type === "object");
  if (freeForm) return { type: "object", additionalProperties: true };
  return {
    type: "object", additionalProperties: false,
    properties: Object.fromEntries(list.map((p) => [p.name, p.schema])),
    required: list.filter((p) => p.required).map((p) => p.name),
  };
}

interface Probe { label: string; path: string; query: Record<string, unknown>; body: string | undefined; contentType: string; invalid?: Variant; asClient?: boolean }

const tally = { routes: 0, requests: 0, validOk: 0, statuses: new Map<number, number>() };
const problems: string[] = [];

function urlOf(template: string, params: Record<string, unknown>, query: Record<string, unknown>): string {
  const path = template.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(String(params[name])));
  const search = new URLSearchParams(Object.entries(query).map(([k, v]) => [k, String(v)])).toString();
  return search ? `${path}?${search}` : path;
}

const resolvable = new WeakMap<JsonSchema, JsonSchema>();
/** An answer's schema with the document's models beside it, so its `#/components/schemas/…` references resolve. */
function answerSchema(schema: JsonSchema): JsonSchema {
  let wrapped = resolvable.get(schema);
  if (!wrapped) { wrapped = { ...schema, components: doc.components }; resolvable.set(schema, wrapped); }
  return wrapped;
}

/** Checks one answer against the document and the rules. */
function judge(method: string, path: string, op: Operation, probe: Probe, res: Awaited<ReturnType<typeof call>>): void {
  const where = `${method} ${path} [${probe.label}] → ${res.status}`;
  tally.requests++;
  if (probe.label === "valid") {
    if (res.status >= 200 && res.status < 300) tally.validOk++;
    // The credentials chosen for an operation are ones it admits: a valid probe is never refused them.
    if (res.status === 401 && Object.keys(credentials(op)).length > 0) problems.push(`${where}: the operation's own credentials were refused`);
  }
  tally.statuses.set(res.status, (tally.statuses.get(res.status) ?? 0) + 1);
  if (res.status >= 500) { problems.push(`${where}: a 5xx: ${res.text.slice(0, 300)}`); return; }
  const declared = op.responses[String(res.status)];
  if (!declared) { problems.push(`${where}: status not declared (declared: ${Object.keys(op.responses).join(", ")}): ${res.text.slice(0, 200)}`); return; }
  if (res.status >= 400) {
    const envelope = res.json as { error?: { code?: unknown; message?: unknown; details?: unknown }; request_id?: unknown } | null;
    if (typeof envelope?.error?.code !== "string" || typeof envelope.error.message !== "string" || typeof envelope.request_id !== "string") {
      // A worker's own failure answer (the seed's ExecuteResponse with success: false) is its declared body.
      const schema = declared.content?.["application/json"]?.schema;
      if (!schema || !satisfies(answerSchema(schema), res.json)) problems.push(`${where}: not the error envelope: ${res.text.slice(0, 200)}`);
      return;
    }
    if (probe.invalid && (res.status === 422 || res.status === 400 || res.status === 415)) {
      // The field broken (or one inside it) must be named: by an issue of details.issues, or by the message's start.
      const field = probe.invalid.field;
      const within = (named: string) => named === field || named.startsWith(`${field}.`) || named.startsWith(`${field}[`);
      const issues = (envelope.error.details as { issues?: { field?: unknown }[] } | undefined)?.issues ?? [];
      const named = issues.some((i) => typeof i.field === "string" && within(i.field)) || within(String(envelope.error.message).split(/[: ]/)[0]!);
      if (!named) problems.push(`${where}: the refusal does not name ${field}: ${JSON.stringify(envelope.error).slice(0, 200)}`);
    }
    return;
  }
  if (probe.invalid) { problems.push(`${where}: invalid input accepted (${probe.invalid.label})`); return; }
  const schema = declared.content?.["application/json"]?.schema;
  if (schema && res.type.includes("application/json") && !satisfies(answerSchema(schema), res.json)) {
    problems.push(`${where}: the answer does not match its schema: ${complaint(answerSchema(schema), res.json)}`);
  }
}

async function fuzz(method: string, path: string, op: Operation): Promise<void> {
  tally.routes++;
  const pathSchema = objectSchemaOf(op.parameters, "path");
  const querySchema = objectSchemaOf(op.parameters, "query");
  const params = Object.fromEntries((op.parameters ?? []).filter((p) => p.in === "path").map((p) => [p.name, pathHint(path, p.name) ?? sample(p.schema, p.name, fieldHints)]));
  const query = (sample(querySchema, "query", fieldHints) ?? {}) as Record<string, unknown>;
  const bodySchema = op.requestBody?.content["application/json"].schema;
  const body = bodySchema ? sample(bodySchema, "body", fieldHints) : undefined;
  const json = (value: unknown) => (value === undefined ? undefined : JSON.stringify(value));
  const probes: Probe[] = [{ label: "valid", path: urlOf(path, params, query), query, body: json(body), contentType: "application/json" }];
  for (const variant of invalidVariants(querySchema, query, "query", { stringsOnly: true, limit: 25 })) {
    probes.push({ label: variant.label, path: urlOf(path, params, variant.value as Record<string, unknown>), query: {}, body: json(body), contentType: "application/json", invalid: variant });
  }
  for (const variant of invalidVariants(pathSchema, params, "params", { stringsOnly: true, noUnknown: true, limit: 10 })) {
    const value = variant.value as Record<string, unknown>;
    // A missing path segment is another URL, not this route; only values the segment can carry.
    if (Object.keys(pathSchema.properties as object).some((k) => value[k] === undefined || value[k] === "")) continue;
    probes.push({ label: variant.label, path: urlOf(path, value, query), query, body: json(body), contentType: "application/json", invalid: variant });
  }
  if (bodySchema && body !== undefined && typeof body === "object" && body !== null) {
    for (const variant of invalidVariants(bodySchema, body as Record<string, unknown>, "body", { limit: 40 })) {
      probes.push({ label: variant.label, path: urlOf(path, params, query), query, body: JSON.stringify(variant.value), contentType: "application/json", invalid: variant });
    }
    const url = urlOf(path, params, query);
    probes.push({ label: "malformed JSON", path: url, query, body: "{\"unterminated", contentType: "application/json", invalid: { label: "malformed JSON", field: "body", value: null } });
    probes.push({ label: "not JSON", path: url, query, body: "topic=x", contentType: "application/x-www-form-urlencoded", invalid: { label: "not JSON", field: "body", value: null } });
    probes.push({ label: "an array body", path: url, query, body: "[]", contentType: "application/json", invalid: { label: "an array body", field: "body", value: null } });
  }
  // A client's own view of the same operation: scoped lookups, another client's objects answering 404.
  if (op.security.some((s) => "ApiKey" in s) && op.security.some((s) => "Session" in s)) {
    probes.push({ ...probes[0]!, label: "valid, as a client", asClient: true });
  }
  for (const probe of probes) {
    // Logging out ends the session it is called with: each call gets a session of its own.
    const headers = path === "/auth/logout"
      ? { "x-bitware-session-token": await login("premium@demo.ai-factory.local", "premium-demo-password") }
      : probe.asClient ? { "X-API-Key": PREMIUM_KEY } : credentials(op);
    const res = await call(method, probe.path, { headers: { ...headers, ...(probe.body !== undefined ? { "Content-Type": probe.contentType } : {}) }, body: probe.body });
    judge(method, path, op, probe, res);
  }
}

describe("the OpenAPI document", () => {
  it("passes a maintained OpenAPI 3.1 validator", async () => {
    const result = await validate(structuredClone(doc) as never);
    expect(result.valid, result.valid ? "" : compileErrors(result)).toBe(true);
    expect(doc.openapi).toBe("3.1.0");
    // The validator can fail: a document without its info, or with an operation answering nothing, is refused.
    const { info: _info, ...noInfo } = doc;
    expect((await validate(structuredClone(noInfo) as never)).valid).toBe(false);
  });

  it("covers every route /help lists, with its security, parameters, body and answers", async () => {
    const help = (await call("GET", "/help")).json as { routes: { method: string; path: string; access: unknown }[] };
    const paths = doc.paths as Record<string, Record<string, Operation>>;
    for (const route of help.routes) {
      const path = route.path.replace(/:(\w+)/g, "{$1}").replace(/\*$/, "{path}");
      const op = paths[path]?.[route.method.toLowerCase()];
      expect(op, `${route.method} ${route.path}`).toBeDefined();
      // A public route needs no credential: none, or none as the first alternative (a health check that runs its worker when queried).
      const open = op!.security.length === 0 || Object.keys(op!.security[0]!).length === 0;
      expect(open, `${route.method} ${route.path}`).toBe(route.access === "public");
      expect(Object.keys(op!.responses).some((s) => s.startsWith("2") || s === "101"), `${route.method} ${route.path}`).toBe(true);
    }
    expect(operations().length).toBe(help.routes.length);
    const schemes = (doc.components as { securitySchemes: Record<string, { name?: string; scheme?: string }> }).securitySchemes;
    expect(schemes.ApiKey!.name).toBe("X-API-Key");
    expect(schemes.Session!.name).toBe("x-bitware-session-token");
    expect(schemes.WorkerBearer!.scheme).toBe("bearer");
    expect(schemes.WorkerId!.name).toBe("X-Worker-ID");
    // The error envelope for what an authenticated route with a body can answer.
    const start = paths["/orchestrate"]!.post!;
    for (const status of ["202", "400", "401", "402", "403", "413", "415", "422"]) expect(Object.keys(start.responses)).toContain(status);
  });

  it("holds under a contract fuzz of every operation: no 5xx, only declared statuses, envelopes naming the field, answers matching their schemas", async () => {
    // The dashboard's page and the WebSocket upgrades are not JSON APIs; everything else is driven.
    for (const { method, path, op } of operations()) await fuzz(method, path, op);
    const statuses = [...tally.statuses.entries()].sort(([a], [b]) => a - b).map(([s, n]) => `${s}×${n}`).join(" ");
    console.log(`contract fuzz: ${tally.routes} operations, ${tally.requests} requests, statuses ${statuses}`);
    expect(problems, problems.slice(0, 30).join("\n")).toEqual([]);
    // Most operations were reached with a valid input, not only refused (the rest need objects the fuzz does not make: a pool lease, a pending request's template).
    expect(tally.validOk).toBeGreaterThan(operations().length * 0.6);
    // The fuzz reached real work, not only refusals.
    expect(tally.statuses.get(200) ?? 0).toBeGreaterThan(30);
    expect(tally.statuses.get(422) ?? 0).toBeGreaterThan(200);
  }, 300_000);
});
