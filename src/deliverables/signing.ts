import { constantTimeEqualHex, sha256Hex, toHex } from "../lib/crypto";

/** How long a download URL is valid unless asked otherwise, and at most. */
export const DEFAULT_URL_TTL_SECONDS = 900;
export const MAX_URL_TTL_SECONDS = 86_400;

const encoder = new TextEncoder();

/** A signing key and its id (a digest prefix of the key: no configuration to keep in step). */
interface SigningKey { kid: string; secret: string }

/** The current key, then the previous one (URL_SIGNING_KEY_PREVIOUS) while keys rotate. */
async function signingKeys(env: Env): Promise<SigningKey[]> {
  const secrets = [env.URL_SIGNING_KEY, (env as { URL_SIGNING_KEY_PREVIOUS?: string }).URL_SIGNING_KEY_PREVIOUS].filter((s): s is string => typeof s === "string" && s.length >= 16);
  return Promise.all(secrets.map(async (secret) => ({ kid: (await sha256Hex(`kid:${secret}`)).slice(0, 8), secret })));
}

async function hmac(secret: string, message: string): Promise<string> {
  const key = await crypto.subtle.importKey("raw", encoder.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  return toHex(new Uint8Array(await crypto.subtle.sign("HMAC", key, encoder.encode(message))));
}

/**
 * What a signature covers: the deliverable, its client and the expiry (seconds since the epoch)
 * exactly as the URL writes it, so another spelling of the same number (a leading zero) does not
 * verify.
 */
const signed = (id: string, clientId: string, expires: string) => `deliverable:${id}:${clientId}:${expires}`;

/** A signed download path for a deliverable: `/deliverables/<id>/download?expires=…&kid=…&sig=…`. */
export async function signDownload(env: Env, id: string, clientId: string, now: number, ttlSeconds = DEFAULT_URL_TTL_SECONDS): Promise<{ path: string; expires_at: string }> {
  const [key] = await signingKeys(env);
  if (!key) throw new Error("URL_SIGNING_KEY is not set (at least 16 characters)");
  const expires = Math.floor(now / 1000) + Math.min(Math.max(1, ttlSeconds), MAX_URL_TTL_SECONDS);
  const sig = await hmac(key.secret, signed(id, clientId, String(expires)));
  return { path: `/deliverables/${encodeURIComponent(id)}/download?expires=${expires}&kid=${key.kid}&sig=${sig}`, expires_at: new Date(expires * 1000).toISOString() };
}

/**
 * Why a download URL is refused, or null when it is good: the signature over the exact `expires`
 * text is compared in constant time.
 */
export async function checkDownload(env: Env, id: string, clientId: string, q: { expires: string; kid: string; sig: string }, now: number): Promise<"expired" | "bad_signature" | null> {
  const key = (await signingKeys(env)).find((k) => k.kid === q.kid);
  if (!key || !/^[0-9a-f]{64}$/.test(q.sig)) return "bad_signature";
  const good = constantTimeEqualHex(await hmac(key.secret, signed(id, clientId, q.expires)), q.sig);
  if (!good) return "bad_signature";
  return Number(q.expires) * 1000 < now ? "expired" : null;
}
