/**
 * Where the CLI keeps its sessions: `$XDG_CONFIG_HOME/aif/sessions.json` (else
 * `~/.config/aif/sessions.json`), one session per server URL, readable only by the user (file
 * 0600 in a directory 0700). `aif login` writes it, `aif logout` removes the server's entry.
 */
import { chmodSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import path from "node:path";
import * as v from "valibot";
import { LoginResponseSchema } from "../src/contracts/auth";
import { CliError } from "./errors";

/** A saved session: the token and who it signs in, as `POST /auth/login` answered. */
export const SavedSessionSchema = v.object({
  session_token: LoginResponseSchema.entries.session_token,
  expires_at: LoginResponseSchema.entries.expires_at,
  user: LoginResponseSchema.entries.user,
  saved_at: v.string(),
});
/** A saved session, as typed by its schema. */
export type SavedSession = v.InferOutput<typeof SavedSessionSchema>;

const SessionsFileSchema = v.object({ sessions: v.record(v.string(), SavedSessionSchema) });
type SessionsFile = v.InferOutput<typeof SessionsFileSchema>;

/** The CLI's configuration directory. */
export function configDir(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CONFIG_HOME && path.isAbsolute(env.XDG_CONFIG_HOME) ? env.XDG_CONFIG_HOME : path.join(homedir(), ".config");
  return path.join(base, "aif");
}

/** The sessions file. */
export function sessionsPath(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(configDir(env), "sessions.json");
}

function readSessions(file: string): SessionsFile {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return { sessions: {} };
    throw new CliError(`cannot read ${file}: ${(error as Error).message}`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    data = null;
  }
  const parsed = v.safeParse(SessionsFileSchema, data);
  if (!parsed.success) throw new CliError(`${file} is not a sessions file this aif can read`, `delete it and run 'aif login' again`);
  if ((statSync(file).mode & 0o077) !== 0) {
    process.stderr.write(`warning: ${file} can be read by other users; it holds session tokens (chmod 600 it, or run 'aif login' again)\n`);
  }
  return parsed.output;
}

function writeSessions(file: string, data: SessionsFile): void {
  const dir = path.dirname(file);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
  // Written whole to a private temporary file, then renamed over: never half a file, never readable by others.
  const temp = `${file}.${process.pid}.tmp`;
  writeFileSync(temp, `${JSON.stringify(data, null, 2)}\n`, { mode: 0o600 });
  chmodSync(temp, 0o600);
  renameSync(temp, file);
}

/** The session saved for a server, or null. */
export function savedSession(url: string, env: NodeJS.ProcessEnv = process.env): SavedSession | null {
  return readSessions(sessionsPath(env)).sessions[url] ?? null;
}

/** Saves a server's session (replacing any before it); returns the file's path. */
export function saveSession(url: string, session: SavedSession, env: NodeJS.ProcessEnv = process.env): string {
  const file = sessionsPath(env);
  const data = readSessions(file);
  data.sessions[url] = session;
  writeSessions(file, data);
  return file;
}

/** Forgets a server's session; true when there was one. The file goes when it holds no session. */
export function forgetSession(url: string, env: NodeJS.ProcessEnv = process.env): boolean {
  const file = sessionsPath(env);
  const data = readSessions(file);
  if (!(url in data.sessions)) return false;
  delete data.sessions[url];
  if (Object.keys(data.sessions).length === 0) rmSync(file, { force: true });
  else writeSessions(file, data);
  return true;
}
