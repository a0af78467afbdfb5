import { randomAlphanumeric, sha256Hex } from "../lib/crypto";
import type { SessionView } from "../contracts/auth";
import { isoTime, newId } from "../lib/ids";
import type { Principal } from "./principal";

/**
 * Dashboard sessions: an opaque bearer token (`x-bitware-session-token`) of 256 random bits.
 * Only its SHA-256 is stored, so a leaked table cannot be replayed; lookup by that hash is
 * equality on a digest of a high-entropy secret, which leaks nothing useful through timing.
 */
export type { SessionView } from "../contracts/auth";

/** Starts a session for a user; returns the token (shown once) and the session. */
export async function createSession(
  db: D1Database, userId: string, ttlSeconds: number, now: number, meta: { ip: string | null; userAgent: string | null },
): Promise<{ token: string; sessionId: string; expiresAt: string }> {
  const token = `ses_${randomAlphanumeric(256)}`;
  const sessionId = newId("sid");
  const expiresAt = isoTime(now + ttlSeconds * 1000);
  await db.batch([
    db.prepare(
      `INSERT INTO sessions (session_id, token_hash, user_id, created_at, expires_at, last_seen_at, ip_address, user_agent)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    ).bind(sessionId, await sha256Hex(token), userId, isoTime(now), expiresAt, isoTime(now), meta.ip, meta.userAgent?.slice(0, 300) ?? null),
    db.prepare(`UPDATE users SET last_login_at = ? WHERE user_id = ?`).bind(isoTime(now), userId),
  ]);
  return { token, sessionId, expiresAt };
}

/**
 * The live session behind a token: not expired, not revoked, user active, and for a client user
 * the client active (or on trial). Null otherwise.
 */
export async function findSession(db: D1Database, token: string, now: number): Promise<SessionView | null> {
  return await liveSession(db, "s.token_hash", await sha256Hex(token), now);
}

/** The session with this id while it is live (a live ticket's issuer, checked again when the ticket is used). */
export async function findSessionById(db: D1Database, sessionId: string, now: number): Promise<SessionView | null> {
  return await liveSession(db, "s.session_id", sessionId, now);
}

/** A session that still authenticates: not revoked or expired, its user active, its client active or on trial. */
async function liveSession(db: D1Database, by: "s.token_hash" | "s.session_id", value: string, now: number): Promise<SessionView | null> {
  return await db.prepare(
    `SELECT s.session_id, s.user_id, u.email, u.role, u.client_id, u.full_name, s.created_at, s.expires_at
     FROM sessions s JOIN users u USING (user_id) LEFT JOIN clients c ON c.client_id = u.client_id
     WHERE ${by} = ? AND s.revoked_at IS NULL AND s.expires_at > ? AND u.status = 'active'
       AND (u.client_id IS NULL OR c.account_status IN ('active', 'trial'))`,
  ).bind(value, isoTime(now)).first<SessionView>();
}

/** The principal for a live session. */
export function sessionPrincipal(session: SessionView): Principal {
  return {
    kind: "session", role: session.role, userId: session.user_id, email: session.email,
    clientId: session.client_id, sessionId: session.session_id,
  };
}

/** Revokes a session; true when it was live. */
export async function revokeSession(db: D1Database, sessionId: string, now: number): Promise<boolean> {
  const result = await db.prepare(`UPDATE sessions SET revoked_at = ? WHERE session_id = ? AND revoked_at IS NULL`)
    .bind(isoTime(now), sessionId).run();
  return result.meta.changes > 0;
}
