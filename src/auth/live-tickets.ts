import { randomAlphanumeric, sha256Hex } from "../lib/crypto";
import type { IssuedTicket } from "../contracts/live";
import { AppError } from "../lib/errors";
import type { Principal } from "./principal";

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
      .bind(await sha256Hex(ticket), subscription.party, subscription.name, JSON.stringify(principal), expiresAt),
  ]);
  return { ticket, expires_at: expiresAt, ...subscription };
}

/**
 * Redeems a ticket for the subscription it names: the caller it was issued to. Used, expired,
 * unknown, or issued for another subscription: 401, and a used ticket stays used.
 */
export async function redeemLiveTicket(db: D1Database, ticket: string, subscription: Subscription, now: number): Promise<Principal> {
  if (!ticket.startsWith(PREFIX)) throw new AppError("unauthorized", "ticket: not a live ticket; get one from POST /live/tickets");
  const row = await db.prepare(`DELETE FROM live_tickets WHERE ticket_hash = ? RETURNING party, name, principal, expires_at`)
    .bind(await sha256Hex(ticket))
    .first<{ party: string; name: string; principal: string; expires_at: number }>();
  if (!row || row.expires_at <= now) throw new AppError("unauthorized", "ticket: expired or already used; get a new one from POST /live/tickets");
  if (row.party !== subscription.party || row.name !== subscription.name) {
    throw new AppError("unauthorized", `ticket: issued for ${row.party}/${row.name}, not this subscription`);
  }
  return JSON.parse(row.principal) as Principal;
}
