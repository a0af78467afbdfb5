import { constantTimeEqual } from "../lib/crypto";
import type { Principal } from "./principal";

/** What `X-Worker-ID` may hold: the caller's worker name. */
export const WORKER_ID_PATTERN = /^[a-z][a-z0-9_-]{1,63}$/;

/**
 * Worker-to-worker auth: `Authorization: Bearer <shared secret>` plus `X-Worker-ID`. The secret is
 * compared in constant time; an unset or short secret admits nobody.
 */
export async function authenticateWorker(sharedSecret: string | undefined, bearer: string, workerId: string): Promise<Principal | null> {
  if (!sharedSecret || sharedSecret.length < 16) return null;
  if (!(await constantTimeEqual(bearer, sharedSecret))) return null;
  if (!WORKER_ID_PATTERN.test(workerId)) return null;
  return { kind: "worker", role: "worker", workerId };
}
