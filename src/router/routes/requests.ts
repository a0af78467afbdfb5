import * as v from "valibot";
import { clientScope, describePrincipal } from "../../auth";
import { createRequest, getRequest, listRequests, RequestStatuses, RequestTypes } from "../../catalog/requests";
import { Urgencies } from "../../catalog/tiers";
import { notFound } from "../../lib/errors";
import { route, type Route } from "../define";
import { json } from "../respond";
import { IdString, PageQuery, QueryTimestamp, Text } from "../schemas";
import { activeActingClient } from "../scope";

/** The seed's RequestCreationPayload. */
const CreateRequestBody = v.strictObject({
  client_id: v.optional(IdString),
  request_type: v.picklist(RequestTypes, `must be one of ${RequestTypes.join(", ")}`),
  message: Text(3, 10_000, { multiline: true }),
  urgency_level: v.optional(v.picklist(Urgencies, `must be one of ${Urgencies.join(", ")}`), "medium"),
  communication_id: v.optional(Text(1, 200)),
});

/** Client requests (seed phase 1): create, list, read; always scoped to the caller's client. */
export const requestRoutes: Route[] = [
  route({
    method: "POST", path: "/requests", access: ["admin", "support", "client", "worker"], body: CreateRequestBody,
    summary: "Creates a request (seed RequestCreationPayload). The client must exist and be active.",
    handler: async ({ env, principal, body, now }) => {
      const { client_id: clientId } = await activeActingClient(env.DB, principal, body.client_id, "make requests");
      const request = await createRequest(env.DB, {
        clientId, requestType: body.request_type, message: body.message, urgency: body.urgency_level,
        communicationId: body.communication_id ?? null, createdBy: describePrincipal(principal),
      }, now);
      return json({ success: true, request_id: request.request_id, message: "request created", request }, 201);
    },
  }),
  route({
    method: "GET", path: "/requests", access: ["admin", "support", "client", "worker"],
    query: v.strictObject({
      status: v.optional(v.picklist(RequestStatuses)),
      client_id: v.optional(IdString),
      template: v.optional(IdString),
      since: v.optional(QueryTimestamp),
      until: v.optional(QueryTimestamp),
      ...PageQuery,
    }),
    summary: "Requests, newest first, filtered by status, client, template and creation time; a client sees only its own.",
    handler: async ({ env, principal, query }) => {
      const page = await listRequests(env.DB, {
        scope: clientScope(principal), clientId: query.client_id, status: query.status, template: query.template,
        since: query.since, until: query.until, limit: query.limit, offset: query.offset,
      });
      return { ...page, limit: query.limit, offset: query.offset };
    },
  }),
  route({
    method: "GET", path: "/requests/:id", access: ["admin", "support", "client", "worker"], params: v.strictObject({ id: IdString }),
    summary: "One request. Another client's request answers 404.",
    handler: async ({ env, principal, params }) => {
      const request = await getRequest(env.DB, params.id, clientScope(principal));
      if (!request) throw notFound("request", params.id);
      return { request };
    },
  }),
];
