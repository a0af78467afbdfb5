import ipaddr from "ipaddr.js";
import { readCapped } from "../lib/read-capped";

/** Why an outbound fetch was refused or cut short. */
export type FetchRefusal = "bad_url" | "scheme" | "private_address" | "too_many_redirects" | "too_large" | "timeout" | "network";

/** An outbound fetch that was refused or failed, with the URL it concerned. */
export class FetchError extends Error {
  constructor(readonly code: FetchRefusal, readonly url: string, message: string) {
    super(message);
    this.name = "FetchError";
  }
}

/** Host names that always mean a private network. */
const PRIVATE_NAMES = /(^|\.)(localhost|local|internal|intranet|lan|home\.arpa)$/i;

/** Environments where local feed servers (loopback and private addresses) may be fetched. */
export function allowsPrivateFetch(env: Pick<Env, "ENVIRONMENT">): boolean {
  return env.ENVIRONMENT === "development" || env.ENVIRONMENT === "test";
}

/**
 * Checks a URL before it is fetched: only http and https, and (unless `allowPrivate`) no
 * loopback, private, link-local, unique-local, carrier-grade NAT or otherwise reserved address
 * literal, and no host name that names a private network. Host names are not resolved here
 * (Workers have no DNS API); Cloudflare's network does not route public fetches to private
 * ranges, so a literal or a private name is the case left to refuse.
 */
export function checkUrl(raw: string, allowPrivate: boolean): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new FetchError("bad_url", raw, `'${raw.slice(0, 200)}' is not a URL`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new FetchError("scheme", raw, `only http and https URLs are fetched (got ${url.protocol})`);
  if (url.username || url.password) throw new FetchError("bad_url", raw, "URLs with credentials are not fetched");
  if (allowPrivate) return url;
  const host = url.hostname.replace(/^\[|\]$/g, "");
  if (ipaddr.isValid(host)) {
    let address = ipaddr.parse(host);
    if (address.kind() === "ipv6" && (address as ipaddr.IPv6).isIPv4MappedAddress()) address = (address as ipaddr.IPv6).toIPv4Address();
    const range = address.range();
    if (range !== "unicast") throw new FetchError("private_address", raw, `${host} is a ${range} address; only public addresses are fetched`);
  } else if (PRIVATE_NAMES.test(host) || !host.includes(".")) {
    throw new FetchError("private_address", raw, `${host} names a private network; only public hosts are fetched`);
  }
  return url;
}

/** Options of one outbound fetch. */
export interface SafeFetchOptions {
  allowPrivate: boolean;
  timeoutMs: number;
  /** The body is read up to this many bytes; more is refused (`too_large`). */
  maxBytes: number;
  maxRedirects?: number;
  headers?: Record<string, string>;
  method?: "GET" | "POST";
  body?: string;
  signal?: AbortSignal;
}

/** What a fetch brought back: the final URL after redirects, status, headers and the body text. */
export interface Fetched { url: string; status: number; headers: Headers; text: string; redirects: number }

/**
 * Fetches a URL safely: every hop of a redirect chain is checked (`checkUrl`), redirects are
 * followed by hand up to `maxRedirects`, the whole exchange is bounded by `timeoutMs` (and the
 * caller's signal), and the body is read up to `maxBytes`.
 */
export async function safeFetch(raw: string, options: SafeFetchOptions): Promise<Fetched> {
  const maxRedirects = options.maxRedirects ?? 5;
  const timeout = AbortSignal.timeout(options.timeoutMs);
  const signal = options.signal ? AbortSignal.any([timeout, options.signal]) : timeout;
  let url = checkUrl(raw, options.allowPrivate);
  try {
    for (let redirects = 0; ; redirects++) {
      const response = await fetch(url, {
        method: options.method ?? "GET", headers: options.headers ?? {}, redirect: "manual", signal,
        ...(options.body !== undefined ? { body: options.body } : {}),
      });
      const location = response.headers.get("Location");
      if (response.status >= 300 && response.status < 400 && location) {
        await response.body?.cancel();
        if (redirects >= maxRedirects) throw new FetchError("too_many_redirects", raw, `more than ${maxRedirects} redirects`);
        url = checkUrl(new URL(location, url).toString(), options.allowPrivate);
        continue;
      }
      const text = await readText(response, options.maxBytes, url.toString());
      return { url: url.toString(), status: response.status, headers: response.headers, text, redirects };
    }
  } catch (error) {
    if (error instanceof FetchError) throw error;
    if (signal.aborted) throw new FetchError("timeout", raw, `no answer within ${options.timeoutMs} ms`);
    throw new FetchError("network", raw, `fetch failed: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** Reads a body as UTF-8 text, refusing more than `maxBytes`. */
async function readText(response: Response, maxBytes: number, url: string): Promise<string> {
  const declared = Number(response.headers.get("Content-Length") ?? "0");
  if (declared > maxBytes) {
    await response.body?.cancel();
    throw new FetchError("too_large", url, `body of ${declared} bytes is over the ${maxBytes}-byte limit`);
  }
  const bytes = await readCapped(response.body, maxBytes);
  if (bytes === null) throw new FetchError("too_large", url, `body is over the ${maxBytes}-byte limit`);
  return new TextDecoder().decode(bytes);
}
