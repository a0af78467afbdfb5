import { toJsonSchema, toJsonSchemaDefs, type ConversionConfig } from "@valibot/to-json-schema";
import * as v from "valibot";
import { isRaw, type Route } from "./define";
import { ErrorEnvelopeSchema } from "../contracts/errors";
import { jsonSchemaOf } from "./json-schema";
import { namedModels } from "./openapi-models";

/**
 * The OpenAPI 3.1 document, generated from the same route declarations the router registers and
 * validates with (and `/help` lists), so it cannot drift from what the server does: each route's
 * access becomes its security, its params, query and body schemas its parameters and request
 * body, its response schema its success answer, and the statuses its declaration implies (or
 * names) the error envelope.
 */

type JsonSchema = Record<string, unknown>;

/** What each error status means, as the document describes it. */
const ERROR_TEXT: Record<number, string> = {
  400: "Malformed request: the body is not JSON, or a value breaks a rule the schema cannot say.",
  401: "No credential, or one that is invalid, expired or revoked.",
  402: "Not enough budget: the client's ledger cannot hold the run's estimate.",
  403: "The caller's role or client may not do this.",
  404: "Not found (or another client's object, which answers the same).",
  405: "Method not allowed.",
  409: "Conflicts with the object's current state.",
  413: "The body is larger than the limit.",
  415: "The body is not JSON.",
  422: "Invalid input: the message names the field and the rule; details.issues lists every problem.",
  426: "This endpoint speaks WebSocket: send Upgrade: websocket.",
  429: "Too many requests: wait for Retry-After seconds.",
  500: "A bug (the worker's output broke its own schema); quote the request_id.",
  503: "Unavailable for now: retry after Retry-After seconds.",
};

const SECURITY_SCHEMES = {
  ApiKey: { type: "apiKey", in: "header", name: "X-API-Key", description: "A client's API key: `aif_<prefix>_<secret>`." },
  Session: { type: "apiKey", in: "header", name: "x-bitware-session-token", description: "A session token from POST /auth/login (dashboard users: staff and clients)." },
  WorkerBearer: { type: "http", scheme: "bearer", description: "Worker to worker: the shared secret, with X-Worker-ID." },
  WorkerId: { type: "apiKey", in: "header", name: "X-Worker-ID", description: "The calling worker's name (with the worker bearer)." },
} as const;

/** `/requests/:id` → `/requests/{id}`; the dashboard's `*` becomes a `{path}` parameter. */
function openApiPath(path: string): string {
  return path.replace(/:(\w+)/g, "{$1}").replace(/\*$/, "{path}");
}

/** A stable operation id: `GET /requests/:id/live` → `getRequestsIdLive`. */
function operationId(route: Route): string {
  const words = route.path.split(/[^A-Za-z0-9]+/).filter(Boolean);
  return route.method.toLowerCase() + words.map((w) => w[0]!.toUpperCase() + w.slice(1)).join("") + (route.path.endsWith("*") ? "Path" : "");
}

/** The alternatives of credentials a route accepts (none for a public route). */
function securityOf(route: Route): Record<string, string[]>[] {
  const roles = route.access === "public" ? route.optionalAuth ?? [] : route.access;
  const ways: Record<string, string[]>[] = route.access === "public" && roles.length > 0 ? [{}] : [];
  if (roles.some((r) => r === "admin" || r === "support" || r === "client")) ways.push({ Session: [] });
  if (roles.includes("client")) ways.push({ ApiKey: [] });
  if (roles.includes("worker")) ways.push({ WorkerBearer: [], WorkerId: [] });
  return ways;
}

/** The statuses a route can answer with the error envelope: implied by its declaration, plus those it names. */
export function errorStatusesOf(route: Route): number[] {
  const statuses = new Set<number>([422, ...route.errors]);
  if (route.access !== "public" || route.optionalAuth) { statuses.add(401); statuses.add(403); }
  // A path parameter may name something the caller cannot see (a body naming one declares its 404).
  if (route.schemas.params) statuses.add(404);
  if (route.schemas.body) { statuses.add(400); statuses.add(413); statuses.add(415); }
  for (const s of route.alsoAnswers) statuses.delete(s);
  return [...statuses].sort((a, b) => a - b);
}

/** Each property of an object schema as an OpenAPI parameter. */
function parametersOf(schema: v.GenericSchema | undefined, where: "path" | "query"): JsonSchema[] {
  if (!schema) return [];
  const json = jsonSchemaOf(schema, "input");
  // A free-form query (the dashboard's own filters): one exploded object parameter, as OpenAPI writes it.
  if (where === "query" && !json.properties && json.additionalProperties) {
    return [{ name: "filters", in: "query", required: false, style: "form", explode: true, description: "Any parameters; the page reads them.", schema: json }];
  }
  const properties = (json.properties ?? {}) as Record<string, JsonSchema>;
  const required = new Set((json.required ?? []) as string[]);
  return Object.entries(properties).map(([name, property]) => {
    const { description, ...rest } = property;
    return {
      name, in: where, required: where === "path" || required.has(name),
      ...(typeof description === "string" ? { description } : {}),
      schema: rest,
    };
  });
}

/** The service's own one-route paths share a group, so the reference does not list four groups of one. */
const SERVICE_PATHS = new Set(["health", "help", "openapi.json", "capabilities", "pipeline-health"]);

function tagOf(path: string): string {
  const first = path.split("/").filter(Boolean)[0] ?? "service";
  return SERVICE_PATHS.has(first) ? "service" : first;
}

