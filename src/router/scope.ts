import { clientScope, type Principal } from "../auth";
import { getClient } from "../catalog/clients";
import type { Tier } from "../catalog/tiers";
import { AppError, notFound } from "../lib/errors";

/**
 * The client a call acts for. Client callers act for their own client and may omit client_id
 * or name it; naming another answers 404 like any object they cannot see. Staff and workers
 * must name one.
 */
export function actingClient(principal: Principal, given: string | undefined): string {
  const scope = clientScope(principal);
  if (scope === null) {
    if (!given) throw new AppError("validation_failed", "body.client_id: is required for staff and worker callers");
    return given;
  }
  if (given !== undefined && given !== scope) throw notFound("client", given);
  return scope;
}

/**
 * The acting client's record (see `actingClient`), refused unless it is active or on trial:
 * `purpose` completes "only active clients may ...".
 */
export async function activeActingClient(db: D1Database, principal: Principal, given: string | undefined, purpose: string) {
  const clientId = actingClient(principal, given);
  const client = await getClient(db, clientId);
  if (!client) throw notFound("client", clientId);
  if (client.account_status !== "active" && client.account_status !== "trial") {
    throw new AppError("forbidden", `client '${clientId}' is ${client.account_status}; only active clients may ${purpose}`);
  }
  return client;
}

/** The tier whose view a caller gets: a client its own; staff all (null) or the one asked for. */
export async function viewTier(env: Env, principal: Principal, asked?: Tier): Promise<Tier | null> {
  const scope = clientScope(principal);
  if (scope === null) return asked ?? null;
  const client = await getClient(env.DB, scope);
  if (!client) throw notFound("client", scope);
  return client.subscription_tier;
}
