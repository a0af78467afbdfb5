import * as v from "valibot";

/** The user roles (staff: admin, support; and client users). */
export const RoleSchema = v.picklist(["admin", "support", "client"]);

/** A signed-in session as `POST /auth/validate` describes it. */
export const SessionViewSchema = v.object({
  session_id: v.string(), user_id: v.string(), email: v.string(), role: RoleSchema, client_id: v.nullable(v.string()),
  full_name: v.nullable(v.string()), created_at: v.string(), expires_at: v.string(),
});
export type SessionView = v.InferOutput<typeof SessionViewSchema>;

/** `POST /auth/login`'s answer: the token (sent back as x-bitware-session-token) and the user. */
export const LoginResponseSchema = v.object({
  success: v.literal(true), session_token: v.string(), session_id: v.string(), expires_at: v.string(),
  user: v.object({ user_id: v.string(), email: v.string(), role: RoleSchema, client_id: v.nullable(v.string()), full_name: v.nullable(v.string()) }),
});
export type LoginResponse = v.InferOutput<typeof LoginResponseSchema>;

/** `POST /auth/validate`'s answer. */
export const ValidateResponseSchema = v.object({ valid: v.literal(true), session: SessionViewSchema });
export type ValidateResponse = v.InferOutput<typeof ValidateResponseSchema>;

/** `POST /auth/logout`: the session that ended. */
export const LogoutResponseSchema = v.object({ success: v.literal(true), session_id: v.string() });

/** `GET /auth/me`: who the credential sent is, for any kind of caller (never a secret). */
export const WhoAmISchema = v.object({
  kind: v.picklist(["session", "api_key", "worker"]),
  role: v.picklist(["admin", "support", "client", "worker"]),
  client_id: v.nullable(v.string()),
  user_id: v.optional(v.string()), email: v.optional(v.string()), session_id: v.optional(v.string()),
  key_id: v.optional(v.string()), key_prefix: v.optional(v.string()),
  worker_id: v.optional(v.string()),
});
export type WhoAmI = v.InferOutput<typeof WhoAmISchema>;
