/**
 * The API client: JSON in and out, the credential in its header (never in a URL), every answer
 * checked against the server's own schema (so a server that drifted from this CLI is named as
 * such), every failure an ApiError or CliError with a message for people.
 */
import * as v from "valibot";
import { ErrorEnvelopeSchema } from "../src/contracts/errors";
import { ApiError, CliError } from "./errors";
import { authHeaders, describeCredential, type Credential } from "./credentials";


type Method = "GET" | "POST" | "PUT" | "DELETE";
type Query = Record<string, string | number | boolean | undefined>;

/** How one call is made: its query, body, extra headers and time limit. */
export interface CallOptions {
  query?: Query;
  body?: unknown;
  headers?: Record<string, string>;
  /** How long to wait for the answer (a long poll adds its wait). */
  timeoutMs?: number;
}

const USER_AGENT = "aif-cli/0.1";
const DEFAULT_TIMEOUT_MS = 60_000;

/** The first few of a failed parse's issues, as `path: message`. */
export function issueSummary(issues: readonly v.BaseIssue<unknown>[]): string {
  return issues.slice(0, 3).map((issue) => {
    const where = v.getDotPath(issue);
    return where ? `${where}: ${issue.message}` : issue.message;
  }).join("; ");
}

/** Why a fetch never got an answer, for people. */
function unreachable(base: string, error: unknown): CliError {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  const why = cause?.code ?? cause?.message ?? (error as Error).name;
  if (why === "TimeoutError") return new CliError(`${base} did not answer in time`, "the server may be overloaded; try again");
  return new CliError(`cannot reach ${base} (${why})`, "is the server running? Start the local stack with 'npm start', or point --url or AIF_URL at the server");
}

/** One server, one credential. */
export class Api {
  constructor(readonly baseUrl: string, readonly credential: Credential) {}

  /** An absolute URL for a path (and query) on the server. */
  urlFor(pathname: string, query: Query = {}): URL {
    const url = new URL(`${this.baseUrl}${pathname}`);
    for (const [key, value] of Object.entries(query)) if (value !== undefined) url.searchParams.set(key, String(value));
    return url;
  }

  /** The headers every call sends. */
  headers(): Record<string, string> {
    return { Accept: "application/json", "User-Agent": USER_AGENT, ...authHeaders(this.credential) };
  }

  get<S extends v.GenericSchema>(schema: S, pathname: string, options: Omit<CallOptions, "body"> = {}) {
    return this.call(schema, "GET", pathname, options);
  }
  post<S extends v.GenericSchema>(schema: S, pathname: string, body?: unknown, options: CallOptions = {}) {
    return this.call(schema, "POST", pathname, { ...options, body });
  }
  put<S extends v.GenericSchema>(schema: S, pathname: string, body: unknown, options: CallOptions = {}) {
    return this.call(schema, "PUT", pathname, { ...options, body });
  }

  /** A call whose answer must match `schema`; a GET answered 503 with Retry-After is tried again (three times). */
  async call<S extends v.GenericSchema>(schema: S, method: Method, pathname: string, options: CallOptions = {}): Promise<v.InferOutput<S>> {
    for (let attempt = 1; ; attempt++) {
      try {
        const data = await this.send(method, pathname, options);
        const parsed = v.safeParse(schema, data);
        if (!parsed.success) {
          throw new CliError(
            `the server's answer to ${method} ${pathname} is not what this aif expects (${issueSummary(parsed.issues)})`,
            "the server and the CLI may be different versions; update the one that is behind",
          );
        }
        return parsed.output;
      } catch (error) {
        const retryAfter = error instanceof ApiError && error.status === 503 && method === "GET" ? (error.details as { retry_after?: number } | undefined) : undefined;
        if (retryAfter === undefined || attempt >= 3) throw error;
        await new Promise((r) => setTimeout(r, 2_000 * attempt));
      }
    }
  }

  /** Sends a request; resolves to the parsed JSON answer of a 2xx, rejects with an ApiError otherwise. */
  async send(method: Method, pathname: string, options: CallOptions = {}): Promise<unknown> {
    const headers: Record<string, string> = { ...this.headers(), ...options.headers };
    if (options.body !== undefined) headers["Content-Type"] = "application/json";
    const url = this.urlFor(pathname, options.query);
    let response: Response;
    try {
      response = await fetch(url, {
        method, headers, body: options.body === undefined ? null : JSON.stringify(options.body),
        signal: AbortSignal.timeout(options.timeoutMs ?? DEFAULT_TIMEOUT_MS), redirect: "manual",
      });
    } catch (error) {
      throw unreachable(this.baseUrl, error);
    }
    const text = await response.text();
    let data: unknown = null;
    try {
      data = text ? JSON.parse(text) : null;
    } catch {
      data = undefined;
    }
    if (response.ok) {
      if (data === undefined) throw new CliError(`${method} ${pathname} answered ${response.status} with something other than JSON`, `is ${this.baseUrl} an AI Factory server?`);
      return data;
    }
    throw this.failure(response, data, `${method} ${pathname}`, pathname.startsWith("/auth/login"));
  }

  /** The ApiError for an answer other than 2xx (HTTP or a refused WebSocket upgrade). */
  failure(response: { status: number; headers: Headers | { get(name: string): string | null } }, data: unknown, what: string, signingIn = false): ApiError {
    const envelope = v.safeParse(ErrorEnvelopeSchema, data);
    const code = envelope.success ? envelope.output.error.code : "http_error";
    const message = envelope.success ? envelope.output.error.message : `${what} answered ${response.status} without the API's error envelope`;
    const retry = response.headers.get("Retry-After");
    const details = envelope.success ? envelope.output.error.details : undefined;
    return new ApiError(
      response.status, code, message,
      retry !== null && response.status === 503 ? { ...(details as object | undefined), retry_after: Number(retry) } : details,
      envelope.success ? envelope.output.request_id : null,
      signingIn && response.status === 401 ? null : this.hintFor(response.status, code, retry),
    );
  }

  /** What to do about a refusal, naming the credential that was refused. */
  private hintFor(status: number, code: string, retryAfter: string | null): string | null {
    const used = describeCredential(this.credential);
    if (status === 401) {
      switch (this.credential.kind) {
        case "none": return "sign in with 'aif login', or give an API key (--api-key or AIF_API_KEY)";
        case "api-key": return `refused: ${used}; check the key, or ask for a new one`;
        case "session": return `refused: ${used} (expired or logged out); run 'aif login' again`;
      }
    }
    if (status === 403) return `refused: ${used} may not do this`;
    if (status === 429 && retryAfter) return `try again in ${retryAfter} s`;
    if (status === 402 || code === "insufficient_budget") return "the client's budget for this month cannot cover it; ask an admin to raise it or wait for the next month";
    return null;
  }
}
