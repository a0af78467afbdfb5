import * as v from "valibot";
import { canAccessClient, createApiKey, describePrincipal, hashPassword, listApiKeys, revokeApiKey, type Principal } from "../../auth";
import { AddressSchema, ClientStatuses, CompanySizes, getClient, insertClient, listClients, updateClient, type ClientContactFields, type ClientTermsFields } from "../../catalog/clients";
import { Tiers } from "../../catalog/tiers";
import { AppError, notFound } from "../../lib/errors";
import { isoTime, newId } from "../../lib/ids";
import { usdToMicros } from "../../lib/money";
import { reply, route, type Route } from "../define";
import { actingClient } from "../scope";
import { IdString, PageQuery, Text } from "../schemas";
import { ApiKeyCreatedSchema, ApiKeyListSchema, ApiKeyRevokedSchema, ClientAnswerSchema, ClientListSchema, ClientSavedSchema, ClientUserCreatedSchema, ClientUsersSchema } from "../../contracts/clients";

const ClientParams = v.strictObject({ id: IdString });

const Email = v.pipe(v.string(), v.trim(), v.maxLength(254, "must be at most 254 characters"), v.email("must be an email address"));
const Url = v.pipe(v.string(), v.maxLength(2_048), v.regex(/^https?:\/\/[^\s]+$/, "must be an http or https URL"));
const Money = v.pipe(v.number(), v.minValue(0, "must be at least 0"), v.maxValue(10_000_000, "must be at most 10000000 (USD)"));
/** What a client's own users may change on its record. */
const ContactFields = {
  company_name: v.optional(Text(1, 200)),
  contact_email: v.optional(Email),
  contact_name: v.optional(v.nullable(Text(1, 200))),
  phone: v.optional(v.nullable(v.pipe(v.string(), v.regex(/^\+?[0-9 ()./-]{4,30}$/, "must be a phone number")))),
  website: v.optional(v.nullable(Url)),
  industry: v.optional(v.nullable(Text(1, 100))),
  company_size: v.optional(v.nullable(v.picklist(CompanySizes, `must be one of ${CompanySizes.join(", ")}`))),
  address: v.optional(v.nullable(AddressSchema)),
};
/** What only staff may change: the commercial terms. */
const TermsFields = {
  subscription_tier: v.optional(v.picklist(Tiers, `must be one of ${Tiers.join(", ")}`)),
  account_status: v.optional(v.picklist(ClientStatuses, `must be one of ${ClientStatuses.join(", ")}`)),
  monthly_budget_usd: v.optional(Money),
};
const NewClientBody = v.strictObject({
  ...ContactFields, company_name: Text(1, 200), contact_email: Email,
  subscription_tier: v.optional(TermsFields.subscription_tier.wrapped, "basic"),
  account_status: v.optional(v.picklist(["trial", "active"], "must be trial or active"), "active"),
  monthly_budget_usd: Money,
});
const UpdateClientBody = v.strictObject({ client_id: v.optional(IdString), ...ContactFields, ...TermsFields });
const NewUserBody = v.strictObject({
  email: Email, full_name: Text(1, 200),
  password: v.pipe(v.string(), v.minLength(12, "must be at least 12 characters"), v.maxLength(200, "must be at most 200 characters")),
});

/** Only these fields reach the UPDATE (the body's other keys never name a column). */
function contactChanges(b: v.InferOutput<typeof UpdateClientBody>): ClientContactFields {
  return { company_name: b.company_name, contact_email: b.contact_email, contact_name: b.contact_name, phone: b.phone, website: b.website,
    industry: b.industry, company_size: b.company_size, address: b.address };
}

/** A unique-constraint failure on the contact email, as a 409. */
function emailTaken(error: unknown, email: string | undefined): never {
  if (error instanceof Error && /UNIQUE constraint failed: (clients\.contact_email|users\.email)/.test(error.message)) {
    throw new AppError("conflict", `email '${email}' is already in use`);
  }
  throw error;
}
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

