import { randomAlphanumeric, sha256Hex } from "../lib/crypto";
import type { IssuedTicket } from "../contracts/live";
import { AppError } from "../lib/errors";
import { apiKeyPrincipalById } from "./api-keys";
import type { Principal } from "./principal";
import { findSessionById, sessionPrincipal } from "./sessions";

/** How long a live ticket may wait to be used. */
export const LIVE_TICKET_TTL_MS = 60_000;

/** The prefix every ticket carries, so one pasted in the wrong place is recognisable. */
const PREFIX = "lt_";

/** One subscription: an actor's party and name. */
export type Subscription = Pick<IssuedTicket, "party" | "name">;

/**
 * Issues a single-use ticket for one subscription, valid for a minute. Call only after the
 * caller was authorised for that subscription; redeeming it stands in for that check.
 */
export async function issueLiveTicket(db: D1Database, principal: Principal, subscription: Subscription, now: number): Promise<IssuedTicket> {
  const ticket = `${PREFIX}${randomAlphanumeric(192)}`;
  const expiresAt = now + LIVE_TICKET_TTL_MS;
  await db.batch([
    db.prepare(`DELETE FROM live_tickets WHERE expires_at <= ?`).bind(now),
    db.prepare(`INSERT INTO live_tickets (ticket_hash, party, name, principal, expires_at) VALUES (?, ?, ?, ?, ?)`)
      .bind(await sha256Hex(ticket), subscription.party, subscription.name, JSON.stringify(holderOf(principal)), expiresAt),
  ]);
  return { ticket, expires_at: expiresAt, ...subscription };
}

/**
 * Redeems a ticket for the subscription it names: the caller it was issued to, as they are now
 * (the caller must still be authorised for it: the router checks again). Used, expired, unknown,
 * issued for another subscription, or its credential gone: 401, and a used ticket stays used.
 */
export async function redeemLiveTicket(db: D1Database, ticket: string, subscription: Subscription, now: number): Promise<Principal> {
  if (!ticket.startsWith(PREFIX)) throw new AppError("unauthorized", "ticket: not a live ticket; get one from POST /live/tickets");
  const row = await db.prepare(`DELETE FROM live_tickets WHERE ticket_hash = ? RETURNING party, name, principal, expires_at`)
    .bind(await sha256Hex(ticket))
    .first<{ party: string; name: string; principal: string; expires_at: number }>();
  if (!row || row.expires_at <= now) throw new AppError("unauthorized", "ticket: expired or already used; get a new one from POST /live/tickets");
  if (row.party !== subscription.party || row.name !== subscription.name) {
    throw new AppError("unauthorized", "ticket: issued for another subscription; ask for one for this actor");
  }
  // Whoever it was issued to, as they are now: a session logged out, a key revoked or a client
  // suspended in the ticket's minute opens nothing, and a changed role counts as changed.
  const principal = await currentPrincipal(db, JSON.parse(row.principal) as TicketHolder, now);
  if (!principal) throw new AppError("unauthorized", "ticket: the session or key it was issued to is no longer valid; sign in again");
  return principal;
}

/** What a ticket row keeps of its caller: the credential's id, never a role or a client. */
type TicketHolder = { kind: "session"; sessionId: string } | { kind: "api_key"; keyId: string };

function holderOf(principal: Principal): TicketHolder {
  switch (principal.kind) {
    case "session": return { kind: "session", sessionId: principal.sessionId };
    case "api_key": return { kind: "api_key", keyId: principal.keyId };
    case "worker": throw new AppError("forbidden", "live tickets are for people signed in to the dashboard; workers send their headers");
  }
}

/** The principal a ticket's credential gives now, looked up as authentication does; null when it no longer authenticates. */
async function currentPrincipal(db: D1Database, holder: TicketHolder, now: number): Promise<Principal | null> {
  if (holder.kind === "api_key") return await apiKeyPrincipalById(db, holder.keyId);
  const session = await findSessionById(db, holder.sessionId, now);
  return session ? sessionPrincipal(session) : null;
}
