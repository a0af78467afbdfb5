import * as v from "valibot";
import type { CallerRole, Principal } from "../auth";
import { json } from "./respond";
import { parseInput } from "../lib/validate";

/** HTTP methods a route may answer. */
export type HttpMethod = "GET" | "POST" | "PUT" | "DELETE";

/** Who may call a route: nobody needs to authenticate, or one of the listed roles. */
export type Access = "public" | readonly CallerRole[];

type Schema = v.GenericSchema | undefined;
type Out<S> = S extends v.GenericSchema ? v.InferOutput<S> : undefined;

/** A success answer that is not JSON (a download, a WebSocket upgrade, a page): its media type, as the OpenAPI document lists it. */
export interface RawResponse { kind: "raw"; contentType: string; description: string; status: number }

/** Declares a route whose handler answers a Response of its own (status 101 for a WebSocket upgrade). */
export function rawResponse(contentType: string, description: string, status = 200): RawResponse {
  return { kind: "raw", contentType, description, status };
}

/** What a route declares it answers on success: a valibot schema for JSON, or a raw body. */
export type ResponseDecl = v.GenericSchema | RawResponse;

/** True for a raw answer's declaration (valibot schemas have `kind: "schema"`). */
export function isRaw(declared: ResponseDecl): declared is RawResponse {
  return declared.kind === "raw";
}

const REPLY = Symbol("reply");

/** A JSON answer with a status other than the route's (a 503 health report) or headers (Location). */
export interface Reply<T> { [REPLY]: true; body: T; status: number | undefined; headers: Record<string, string> }

/** Answers `body` (checked against the route's response schema) with this status and these headers. */
export function reply<T>(body: T, options: { status?: number; headers?: Record<string, string> } = {}): Reply<T> {
  return { [REPLY]: true, body, status: options.status, headers: options.headers ?? {} };
}

function isReply(value: unknown): value is Reply<unknown> {
  return typeof value === "object" && value !== null && REPLY in value;
}

/** What a handler may return: data of the response schema (or a reply carrying it); a Response only when the route is raw. */
type Answer<R> = R extends v.GenericSchema ? v.InferInput<R> | Reply<v.InferInput<R>> : Response;

/** Headers a route reads or sets beyond the common ones (credentials, X-Request-Id, Retry-After). */
export interface RouteHeaders { idempotencyKey?: boolean; location?: boolean }

/** The HTTP status of each error code a route can answer, by name, for the OpenAPI document. */
export type ErrorStatus = 400 | 401 | 402 | 403 | 404 | 405 | 409 | 413 | 415 | 422 | 426 | 429 | 503;

/** What every handler receives, besides its validated inputs. */
export interface BaseInput {
  env: Env;
  ctx: ExecutionContext;
  request: Request;
  requestId: string;
  /** Request time in ms since the epoch; handlers never call Date.now() themselves. */
  now: number;
}

/** What a handler receives: validated and typed params, query and body, and the caller. */
export interface HandlerInput<A extends Access, P, Q, B> extends BaseInput {
  principal: A extends "public" ? Principal | null : Principal;
  params: Out<P>;
  query: Out<Q>;
  body: Out<B>;
}

/** One HTTP route as written: method, path, roles admitted, a valibot schema per input part, handler. */
export interface RouteDef<A extends Access, P extends Schema, Q extends Schema, B extends Schema, R extends ResponseDecl> {
  method: HttpMethod;
  /** itty-router path: `/requests/:id`. */
  path: string;
  summary: string;
  access: A;
  params?: P;
  query?: Q;
  body?: B;
  /**
   * The success answer: a valibot schema (its input type is what the handler returns; outside
   * production every answer is checked against it, and a mismatch is a 500 bug) or rawResponse().
   */
  response: R;
  /** The success status of a JSON answer: 200 unless declared (201 created, 202 accepted). */
  status?: 200 | 201 | 202;
  /** Statuses whose body is also the response schema (the health report's 503, a worker's failure answers). */
  alsoAnswers?: readonly number[];
  /**
   * Error statuses this route answers beyond what its declaration implies (401 and 403 for an
   * authenticated route, 422 for input, 404 for a path parameter, 400/413/415 for a body).
   */
  errors?: readonly ErrorStatus[];
  /** Headers the route reads or sets, for the OpenAPI document: an `Idempotency-Key` it honours, a `Location` it answers with. */
  headers?: RouteHeaders;
  /** Returns data (sent as JSON with `status`), a reply(), or (raw routes) a Response. */
  handler: (input: HandlerInput<A, P, Q, B>) => Promise<Answer<R>> | Answer<R>;
}

