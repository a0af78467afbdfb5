/**
 * Which server and which credential a command uses: `--url`, then `AIF_URL`, then the local
 * stack; `--api-key`, then `AIF_API_KEY`, then the session `aif login` saved for that server.
 */
import { CliError } from "./errors";
import { savedSession, type SavedSession } from "./config";

/** The local stack `npm start` serves. */
export const DEFAULT_URL = "http://127.0.0.1:8787";

/** The headers the API reads credentials from. */
export const AuthHeaders = { apiKey: "X-API-Key", session: "x-bitware-session-token" } as const;

/** The credential a command sends, and where it came from (named in refusals). */
export type Credential =
  | { kind: "api-key"; key: string; source: "--api-key" | "AIF_API_KEY" }
  | { kind: "session"; token: string; source: "aif login"; session: SavedSession }
  | { kind: "none" };

/** The server's base URL, normalised (no trailing slash); refuses anything but http(s). */
export function resolveUrl(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  const raw = flag ?? env.AIF_URL ?? DEFAULT_URL;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new CliError(`'${raw}' is not a URL`, "give the server's address, e.g. --url http://127.0.0.1:8787");
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new CliError(`'${raw}' is not an http or https URL`);
  if (url.username || url.password) throw new CliError("credentials never go in the URL", "use --api-key, AIF_API_KEY or 'aif login'");
  return `${url.origin}${url.pathname.replace(/\/+$/, "")}`;
}

/** The credential for a server. */
export function resolveCredential(url: string, flag: string | undefined, env: NodeJS.ProcessEnv = process.env): Credential {
  if (flag) return { kind: "api-key", key: flag, source: "--api-key" };
  if (env.AIF_API_KEY) return { kind: "api-key", key: env.AIF_API_KEY, source: "AIF_API_KEY" };
  const session = savedSession(url, env);
  if (session) return { kind: "session", token: session.session_token, source: "aif login", session };
  return { kind: "none" };
}

/** The request headers that carry a credential. */
export function authHeaders(credential: Credential): Record<string, string> {
  switch (credential.kind) {
    case "api-key": return { [AuthHeaders.apiKey]: credential.key };
    case "session": return { [AuthHeaders.session]: credential.token };
    case "none": return {};
  }
}

/** Names a credential for messages: "the API key from AIF_API_KEY (aif_demoprem00_…)". */
export function describeCredential(credential: Credential): string {
  switch (credential.kind) {
    case "api-key": return `the API key from ${credential.source} (${credential.key.split("_").slice(0, 2).join("_")}_…)`;
    case "session": return `the session of ${credential.session.user.email} saved by 'aif login'`;
    case "none": return "no credential";
  }
}
