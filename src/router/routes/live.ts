import { routePartykitRequest } from "partyserver";
import * as v from "valibot";
import { authenticate, AuthHeaders, clientScope, describePrincipal, issueLiveTicket, LIVE_TICKET_TTL_MS, redeemLiveTicket, type Principal } from "../../auth";
import { AppError, notFound } from "../../lib/errors";
import { IssuedTicketSchema, Parties, TicketBody } from "../../contracts/live";
import { rawResponse, route, type Route } from "../define";
import { IdString } from "../schemas";
import { visibleRequest } from "./requests";

export { Parties };

/**
 * The caller of a WebSocket upgrade. Browsers cannot set headers on a WebSocket, so they send a
 * single-use `ticket` (POST /live/tickets) for this subscription; programs send the usual auth
 * headers. No long-lived credential is taken from a URL, where proxies and logs keep it.
 */
async function connectingPrincipal(request: Request, ticket: string | undefined, env: Env, now: number, subscription: { party: (typeof Parties)[number]; name: string }): Promise<Principal> {
  if (ticket !== undefined) return await redeemLiveTicket(env.DB, ticket, subscription, now);
  return await authenticate(request.headers, env, now);
}

/** A credential put in the URL: refused, saying where it goes instead. */
const NotInUrl = v.optional(v.custom<never>(() => false, "credentials never go in a URL: send the x-bitware-session-token or X-API-Key header, or (from a browser) a ticket from POST /live/tickets"));

/** Refuses a subscription the caller may not have: another client's objects are 404, pools are staff only. */
async function authorise(env: Env, principal: Principal, party: (typeof Parties)[number], name: string): Promise<void> {
  const scope = clientScope(principal);
  switch (party) {
    case "pipeline-actor": {
      const owner = await env.PipelineActor.getByName(name).owner();
      if (owner === null || (scope !== null && owner !== scope)) throw notFound("pipeline", name);
      return;
    }
    case "client-ledger": {
      // Another client's ledger is refused before any lookup.
      if (scope !== null && name !== scope) throw notFound("client", name);
      const client = await env.DB.prepare(`SELECT 1 FROM clients WHERE client_id = ?`).bind(name).first();
      if (!client) throw notFound("client", name);
      return;
    }
    case "resource-pool": {
      if (principal.role !== "admin" && principal.role !== "support") throw new AppError("forbidden", "pool progress is for admin and support");
      const worker = await env.DB.prepare(`SELECT 1 FROM worker_registry WHERE worker_name = ?`).bind(name).first();
      if (!worker) throw notFound("worker", name);
      return;
    }
  }
}

const LiveQuery = v.strictObject({
  since: v.optional(v.pipe(v.string(), v.regex(/^\d{1,15}$/, "must be a sequence number"))),
  ticket: v.optional(v.pipe(v.string(), v.maxLength(200))),
  token: NotInUrl,
  api_key: NotInUrl,
  snapshot: v.optional(v.picklist(["1"], "must be 1 (a snapshot after the replayed events, and after every ledger or pool change)")),
  // partysocket's connection id (partyserver uses it as the connection's id).
  _pk: v.optional(v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{1,64}$/, "must be a connection id"))),
});

/** Live progress: a WebSocket to a pipeline, a client's ledger or a worker's pool; and to a request's pipeline. */
export const liveRoutes: Route[] = [
  route({
    method: "POST", path: "/live/tickets", access: ["admin", "support", "client"], body: TicketBody,
    summary: `A single-use ticket for one live subscription (party and actor name), valid for ${LIVE_TICKET_TTL_MS / 1000} s: open /parties/<party>/<name>?ticket=<ticket> with it, so no long-lived credential goes in a URL. The caller must be allowed that subscription (another client's pipeline or ledger answers 404; pools are for staff).`,
    response: IssuedTicketSchema, status: 201, errors: [404],
    handler: async ({ env, principal, body, now }) => {
      await authorise(env, principal, body.party, body.name);
      return await issueLiveTicket(env.DB, principal, body, now);
    },
  }),
  route({
    method: "GET", path: "/parties/:party/:name", access: "public",
    params: v.strictObject({ party: v.picklist(Parties, `must be one of ${Parties.join(", ")}`), name: IdString }),
    query: LiveQuery,
    summary: "WebSocket of an actor's events (snapshot on connect, then live; ?since=<seq> replays what was missed; &snapshot=1 adds a snapshot after the replay, and after every ledger or pool change). Auth: ?ticket= from POST /live/tickets (browsers), or the auth headers (programs); a session token or API key in the URL is refused (422).",
    response: rawResponse("application/json", "Switching Protocols: a WebSocket of JSON messages (see the WebSocket protocol).", 101),
    errors: [401, 403, 426],
    handler: async ({ env, request, params, query, now }) => {
      const principal = await connectingPrincipal(request, query.ticket, env, now, params);
      // Again for a ticket: the caller as they are now must still be allowed this subscription.
      await authorise(env, principal, params.party, params.name);
      return await connect(env, request, principal, params.party, params.name);
    },
  }),
  route({
    method: "GET", path: "/requests/:id/live", access: "public",
    params: v.strictObject({ id: IdString }), query: LiveQuery,
    summary: "WebSocket of a request's pipeline (the pipeline-actor party's events: snapshot with queue position and ETA, step progress, queue_position, the result). Another client's request, or one not executed yet, answers 404.",
    response: rawResponse("application/json", "Switching Protocols: a WebSocket of JSON messages (see the WebSocket protocol).", 101),
    errors: [400, 401, 403, 426],
    handler: async ({ env, request, params, query, now }) => {
      if (query.ticket !== undefined) throw new AppError("bad_request", "query.ticket: tickets name an actor; connect to /parties/pipeline-actor/<pipeline_id> with it");
      const principal = await authenticate(request.headers, env, now);
      const { orchestrator_pipeline_id: pipelineId } = await visibleRequest(env.DB, principal, params.id);
      if (!pipelineId) throw notFound("pipeline of request", params.id);
      await authorise(env, principal, "pipeline-actor", pipelineId);
      // Forwarded as the pipeline's party URL, so partyserver routes it to that actor.
      const url = new URL(request.url);
      url.pathname = `/parties/pipeline-actor/${pipelineId}`;
      return await connect(env, new Request(url, request), principal, "pipeline-actor", pipelineId);
    },
  }),
];

/** Hands an authorised upgrade to the actor's party; credentials never reach the actor (the connection URL is stored with the socket). */
async function connect(env: Env, request: Request, principal: Principal, party: string, name: string): Promise<Response> {
  if (request.headers.get("Upgrade")?.toLowerCase() !== "websocket") {
    throw new AppError("upgrade_required", "this endpoint speaks WebSocket: send 'Upgrade: websocket'");
  }
  const url = new URL(request.url);
  url.searchParams.delete("ticket");
  const forwarded = new Request(url, request);
  forwarded.headers.delete(AuthHeaders.session);
  forwarded.headers.delete(AuthHeaders.apiKey);
  forwarded.headers.set("X-AIF-Subscriber", describePrincipal(principal));
  // The actor's name, for an actor that lost it (partyserver reads this header when ctx.id.name is missing).
  forwarded.headers.set("x-partykit-room", name);
  const response = await routePartykitRequest(forwarded, env);
  if (!response) throw notFound("party", `${party}/${name}`);
  return response;
}
