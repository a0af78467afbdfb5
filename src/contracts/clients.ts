import * as v from "valibot";
import { Micros } from "./money";
import { Tiers } from "../catalog/tiers";

/** The answers of the client-management routes (`/clients`, `/client/:id…`), as the server returns them. */

/** Client account statuses (only active and trial clients may make requests or use keys). */
export const ClientStatuses = ["trial", "active", "suspended", "cancelled"] as const;
export const ClientStatusSchema = v.picklist(ClientStatuses);
/** The company sizes a client record may name. */
export const CompanySizes = ["1-10", "11-50", "51-200", "201-1000", "1000+"] as const;
export const CompanySizeSchema = v.picklist(CompanySizes);

/** A client as the API shows it: money in USD, micro-USD alongside. */
export const ClientViewSchema = v.object({
  client_id: v.string(), company_name: v.string(), contact_email: v.string(), contact_name: v.nullable(v.string()),
  phone: v.nullable(v.string()), website: v.nullable(v.string()), industry: v.nullable(v.string()), company_size: v.nullable(v.string()),
  subscription_tier: v.picklist(Tiers), account_status: ClientStatusSchema,
  monthly_budget_usd: v.number(), used_budget_current_month_usd: v.number(),
  monthly_budget_micros: Micros, used_budget_current_month_micros: Micros, budget_period: v.nullable(v.string()),
  address: v.nullable(v.record(v.string(), v.optional(v.string()))),
  created_at: v.string(), updated_at: v.string(),
});
export type ClientView = v.InferOutput<typeof ClientViewSchema>;

/** `GET /clients`: a page of clients, newest first. */
export const ClientListSchema = v.object({ clients: v.array(ClientViewSchema), total: v.number(), limit: v.number(), offset: v.number() });
export type ClientList = v.InferOutput<typeof ClientListSchema>;

/** `GET /client/:id`. */
export const ClientAnswerSchema = v.object({ client: ClientViewSchema });
export type ClientAnswer = v.InferOutput<typeof ClientAnswerSchema>;

/** `POST /clients` (201) and `PUT /client`: the record as stored. */
export const ClientSavedSchema = v.object({ success: v.literal(true), client: ClientViewSchema });
export type ClientSaved = v.InferOutput<typeof ClientSavedSchema>;

/** `GET /client/:id/users`: never their password hashes. */
export const ClientUsersSchema = v.object({
  users: v.array(v.object({
    user_id: v.string(), email: v.string(), full_name: v.nullable(v.string()), role: v.string(), status: v.string(),
    last_login_at: v.nullable(v.string()), created_at: v.string(),
  })),
});
export type ClientUsers = v.InferOutput<typeof ClientUsersSchema>;

/** `POST /client/:id/users` (201). */
export const ClientUserCreatedSchema = v.object({
  success: v.literal(true),
  user: v.object({ user_id: v.string(), email: v.string(), full_name: v.string(), role: v.literal("client"), client_id: v.string() }),
});
export type ClientUserCreated = v.InferOutput<typeof ClientUserCreatedSchema>;

/** An API key by its prefix (the secret is never kept). */
export const ApiKeyViewSchema = v.object({
  key_id: v.string(), client_id: v.string(), name: v.string(), key_prefix: v.string(),
  created_at: v.string(), last_used_at: v.nullable(v.string()), revoked_at: v.nullable(v.string()),
});
export type ApiKeyView = v.InferOutput<typeof ApiKeyViewSchema>;

/** `GET /client/:id/api-keys`. */
export const ApiKeyListSchema = v.object({ api_keys: v.array(ApiKeyViewSchema) });
export type ApiKeyList = v.InferOutput<typeof ApiKeyListSchema>;

/** `POST /client/:id/api-keys` (201): the key itself, shown this once. */
export const ApiKeyCreatedSchema = v.object({ ...ApiKeyViewSchema.entries, api_key: v.string(), warning: v.string(), created_by: v.string() });
export type ApiKeyCreated = v.InferOutput<typeof ApiKeyCreatedSchema>;

/** `DELETE /client/:id/api-keys/:keyId`. */
export const ApiKeyRevokedSchema = v.object({ api_key: ApiKeyViewSchema });
export type ApiKeyRevoked = v.InferOutput<typeof ApiKeyRevokedSchema>;
