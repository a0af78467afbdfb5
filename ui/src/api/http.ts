/**
 * The dashboard's HTTP client: JSON in and out, the session token in its header (never in a URL),
 * and every failure as an ApiError carrying the API's own code, message and details.
 */
import type { ErrorEnvelope } from "../../../src/contracts/errors";

const SESSION_HEADER = "x-bitware-session-token";
const TOKEN_KEY = "aif.session";

/** An answer other than 2xx, or no answer at all (status 0). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: unknown = undefined,
  ) {
    super(message);
    this.name = "ApiError";
  }

  /** The 422 details by the field they name: `{ "body.parameters.topic": "must not be empty" }`. */
  fieldErrors(): Record<string, string> {
    const out: Record<string, string> = {};
    const issues = (this.details as { issues?: unknown } | undefined)?.issues;
    if (Array.isArray(issues)) {
      for (const issue of issues as { field?: string; message?: string }[]) {
        if (issue.field && issue.message && !(issue.field in out)) out[issue.field] = issue.message;
      }
    }
    return out;
  }
}

let token: string | null = localStorage.getItem(TOKEN_KEY);
const listeners = new Set<() => void>();

/** The stored session token (null: signed out). */
export function sessionToken(): string | null {
  return token;
}

/** Stores (or clears) the session token and tells every listener. */
export function setSessionToken(next: string | null): void {
  token = next;
  if (next === null) localStorage.removeItem(TOKEN_KEY);
  else localStorage.setItem(TOKEN_KEY, next);
  for (const listener of listeners) listener();
}

/** Runs `listener` whenever the session token changes; returns the unsubscribe. */
export function onSessionChange(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

type Method = "GET" | "POST" | "PUT" | "DELETE";

/** One API call; resolves to the parsed JSON answer, rejects with an ApiError. */
export async function request<T>(method: Method, path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
  const headers: Record<string, string> = { Accept: "application/json" };
  if (token) headers[SESSION_HEADER] = token;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  let response: Response;
  try {
    response = await fetch(path, { method, headers, body: body === undefined ? null : JSON.stringify(body), signal: signal ?? null });
  } catch (error) {
    if (signal?.aborted) throw error;
    throw new ApiError(0, "network_error", "the server could not be reached; check your connection and try again");
  }
  const text = await response.text();
  let data: unknown = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  if (!response.ok) {
    // An envelope is expected; a proxy's page or an empty body still gives an ApiError.
    const error = (data as Partial<ErrorEnvelope> | null)?.error;
    if (response.status === 401 && token && !path.startsWith("/auth/")) setSessionToken(null);
    throw new ApiError(response.status, error?.code ?? "http_error", error?.message ?? `the server answered ${response.status}`, error?.details);
  }
  return data as T;
}

export const api = {
  get: <T>(path: string, signal?: AbortSignal) => request<T>("GET", path, undefined, signal),
  post: <T>(path: string, body?: unknown) => request<T>("POST", path, body ?? {}),
  put: <T>(path: string, body: unknown) => request<T>("PUT", path, body),
  delete: <T>(path: string) => request<T>("DELETE", path),
};

/** A query string from the defined, non-empty values. */
export function query(params: Record<string, string | number | undefined | null>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value !== undefined && value !== null && value !== "") search.set(key, String(value));
  const text = search.toString();
  return text ? `?${text}` : "";
}
