/** CORS headers per seed 003 (section 5.1), plus Idempotency-Key sent, and the request id and Location read, by browsers. */
export const corsHeaders: Record<string, string> = {
  "Access-Control-Allow-Origin": "*",
  "Access-Control-Allow-Methods": "GET, POST, PUT, DELETE, OPTIONS",
  "Access-Control-Allow-Headers": "Content-Type, X-API-Key, Authorization, X-Worker-ID, x-bitware-session-token, X-Request-Id, Idempotency-Key",
  "Access-Control-Expose-Headers": "X-Request-Id, Retry-After, Allow, Location",
  "Access-Control-Max-Age": "86400",
};
