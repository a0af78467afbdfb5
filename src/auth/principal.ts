/**
 * Who is calling. Every authenticated route receives one; client principals are confined to
 * their own client's records by `clientScope`.
 */
export const Roles = ["admin", "support", "client"] as const;
/** A user's role, as stored in `users.role`. */
export type Role = (typeof Roles)[number];
/** A role a route may admit: the user roles plus `worker` for worker-to-worker calls. */
export type CallerRole = Role | "worker";

/** The authenticated caller. */
export type Principal =
  | { kind: "session"; role: Role; userId: string; email: string; clientId: string | null; sessionId: string }
  | { kind: "api_key"; role: "client"; clientId: string; keyId: string; keyPrefix: string }
  | { kind: "worker"; role: "worker"; workerId: string };

/**
 * The client whose records the caller may see: its own for client principals, `null` (all) for
 * staff and workers. Every lookup of client-owned rows goes through this.
 */
export function clientScope(principal: Principal): string | null {
  return principal.role === "client" ? principal.clientId : null;
}

/** True when the caller may read or change records of `clientId`. */
export function canAccessClient(principal: Principal, clientId: string): boolean {
  const scope = clientScope(principal);
  return scope === null || scope === clientId;
}

/** A short, secret-free description of the caller for logs and `created_by` columns. */
export function describePrincipal(principal: Principal): string {
  switch (principal.kind) {
    case "session": return `user:${principal.userId}`;
    case "api_key": return `api_key:${principal.keyId}`;
    case "worker": return `worker:${principal.workerId}`;
  }
}