/** Client records, their users and their API keys. */
export const clientRoutes: Route[] = [
  route({
    method: "POST", path: "/clients", access: ["admin"], body: NewClientBody,
    summary: "Creates a client (admin): company, contact, tier, status (trial or active) and monthly budget in USD. 409 when the contact email is taken.",
    response: ClientSavedSchema, status: 201, errors: [409], headers: { location: true },
    handler: async ({ env, body, now }) => {
      let client;
      try {
        client = await insertClient(env.DB, newId("cl"), {
          ...contactChanges(body), company_name: body.company_name, contact_email: body.contact_email,
          subscription_tier: body.subscription_tier, account_status: body.account_status, monthly_budget_micros: usdToMicros(body.monthly_budget_usd),
        }, isoTime(now));
      } catch (error) {
        emailTaken(error, body.contact_email);
      }
      return reply({ success: true as const, client }, { headers: { Location: `/client/${client.client_id}` } });
    },
  }),
  route({
    method: "PUT", path: "/client", access: ["admin", "support", "client"], body: UpdateClientBody,
    summary: "Updates a client record (seed PUT /client). A client's users change their own contact details; tier, status and budget are for admins (403 otherwise). A new budget applies to the ledger at once.",
    response: ClientSavedSchema, errors: [404],
    handler: async ({ env, principal, body, now }) => {
      const clientId = actingClient(principal, body.client_id);
      const terms: ClientTermsFields = {
        subscription_tier: body.subscription_tier, account_status: body.account_status,
        monthly_budget_micros: body.monthly_budget_usd === undefined ? undefined : usdToMicros(body.monthly_budget_usd),
      };
      const changesTerms = Object.values(terms).some((x) => x !== undefined);
      if (changesTerms && !(principal.kind === "session" && principal.role === "admin")) {
        throw new AppError("forbidden", "subscription_tier, account_status and monthly_budget_usd are changed by an admin");
      }
      let client;
      try {
        client = await updateClient(env.DB, clientId, { ...contactChanges(body), ...terms }, isoTime(now));
      } catch (error) {
        emailTaken(error, body.contact_email);
      }
      if (!client) throw notFound("client", clientId);
      // The ledger holds the budget that counts (holds are checked against it).
      if (terms.monthly_budget_micros !== undefined) await env.ClientLedger.getByName(clientId).setBudget(terms.monthly_budget_micros);
      return { success: true as const, client };
    },
  }),
  route({
    method: "GET", path: "/client/:id/users", access: ["admin", "support", "client"], params: ClientParams,
    summary: "The client's users (never their password hashes).",
    response: ClientUsersSchema,
    handler: async ({ env, principal, params }) => {
      await visibleClient(env.DB, principal, params.id);
      const { results } = await env.DB.prepare(`SELECT user_id, email, full_name, role, status, last_login_at, created_at FROM users WHERE client_id = ? ORDER BY created_at`).bind(params.id).all<v.InferOutput<typeof ClientUsersSchema>["users"][number]>();
      return { users: results };
    },
  }),
  route({
    method: "POST", path: "/client/:id/users", access: ["admin", "client"], params: ClientParams, body: NewUserBody,
    summary: "Adds a user to a client (an admin, or a signed-in user of the client): they sign in with POST /auth/login. 409 when the email is taken.",
    response: ClientUserCreatedSchema, status: 201, errors: [409],
    handler: async ({ env, principal, params, body, now }) => {
      requireKeyManager(principal);
      await visibleClient(env.DB, principal, params.id);
      const userId = newId("usr");
      try {
        await env.DB.prepare(`INSERT INTO users (user_id, email, full_name, password_hash, role, client_id, created_at, updated_at) VALUES (?, ?, ?, ?, 'client', ?, ?, ?)`)
          .bind(userId, body.email, body.full_name, await hashPassword(body.password), params.id, isoTime(now), isoTime(now)).run();
      } catch (error) {
        emailTaken(error, body.email);
      }
      return { success: true as const, user: { user_id: userId, email: body.email, full_name: body.full_name, role: "client" as const, client_id: params.id } };
    },
  }),
  route({
    method: "GET", path: "/clients", access: ["admin", "support"],
    query: v.strictObject({ tier: v.optional(v.picklist(Tiers)), status: v.optional(v.picklist(ClientStatuses)), ...PageQuery }),
    summary: "All clients, newest first, filtered by tier and status (staff only).",
    response: ClientListSchema,
    handler: async ({ env, query }) => {
      const page = await listClients(env.DB, query);
      return { ...page, limit: query.limit, offset: query.offset };
    },
  }),
  route({
    method: "GET", path: "/client/:id", access: ["admin", "support", "client", "worker"], params: ClientParams,
    summary: "One client. A client caller sees only its own record; any other id answers 404.",
    response: ClientAnswerSchema,
    handler: async ({ env, principal, params }) => ({ client: await visibleClient(env.DB, principal, params.id) }),
  }),
  route({
    method: "GET", path: "/client/:id/api-keys", access: ["admin", "support", "client"], params: ClientParams,
    summary: "The client's API keys by prefix (never the secret), newest first.",
    response: ApiKeyListSchema,
    handler: async ({ env, principal, params }) => {
      await visibleClient(env.DB, principal, params.id);
      return { api_keys: await listApiKeys(env.DB, params.id) };
    },
  }),
  route({
    method: "POST", path: "/client/:id/api-keys", access: ["admin", "client"], params: ClientParams,
    body: v.strictObject({ name: Text(1, 100) }),
    summary: "Creates an API key; the key is in this response only and cannot be shown again.",
    response: ApiKeyCreatedSchema, status: 201,
    handler: async ({ env, principal, params, body, now }) => {
      requireKeyManager(principal);
      await visibleClient(env.DB, principal, params.id);
      const created = await createApiKey(env.DB, params.id, body.name, principal.kind === "session" ? principal.userId : null, now);
      return { ...created, warning: "store api_key now: it is not kept and cannot be shown again", created_by: describePrincipal(principal) };
    },
  }),
  route({
    method: "DELETE", path: "/client/:id/api-keys/:keyId", access: ["admin", "client"], params: KeyParams,
    summary: "Revokes an API key; it stops working at once.",
    response: ApiKeyRevokedSchema,
    handler: async ({ env, principal, params, now }) => {
      requireKeyManager(principal);
      await visibleClient(env.DB, principal, params.id);
      const key = await revokeApiKey(env.DB, params.id, params.keyId, now);
      if (!key) throw notFound("API key", params.keyId);
      return { api_key: key };
    },
  }),
];
