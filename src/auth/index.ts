/** Authentication for the three kinds of caller: client API keys, worker secret, sessions. */
export { authenticate, AuthHeaders } from "./authenticate";
export { apiKeyPrefix, createApiKey, listApiKeys, revokeApiKey, insertApiKey, mintApiKey, type ApiKeyView } from "./api-keys";
export { hashPassword, verifyPassword, PBKDF2_ITERATIONS } from "./password";
export { canAccessClient, clientScope, describePrincipal, Roles, type CallerRole, type Principal, type Role } from "./principal";
export { createSession, findSession, revokeSession, sessionPrincipal, type SessionView } from "./sessions";
export { accountScope, addressScope, LoginThrottle } from "./throttle";
export { issueLiveTicket, redeemLiveTicket, LIVE_TICKET_TTL_MS } from "./live-tickets";
