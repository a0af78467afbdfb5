import { constantTimeEqualHex, randomAlphanumeric, sha256Hex } from "../lib/crypto";
import { newId, isoTime } from "../lib/ids";
import type { Principal } from "./principal";

/**
 * Client API keys: `aif_<prefix>_<secret>`. The 10-character prefix is readable, stored in the
 * clear and used to find the row; the secret carries 190 random bits. Only the SHA-256 of the
 * whole key is stored, compared in constant time. Keys are revocable and their last use is kept.
 */
const KEY_PATTERN = /^aif_([0-9a-zA-Z]{10})_([0-9a-zA-Z]{32})$/;

/** A freshly minted key: `key` is shown to its owner once and never stored. */
export interface MintedApiKey { key: string; prefix: string; hash: string }

/** Makes a new random key. */
export async function mintApiKey(): Promise<MintedApiKey> {
  const prefix = randomAlphanumeric(59);
  const key = `aif_${prefix}_${randomAlphanumeric(190)}`;
  return { key, prefix, hash: await sha256Hex(key) };
}

/** The prefix of a well-formed key, or null. */
export function apiKeyPrefix(key: string): string | null {
  return KEY_PATTERN.exec(key)?.[1] ?? null;
}

/** Public fields of a stored key (never the hash). */
export interface ApiKeyView {
  key_id: string; client_id: string; name: string; key_prefix: string;
  created_at: string; last_used_at: string | null; revoked_at: string | null;
}

interface ApiKeyRow extends ApiKeyView { key_hash: string; client_status: string }

/**
 * Resolves an API key to a client principal, or null when it is malformed, unknown, revoked, or
 * its client is not active. Records the use (at most once a minute, to keep writes off the hot path).
 */
export async function authenticateApiKey(db: D1Database, key: string, now: number): Promise<Principal | null> {
  const prefix = apiKeyPrefix(key);
  const hash = await sha256Hex(key);
  const row = prefix === null ? null : await db.prepare(
    `SELECT k.*, c.account_status AS client_status FROM api_keys k JOIN clients c USING (client_id) WHERE k.key_prefix = ?`,
  ).bind(prefix).first<ApiKeyRow>();
  // Compare even when no row was found so timing does not tell a known prefix from an unknown one.
  const same = constantTimeEqualHex(hash, row?.key_hash ?? "0".repeat(64));
  if (!row || !same || row.revoked_at !== null || !["active", "trial"].includes(row.client_status)) return null;
  if (row.last_used_at === null || Date.parse(row.last_used_at) < now - 60_000) {
    await db.prepare(`UPDATE api_keys SET last_used_at = ? WHERE key_id = ?`).bind(isoTime(now), row.key_id).run();
  }
  return { kind: "api_key", role: "client", clientId: row.client_id, keyId: row.key_id, keyPrefix: row.key_prefix };
}

/** The principal of the key with this id while it would still authenticate (not revoked, its client active or on trial). */
export async function apiKeyPrincipalById(db: D1Database, keyId: string): Promise<Principal | null> {
  const row = await db.prepare(
    `SELECT k.key_id, k.client_id, k.key_prefix FROM api_keys k JOIN clients c USING (client_id)
     WHERE k.key_id = ? AND k.revoked_at IS NULL AND c.account_status IN ('active', 'trial')`,
  ).bind(keyId).first<{ key_id: string; client_id: string; key_prefix: string }>();
  return row ? { kind: "api_key", role: "client", clientId: row.client_id, keyId: row.key_id, keyPrefix: row.key_prefix } : null;
}

/** Creates a key for a client and returns it with the plaintext key, which is not kept. */
export async function createApiKey(
  db: D1Database, clientId: string, name: string, createdBy: string | null, now: number,
): Promise<ApiKeyView & { api_key: string }> {
  const minted = await mintApiKey();
  const view: ApiKeyView = {
    key_id: newId("key"), client_id: clientId, name, key_prefix: minted.prefix,
    created_at: isoTime(now), last_used_at: null, revoked_at: null,
  };
  await insertApiKey(db, view, minted.hash, createdBy);
  return { ...view, api_key: minted.key };
}

/** Inserts a key row (ignored if the key id exists, which keeps the demo seed idempotent). */
export async function insertApiKey(db: D1Database, view: ApiKeyView, hash: string, createdBy: string | null): Promise<void> {
  await db.prepare(
    `INSERT INTO api_keys (key_id, client_id, name, key_prefix, key_hash, created_by, created_at)
     VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (key_id) DO NOTHING`,
  ).bind(view.key_id, view.client_id, view.name, view.key_prefix, hash, createdBy, view.created_at).run();
}

/** Keys of a client, newest first, without hashes. */
export async function listApiKeys(db: D1Database, clientId: string): Promise<ApiKeyView[]> {
  const { results } = await db.prepare(
    `SELECT key_id, client_id, name, key_prefix, created_at, last_used_at, revoked_at
     FROM api_keys WHERE client_id = ? ORDER BY created_at DESC`,
  ).bind(clientId).all<ApiKeyView>();
  return results;
}

/** Revokes a key of a client; null when the client has no such key. Revoking twice keeps the first time. */
export async function revokeApiKey(db: D1Database, clientId: string, keyId: string, now: number): Promise<ApiKeyView | null> {
  return db.prepare(
    `UPDATE api_keys SET revoked_at = coalesce(revoked_at, ?) WHERE key_id = ? AND client_id = ?
     RETURNING key_id, client_id, name, key_prefix, created_at, last_used_at, revoked_at`,
  ).bind(isoTime(now), keyId, clientId).first<ApiKeyView>();
}