function summaryLine(text: string): string {
  const sentence = text.split(/(?<=[.:;])\s/)[0] ?? text;
  return sentence.length <= 120 ? sentence.replace(/[.:;]$/, "") : `${sentence.slice(0, 117)}…`;
}

/** JSON Schema with references to the named models, as OpenAPI places them (`#/components/schemas/<Name>`). */
function asComponents<T>(value: T): T {
  return JSON.parse(JSON.stringify(value).replaceAll('"#/$defs/', '"#/components/schemas/')) as T;
}

/** An answer's schema, referring to the named models it is or contains. */
function answerSchema(schema: v.GenericSchema, config: ConversionConfig): JsonSchema {
  const { $schema: _s, $defs: _d, ...json } = toJsonSchema(schema, config) as JsonSchema;
  return asComponents(json);
}

const RETRY_AFTER = { "Retry-After": { description: "Seconds to wait before trying again.", schema: { type: "integer", minimum: 0 } } };
const REQUEST_ID = { "X-Request-Id": { description: "This request's id (the caller's own, when it sent a well-formed one).", schema: { type: "string" } } };

function operationOf(route: Route, config: ConversionConfig): JsonSchema {
  const responses: Record<string, JsonSchema> = {};
  const location = route.headers.location ? { Location: { description: "Where the created object is read: its path.", schema: { type: "string" } } } : {};
  if (isRaw(route.response)) {
    responses[String(route.response.status)] = route.response.status === 101
      ? { description: route.response.description }
      : { description: route.response.description, content: { [route.response.contentType]: { schema: { type: "string", contentMediaType: route.response.contentType } } } };
  } else {
    const content = { "application/json": { schema: answerSchema(route.response, config) } };
    responses[String(route.status)] = { description: route.status === 201 ? "Created." : route.status === 202 ? "Accepted: started, and running." : "Success.", headers: { ...REQUEST_ID, ...location }, content };
    for (const status of route.alsoAnswers) {
      responses[String(status)] = { description: ERROR_TEXT[status] ?? "The same body, with this status.", headers: { ...REQUEST_ID, ...(status === 429 || status === 503 ? RETRY_AFTER : {}) }, content };
    }
  }
  for (const status of errorStatusesOf(route)) {
    responses[String(status)] = {
      description: ERROR_TEXT[status] ?? "Error.",
      headers: { ...REQUEST_ID, ...(status === 429 || status === 503 ? RETRY_AFTER : {}) },
      content: { "application/json": { schema: { $ref: "#/components/schemas/ErrorEnvelope" } } },
    };
  }
  const operation: JsonSchema = {
    operationId: operationId(route),
    summary: summaryLine(route.summary),
    description: route.summary,
    tags: [tagOf(route.path)],
    security: securityOf(route),
    responses,
  };
  const parameters = [...parametersOf(route.schemas.params, "path"), ...parametersOf(route.schemas.query, "query")];
  // The dashboard's catch-all: the rest of the path is one parameter.
  if (route.path.endsWith("*")) parameters.push({ name: "path", in: "path", required: true, schema: { type: "string" } });
  if (route.headers.idempotencyKey) {
    parameters.push({
      name: "Idempotency-Key", in: "header", required: false,
      description: "Makes a retried call act once: the same key answers the first call's result. 8 to 128 letters, digits, '.', '_', ':' or '-'.",
      schema: { type: "string", minLength: 8, maxLength: 128 },
    });
  }
  if (parameters.length > 0) operation.parameters = parameters;
  if (route.schemas.body) {
    operation.requestBody = {
      required: !v.safeParse(route.schemas.body, undefined).success,
      content: { "application/json": { schema: jsonSchemaOf(route.schemas.body, "input") } },
    };
  }
  return operation;
}

/** The whole document for these routes, served from `server` ("/": the origin the document was read from). */
export function buildOpenApi(routes: readonly Route[], version: string, server: string): JsonSchema {
  const models = namedModels();
  const config: ConversionConfig = { errorMode: "ignore", typeMode: "output", target: "draft-2020-12", definitions: models };
  const paths: Record<string, Record<string, JsonSchema>> = {};
  for (const route of routes) {
    const path = openApiPath(route.path);
    (paths[path] ??= {})[route.method.toLowerCase()] = operationOf(route, config);
  }
  // Only the models some answer refers to (directly or through another model).
  const all = asComponents(toJsonSchemaDefs(models, config)) as Record<string, JsonSchema>;
  const used = new Set<string>();
  const visit = (value: unknown) => {
    for (const [, name] of JSON.stringify(value).matchAll(/"#\/components\/schemas\/([^"]+)"/g)) {
      if (!used.has(name!) && all[name!]) { used.add(name!); visit(all[name!]); }
    }
  };
  visit(paths);
  const schemas = Object.fromEntries([...used].sort().map((name) => [name, all[name]!]));
  return {
    openapi: "3.1.0",
    info: {
      title: "AI Factory API",
      version,
      description: "Research reports and generated content from pipeline templates, run by an actor runtime on Cloudflare Durable Objects. "
        + "Errors share one envelope; money is USD in `*_usd`/`cost` fields and integer micro-USD in `*_micros`. "
        + "Live progress: WebSockets at /parties/{party}/{name} (see the README's WebSocket protocol). Generated from the router's route declarations.",
    },
    servers: [{ url: server }],
    tags: [...new Set(routes.map((r) => tagOf(r.path)))].map((name) => ({ name })),
    paths,
    components: {
      securitySchemes: SECURITY_SCHEMES,
      schemas: { ErrorEnvelope: jsonSchemaOf(ErrorEnvelopeSchema, "output"), ...schemas },
    },
  };
}
