/** CORS headers per seed 003 (section 5.1), plus the request id exposed to browsers. */
export const corsHeaders: Record<string, string> = {
  "Access-Control-Allow-Origin": "*",
  "Access-Control-Allow-Methods": "GET, POST, PUT, DELETE, OPTIONS",
  "Access-Control-Allow-Headers": "Content-Type, X-API-Key, Authorization, X-Worker-ID, x-bitware-session-token, X-Request-Id",
  "Access-Control-Expose-Headers": "X-Request-Id, Retry-After, Allow",
  "Access-Control-Max-Age": "86400",
};
