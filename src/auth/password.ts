import { fromBase64Url, randomBytes, toBase64Url } from "../lib/crypto";

/**
 * Password hashing with PBKDF2-SHA256 through WebCrypto. Production Workers refuse more than
 * 100,000 iterations, so that is both the default and the ceiling; the count is stored in the
 * hash so it can be raised later without breaking old hashes.
 */
export const PBKDF2_ITERATIONS = 100_000;
const SALT_BYTES = 16;
const HASH_BYTES = 32;
const encoder = new TextEncoder();

async function derive(password: string, salt: Uint8Array, iterations: number): Promise<Uint8Array> {
  const key = await crypto.subtle.importKey("raw", encoder.encode(password), "PBKDF2", false, ["deriveBits"]);
  const bits = await crypto.subtle.deriveBits({ name: "PBKDF2", hash: "SHA-256", salt, iterations }, key, HASH_BYTES * 8);
  return new Uint8Array(bits);
}

/** Hashes a password with a fresh per-user salt: `pbkdf2-sha256$<iterations>$<salt>$<hash>`. */
export async function hashPassword(password: string, iterations = PBKDF2_ITERATIONS): Promise<string> {
  if (iterations < 1 || iterations > PBKDF2_ITERATIONS) throw new RangeError(`iterations must be 1..${PBKDF2_ITERATIONS}`);
  const salt = randomBytes(SALT_BYTES);
  const hash = await derive(password, salt, iterations);
  return `pbkdf2-sha256$${iterations}$${toBase64Url(salt)}$${toBase64Url(hash)}`;
}

/** A well-formed hash of no real password, verified against when the account does not exist. */
const DUMMY_HASH = `pbkdf2-sha256$${PBKDF2_ITERATIONS}$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA`;

/**
 * Checks a password against a stored hash in constant time. With `stored` null (no such user) it
 * still derives a hash, so response time does not reveal which emails have accounts.
 */
export async function verifyPassword(password: string, stored: string | null): Promise<boolean> {
  const parts = (stored ?? DUMMY_HASH).split("$");
  const iterations = Number(parts[1]);
  if (parts.length !== 4 || parts[0] !== "pbkdf2-sha256" || !Number.isInteger(iterations)
    || iterations < 1 || iterations > PBKDF2_ITERATIONS) {
    return false;
  }
  const salt = fromBase64Url(parts[2]!);
  const expected = fromBase64Url(parts[3]!);
  const actual = await derive(password, salt, iterations);
  const same = expected.length === actual.length && crypto.subtle.timingSafeEqual(expected, actual);
  return stored !== null && same;
}