/** The unvalidated request parts the router hands to a route. */
export interface RawInput extends BaseInput {
  principal: Principal | null;
  params: Record<string, string>;
  query: Record<string, string | string[] | undefined>;
  /**
   * Reads and parses the JSON body (with the size cap); undefined when there is none, which the
   * route's schema accepts or refuses. Called only for routes with a body schema.
   */
  readBody: () => Promise<unknown>;
}

/**
 * A declared route with its types consumed: `run` validates each part against its schema (422
 * naming the field on failure) and calls the handler. The router registers it with itty-router,
 * and `/help` documents it from the same object.
 */
export interface Route {
  method: HttpMethod;
  path: string;
  summary: string;
  access: Access;
  schemas: { params?: v.GenericSchema; query?: v.GenericSchema; body?: v.GenericSchema };
  response: ResponseDecl;
  /**
   * A public route that authenticates the caller for part of its work (a worker's health check
   * that runs the worker when given a query): the roles it then admits. The OpenAPI document
   * lists no credentials and these as alternatives.
   */
  optionalAuth?: readonly CallerRole[];
  headers: RouteHeaders;
  status: number;
  alsoAnswers: readonly number[];
  errors: readonly ErrorStatus[];
  run: (raw: RawInput) => Promise<Response>;
}

/** The query of a route that declares none: any parameter is an unknown field. */
const NoQuery = v.strictObject({});

/** Declares a route; handler input types are inferred from the schemas. */
export function route<const A extends Access, R extends ResponseDecl, P extends Schema = undefined, Q extends Schema = undefined, B extends Schema = undefined>(
  def: RouteDef<A, P, Q, B, R>,
): Route {
  const status = def.status ?? 200;
  const schemas: Route["schemas"] = {};
  if (def.params) schemas.params = def.params;
  if (def.query) schemas.query = def.query;
  if (def.body) schemas.body = def.body;
  return {
    method: def.method,
    path: def.path,
    summary: def.summary,
    access: def.access,
    schemas,
    response: def.response,
    headers: def.headers ?? {},
    status,
    alsoAnswers: def.alsoAnswers ?? [],
    errors: def.errors ?? [],
    async run(raw) {
      if (def.access !== "public" && raw.principal === null) throw new Error(`route ${def.path} ran without a principal`);
      const params = (def.params ? parseInput("params", def.params, raw.params) : undefined) as Out<P>;
      const query = (def.query ? parseInput("query", def.query, raw.query) : void parseInput("query", NoQuery, raw.query)) as Out<Q>;
      const body = (def.body ? parseInput("body", def.body, await raw.readBody()) : undefined) as Out<B>;
      const principal = raw.principal as HandlerInput<A, P, Q, B>["principal"];
      // Awaited here, not returned: a handler that throws before its first await would otherwise
      // leave a rejected promise without a handler for a tick, which workerd reports as unhandled.
      const answer: unknown = await def.handler({
        env: raw.env, ctx: raw.ctx, request: raw.request, requestId: raw.requestId, now: raw.now,
        principal, params, query, body,
      });
      return answerOf(def.method, def.path, def.response, status, answer, raw.env);
    },
  };
}

/** A route's answer as a Response, its JSON checked against the declared schema outside production. */
function answerOf(method: string, path: string, declared: ResponseDecl, status: number, answer: unknown, env: Env): Response {
  if (answer instanceof Response) {
    if (!isRaw(declared)) throw new Error(`route ${method} ${path} declares a JSON response but answered a raw Response`);
    return answer;
  }
  if (isRaw(declared)) throw new Error(`route ${method} ${path} declares a raw response but answered data`);
  const { body, status: replied, headers } = isReply(answer) ? answer : { body: answer, status: undefined, headers: {} };
  if (env.ENVIRONMENT !== "production") checkResponse(method, path, declared, body);
  return json(body, replied ?? status, headers);
}

/**
 * Outside production, an answer that does not match its route's response schema is a bug: it is
 * thrown (a 500 with the mismatch in the log) instead of drifting from the OpenAPI document.
 */
function checkResponse(method: string, path: string, schema: v.GenericSchema, body: unknown): void {
  const result = v.safeParse(schema, body);
  if (result.success) return;
  const issues = result.issues.slice(0, 5).map((i) => `${v.getDotPath(i) ?? "(root)"}: ${i.message}`);
  throw new Error(`response of ${method} ${path} does not match its schema: ${issues.join("; ")}`);
}
