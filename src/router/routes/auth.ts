import * as v from "valibot";
import { LoginResponseSchema, LogoutResponseSchema, ValidateResponseSchema, WhoAmISchema } from "../../contracts/auth";
import {
  accountScope, addressScope, AuthHeaders, createSession, findSession, LoginThrottle, revokeSession, verifyPassword, type Role,
} from "../../auth";
import { AppError } from "../../lib/errors";
import { route, type Route } from "../define";

const Email = v.pipe(v.string(), v.trim(), v.toLowerCase(), v.maxLength(254, "must be at most 254 characters"), v.email("must be an email address"));

const LoginBody = v.strictObject({
  email: Email,
  password: v.pipe(v.string(), v.minLength(1, "must not be empty"), v.maxLength(1024, "must be at most 1024 characters")),
});

const ValidateBody = v.optional(v.strictObject({
  sessionToken: v.optional(v.pipe(v.string(), v.minLength(1, "must not be empty"), v.maxLength(200, "must be at most 200 characters"))),
}));

interface LoginUser {
  user_id: string; email: string; password_hash: string; role: Role; client_id: string | null; full_name: string | null;
  client_status: string | null;
}

/** The client address as the platform reports it. */
function clientAddress(request: Request): string {
  return request.headers.get("CF-Connecting-IP") ?? "unknown";
}

/** `POST /auth/login`, `/auth/validate`, `GET /auth/me`, `POST /auth/logout`. */
export const authRoutes: Route[] = [
  route({
    method: "POST", path: "/auth/login", access: "public", body: LoginBody,
    summary: "Email and password to a session token (x-bitware-session-token). Failed attempts are throttled per address (5 free in 15 minutes, then doubling locks up to 15 minutes) and per account (10 free, locks of at most 30 s, not applied to an address that signed in to the account in the last 30 days).",
    response: LoginResponseSchema, errors: [401, 403, 429],
    handler: async ({ env, request, now, body }) => {
      const throttle = new LoginThrottle(env.DB);
      const account = accountScope(body.email);
      const address = addressScope(clientAddress(request));
      // Claimed before the password is checked, so parallel guesses cannot all slip through. An
      // address that signed in to this account before is held only by its own limit.
      const trusted = await throttle.trusted(account, address, now);
      const claim = await throttle.claim(trusted ? [address] : [account, address], now);
      if (!claim.allowed) {
        const seconds = Math.ceil(claim.retryAfterMs / 1000);
        throw new AppError("rate_limited", `too many failed logins; try again in ${seconds} s`, { retry_after_seconds: seconds }, { "Retry-After": String(seconds) });
      }
      const user = await env.DB.prepare(
        `SELECT u.user_id, u.email, u.password_hash, u.role, u.client_id, u.full_name, c.account_status AS client_status
         FROM users u LEFT JOIN clients c USING (client_id) WHERE u.email = ? AND u.status = 'active'`,
      ).bind(body.email).first<LoginUser>();
      if (!(await verifyPassword(body.password, user?.password_hash ?? null)) || !user) {
        throw new AppError("unauthorized", "email or password is incorrect");
      }
      await throttle.succeeded(account, address, now);
      if (user.client_id !== null && user.client_status !== "active" && user.client_status !== "trial") {
        throw new AppError("forbidden", `client account is ${user.client_status ?? "missing"}; ask support to reactivate it`);
      }
      const ttl = Number(env.SESSION_TTL_SECONDS) > 0 ? Number(env.SESSION_TTL_SECONDS) : 43_200;
      const session = await createSession(env.DB, user.user_id, ttl, now, { ip: clientAddress(request), userAgent: request.headers.get("User-Agent") });
      return {
        success: true as const,
        session_token: session.token,
        session_id: session.sessionId,
        expires_at: session.expiresAt,
        user: { user_id: user.user_id, email: user.email, role: user.role, client_id: user.client_id, full_name: user.full_name },
      };
    },
  }),
  route({
    method: "POST", path: "/auth/validate", access: "public", body: ValidateBody,
    summary: "Checks a session token (body sessionToken, or the x-bitware-session-token header): 200 with the session, 401 when invalid, expired or logged out.",
    response: ValidateResponseSchema, errors: [401],
    handler: async ({ env, request, now, body }) => {
      const token = body?.sessionToken ?? request.headers.get(AuthHeaders.session);
      if (!token) throw new AppError("validation_failed", "body.sessionToken: is required (or send the x-bitware-session-token header)");
      const session = await findSession(env.DB, token, now);
      if (!session) throw new AppError("unauthorized", "session token is invalid, expired or logged out");
      return { valid: true as const, session };
    },
  }),
  route({
    method: "GET", path: "/auth/me", access: ["admin", "support", "client", "worker"],
    summary: "Who the credential sent is (a session, an API key or a worker), its role and client; never a secret.",
    response: WhoAmISchema,
    handler: ({ principal }) => {
      switch (principal.kind) {
        case "session": return { kind: "session" as const, role: principal.role, client_id: principal.clientId, user_id: principal.userId, email: principal.email, session_id: principal.sessionId };
        case "api_key": return { kind: "api_key" as const, role: principal.role, client_id: principal.clientId, key_id: principal.keyId, key_prefix: principal.keyPrefix };
        case "worker": return { kind: "worker" as const, role: principal.role, client_id: null, worker_id: principal.workerId };
      }
    },
  }),
  route({
    method: "POST", path: "/auth/logout", access: ["admin", "support", "client"],
    summary: "Revokes the calling session; the token stops working at once.",
    response: LogoutResponseSchema,
    handler: async ({ env, now, principal }) => {
      if (principal.kind !== "session") throw new AppError("forbidden", "logout needs the x-bitware-session-token of the session to end");
      await revokeSession(env.DB, principal.sessionId, now);
      return { success: true as const, session_id: principal.sessionId };
    },
  }),
];
