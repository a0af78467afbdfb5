import * as v from "valibot";
import { canAccessClient, createApiKey, describePrincipal, listApiKeys, revokeApiKey, type Principal } from "../../auth";
import { ClientStatuses, getClient, listClients } from "../../catalog/clients";
import { Tiers } from "../../catalog/tiers";
import { AppError, notFound } from "../../lib/errors";
import { route, type Route } from "../define";
import { json } from "../respond";
import { IdString, PageQuery, Text } from "../schemas";

const ClientParams = v.strictObject({ id: IdString });
const KeyParams = v.strictObject({ id: IdString, keyId: IdString });

/** The client if the caller may see it; 404 otherwise, whether it exists or not. */
async function visibleClient(db: D1Database, principal: Principal, clientId: string) {
  const client = canAccessClient(principal, clientId) ? await getClient(db, clientId) : null;
  if (!client) throw notFound("client", clientId);
  return client;
}

/**
 * Key management needs a person: an admin, or a signed-in user of the client. An API key cannot
 * mint or revoke keys, so one leaked key cannot entrench itself.
 */
function requireKeyManager(principal: Principal): void {
  if (principal.kind !== "session" || (principal.role !== "admin" && principal.role !== "client")) {
    throw new AppError("forbidden", "API keys are managed by an admin or a signed-in user of the client (session token)");
  }
}

/** Client records and their API keys. */
export const clientRoutes: Route[] = [
  route({
    method: "GET", path: "/clients", access: ["admin", "support"],
    query: v.strictObject({ tier: v.optional(v.picklist(Tiers)), status: v.optional(v.picklist(ClientStatuses)), ...PageQuery }),
    summary: "All clients, newest first, filtered by tier and status (staff only).",
    handler: async ({ env, query }) => {
      const page = await listClients(env.DB, query);
      return { ...page, limit: query.limit, offset: query.offset };
    },
  }),
  route({
    method: "GET", path: "/client/:id", access: ["admin", "support", "client", "worker"], params: ClientParams,
    summary: "One client. A client caller sees only its own record; any other id answers 404.",
    handler: async ({ env, principal, params }) => ({ client: await visibleClient(env.DB, principal, params.id) }),
  }),
  route({
    method: "GET", path: "/client/:id/api-keys", access: ["admin", "support", "client"], params: ClientParams,
    summary: "The client's API keys by prefix (never the secret), newest first.",
    handler: async ({ env, principal, params }) => {
      await visibleClient(env.DB, principal, params.id);
      return { api_keys: await listApiKeys(env.DB, params.id) };
    },
  }),
  route({
    method: "POST", path: "/client/:id/api-keys", access: ["admin", "client"], params: ClientParams,
    body: v.strictObject({ name: Text(1, 100) }),
    summary: "Creates an API key; the key is in this response only and cannot be shown again.",
    handler: async ({ env, principal, params, body, now }) => {
      requireKeyManager(principal);
      await visibleClient(env.DB, principal, params.id);
      const created = await createApiKey(env.DB, params.id, body.name, principal.kind === "session" ? principal.userId : null, now);
      return json({ ...created, warning: "store api_key now: it is not kept and cannot be shown again", created_by: describePrincipal(principal) }, 201);
    },
  }),
  route({
    method: "DELETE", path: "/client/:id/api-keys/:keyId", access: ["admin", "client"], params: KeyParams,
    summary: "Revokes an API key; it stops working at once.",
    handler: async ({ env, principal, params, now }) => {
      requireKeyManager(principal);
      await visibleClient(env.DB, principal, params.id);
      const key = await revokeApiKey(env.DB, params.id, params.keyId, now);
      if (!key) throw notFound("API key", params.keyId);
      return { api_key: key };
    },
  }),
];
