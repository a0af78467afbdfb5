import { AppError } from "../lib/errors";
import { authenticateApiKey } from "./api-keys";
import type { Principal } from "./principal";
import { findSession, sessionPrincipal } from "./sessions";
import { authenticateWorker } from "./worker-auth";

/** The headers of the three kinds of caller (seed 003, section 3). */
export const AuthHeaders = {
  apiKey: "X-API-Key",
  authorization: "Authorization",
  workerId: "X-Worker-ID",
  session: "x-bitware-session-token",
} as const;

/**
 * Resolves the caller from the request headers, in the seed's order: worker credentials, then a
 * session token, then an API key. Worker credentials are in play when `X-Worker-ID` or a Bearer
 * `Authorization` is sent (another scheme, such as a proxy's Basic, is not ours and is ignored).
 * Presented credentials that do not check out are refused (401) rather than skipped, and the
 * message never says which part was wrong beyond the kind.
 */
export async function authenticate(headers: Headers, env: Env, now: number): Promise<Principal> {
  const authorization = headers.get(AuthHeaders.authorization);
  const workerId = headers.get(AuthHeaders.workerId);
  const bearer = /^Bearer\s+(.+)$/i.exec(authorization ?? "")?.[1]?.trim();
  if (bearer !== undefined || workerId !== null) {
    if (!bearer) throw new AppError("unauthorized", "worker authentication needs 'Authorization: Bearer <shared secret>'");
    if (!workerId) throw new AppError("unauthorized", "worker authentication needs the 'X-Worker-ID' header naming the calling worker");
    const principal = await authenticateWorker(env.WORKER_SHARED_SECRET, bearer, workerId);
    if (!principal) throw new AppError("unauthorized", "worker credentials were not accepted");
    return principal;
  }
  const token = headers.get(AuthHeaders.session);
  if (token !== null) {
    const session = await findSession(env.DB, token, now);
    if (!session) throw new AppError("unauthorized", "session token is invalid, expired or logged out; log in again with POST /auth/login");
    return sessionPrincipal(session);
  }
  const apiKey = headers.get(AuthHeaders.apiKey);
  if (apiKey !== null) {
    const principal = await authenticateApiKey(env.DB, apiKey, now);
    if (!principal) throw new AppError("unauthorized", "API key is invalid or revoked");
    return principal;
  }
  throw new AppError("unauthorized",
    "authentication required: send 'X-API-Key', 'x-bitware-session-token', or 'Authorization: Bearer' with 'X-Worker-ID'");
}
