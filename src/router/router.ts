import { Router, type IRequest } from "itty-router";
import { authenticate, describePrincipal } from "../auth";
import { AppError } from "../lib/errors";
import { log } from "../lib/log";
import { corsHeaders } from "./cors";
import type { Route } from "./define";
import { errorResponse } from "./respond";
import { readJsonBody, tooLarge } from "./validate";

/** Per-request facts the stages share, kept on the request object itty passes along. */
type RoutedRequest = IRequest & { requestId?: string; startedAt?: number; caller?: string };
type Args = [Env, ExecutionContext];

const REQUEST_ID_PATTERN = /^[A-Za-z0-9._-]{8,64}$/;
const DEFAULT_MAX_BODY_BYTES = 1_048_576;

/** The body limit from config (`MAX_BODY_BYTES`), falling back to 1 MiB. */
function maxBodyBytes(env: Env): number {
  const n = Number(env.MAX_BODY_BYTES);
  return Number.isInteger(n) && n > 0 ? n : DEFAULT_MAX_BODY_BYTES;
}

/** before: a request id (the caller's X-Request-Id when well-formed) and the start time. */
function withRequestId(request: RoutedRequest): void {
  const given = request.headers.get("X-Request-Id");
  request.requestId = given && REQUEST_ID_PATTERN.test(given) ? given : crypto.randomUUID();
  request.startedAt = Date.now();
}

/** before: CORS preflight answers at once. */
function preflight(request: RoutedRequest): Response | undefined {
  return request.method === "OPTIONS" ? new Response(null, { status: 204 }) : undefined;
}

/** before: a declared Content-Length over the limit is refused before any routing or auth. */
function limitDeclaredBody(request: RoutedRequest, env: Env): void {
  const declared = Number(request.headers.get("Content-Length") ?? "0");
  if (declared > maxBodyBytes(env)) throw tooLarge(maxBodyBytes(env));
}

/** finally: CORS and the request id on every response, then one structured log line. */
function finish(response: Response | undefined, request: RoutedRequest): Response {
  const requestId = request.requestId ?? "unknown";
  const base = response ?? errorResponse(new Error("a route returned nothing"), requestId);
  // WebSocket upgrades keep their own response object.
  if (base.webSocket) return base;
  // HEAD is answered by the GET route, without the body.
  const out = new Response(request.method === "HEAD" ? null : base.body, base);
  for (const [name, value] of Object.entries(corsHeaders)) out.headers.set(name, value);
  out.headers.set("X-Request-Id", requestId);
  log(out.status >= 500 ? "error" : "info", "request", {
    request_id: requestId,
    method: request.method,
    path: new URL(request.url).pathname,
    route: request.route,
    status: out.status,
    duration_ms: Date.now() - (request.startedAt ?? Date.now()),
    caller: request.caller ?? null,
  });
  return out;
}

/**
 * The query string as a record; a repeated name becomes an array (which scalar schemas refuse).
 * Parsed here rather than taken from itty, which keeps only the last value when an earlier one is empty.
 */
function parseQuery(url: URL): Record<string, string | string[]> {
  const query: Record<string, string | string[]> = {};
  for (const [key, value] of url.searchParams) {
    const seen = query[key];
    query[key] = seen === undefined ? value : [...(Array.isArray(seen) ? seen : [seen]), value];
  }
  return query;
}

function decodeParams(params: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(params)) {
    try {
      out[key] = decodeURIComponent(value);
    } catch {
      throw new AppError("bad_request", `params.${key}: not a valid URL-encoded segment`);
    }
  }
  return out;
}

/** Authenticates and authorises the caller, then lets the route validate its input and run. */
async function dispatch(route: Route, request: RoutedRequest, env: Env, ctx: ExecutionContext): Promise<Response> {
  const now = Date.now();
  let principal = null;
  if (route.access !== "public") {
    principal = await authenticate(request.headers, env, now);
    request.caller = describePrincipal(principal);
    if (!route.access.includes(principal.role)) {
      throw new AppError("forbidden", `${route.method} ${route.path} is for ${route.access.join(" or ")}, not ${principal.role}`);
    }
  }
  return await route.run({
    env, ctx, request, requestId: request.requestId ?? "unknown", now, principal,
    params: decodeParams(request.params),
    query: parseQuery(new URL(request.url)),
    readBody: () => readJsonBody(request, maxBodyBytes(env)),
  });
}

/**
 * Builds the HTTP router: before (request id, preflight, body limit), the routes, a catch-all that
 * tells 404 from 405, catch (the error envelope) and finally (CORS, request id, log line).
 */
export function buildRouter(routes: readonly Route[]) {
  const router = Router<RoutedRequest, Args>({
    before: [withRequestId, preflight, limitDeclaredBody],
    catch: (error: unknown, request: RoutedRequest) => errorResponse(error, request.requestId ?? "unknown"),
    finally: [finish],
  });
  for (const route of routes) {
    const handle = (request: RoutedRequest, env: Env, ctx: ExecutionContext) => dispatch(route, request, env, ctx);
    const register = { GET: router.get, POST: router.post, PUT: router.put, DELETE: router.delete }[route.method];
    register(route.path, handle);
    if (route.method === "GET") router.head(route.path, handle);
  }
  router.all("*", (request: RoutedRequest) => {
    const { pathname } = new URL(request.url);
    const allowed = router.routes
      .filter(([method, pattern]) => method !== "ALL" && pattern.test(pathname))
      .map(([method]) => method);
    if (allowed.length > 0) {
      const allow = [...new Set(allowed), "OPTIONS"].join(", ");
      throw new AppError("method_not_allowed", `${request.method} is not allowed on ${pathname}; use ${allow}`, { allowed }, { Allow: allow });
    }
    throw new AppError("not_found", `no route for ${request.method} ${pathname}; GET /help lists every route`);
  });
  return router;
}
