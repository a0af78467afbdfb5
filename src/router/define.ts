import * as v from "valibot";
import type { CallerRole, Principal } from "../auth";
import { parseInput } from "./validate";

/** HTTP methods a route may answer. */
export type HttpMethod = "GET" | "POST" | "PUT" | "DELETE";

/** Who may call a route: nobody needs to authenticate, or one of the listed roles. */
export type Access = "public" | readonly CallerRole[];

type Schema = v.GenericSchema | undefined;
type Out<S> = S extends v.GenericSchema ? v.InferOutput<S> : undefined;

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
export interface RouteDef<A extends Access, P extends Schema, Q extends Schema, B extends Schema> {
  method: HttpMethod;
  /** itty-router path: `/requests/:id`. */
  path: string;
  summary: string;
  access: A;
  params?: P;
  query?: Q;
  body?: B;
  /** Returns data (sent as 200 JSON) or a Response. */
  handler: (input: HandlerInput<A, P, Q, B>) => Promise<unknown> | unknown;
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
  run: (raw: RawInput) => Promise<unknown>;
}

/** The query of a route that declares none: any parameter is an unknown field. */
const NoQuery = v.strictObject({});

/** Declares a route; handler input types are inferred from the schemas. */
export function route<const A extends Access, P extends Schema = undefined, Q extends Schema = undefined, B extends Schema = undefined>(
  def: RouteDef<A, P, Q, B>,
): Route {
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
    async run(raw) {
      if (def.access !== "public" && raw.principal === null) throw new Error(`route ${def.path} ran without a principal`);
      const params = (def.params ? parseInput("params", def.params, raw.params) : undefined) as Out<P>;
      const query = (def.query ? parseInput("query", def.query, raw.query) : void parseInput("query", NoQuery, raw.query)) as Out<Q>;
      const body = (def.body ? parseInput("body", def.body, await raw.readBody()) : undefined) as Out<B>;
      const principal = raw.principal as HandlerInput<A, P, Q, B>["principal"];
      // Awaited here, not returned: a handler that throws before its first await would otherwise
      // leave a rejected promise without a handler for a tick, which workerd reports as unhandled.
      return await def.handler({
        env: raw.env, ctx: raw.ctx, request: raw.request, requestId: raw.requestId, now: raw.now,
        principal, params, query, body,
      });
    },
  };
}
