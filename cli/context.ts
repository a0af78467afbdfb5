/** What every command works with: the server, the credential, the API client and the output. */
import { resolveCredential, resolveUrl, type Credential } from "./credentials";
import { Api } from "./http";
import { Output, type Format } from "./output";

/** The options every command takes (set on the program, usable after the command's name). */
export interface GlobalOptions {
  url?: string;
  apiKey?: string;
  output: Format;
}

/** A command's server, credential, API client and output. */
export interface Context {
  url: string;
  credential: Credential;
  api: Api;
  out: Output;
}

/** The context for a command's global options and the environment. */
export function contextFrom(options: GlobalOptions, env: NodeJS.ProcessEnv = process.env): Context {
  const url = resolveUrl(options.url, env);
  const credential = resolveCredential(url, options.apiKey, env);
  return { url, credential, api: new Api(url, credential), out: new Output(options.output, process.stdout, env) };
}
