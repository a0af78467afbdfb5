/** Signing in and out, and saying who the credential is. */
import { LoginResponseSchema, LogoutResponseSchema, ValidateResponseSchema, WhoAmISchema } from "../../src/contracts/auth";
import { ClientAnswerSchema } from "../../src/contracts/clients";
import type { Handler } from "../action";
import { forgetSession, saveSession, savedSession, sessionsPath } from "../config";
import { describeCredential } from "../credentials";
import { ApiError, CliError } from "../errors";
import { when } from "../format";
import { Api } from "../http";
import { ask, readStdin } from "../prompt";

interface LoginOptions { email?: string; passwordStdin?: boolean }

/** `aif login`: POST /auth/login, the session saved (0600) for this server. */
export const login: Handler<LoginOptions> = async (ctx, _args, options) => {
  const email = options.email ?? (await ask("email: ", false, "give it with --email"));
  const password = options.passwordStdin ? await readStdin() : await ask(`password for ${email}: `, true, "pipe it in with --password-stdin");
  if (!password) throw new CliError("no password given");
  // Signing in sends no other credential.
  const api = new Api(ctx.url, { kind: "none" });
  const answer = await api.post(LoginResponseSchema, "/auth/login", { email, password });
  const file = saveSession(ctx.url, {
    session_token: answer.session_token, expires_at: answer.expires_at, user: answer.user, saved_at: new Date().toISOString(),
  });
  const user = answer.user;
  ctx.out.emit({ url: ctx.url, user, expires_at: answer.expires_at, saved_to: file }, () => {
    ctx.out.line(`Signed in to ${ctx.url} as ${user.email} (${user.role}${user.client_id ? `, ${user.client_id}` : ""}).`);
    ctx.out.line(`Session saved to ${file}; it expires ${when(answer.expires_at)}.`);
    if (ctx.credential.kind === "api-key") ctx.out.note(`note: ${describeCredential(ctx.credential)} still wins over this session while it is set`);
  });
};

/** `aif logout`: POST /auth/logout with the saved session, then forgets it. */
export const logout: Handler<object> = async (ctx) => {
  const session = savedSession(ctx.url);
  if (!session) {
    ctx.out.emit({ url: ctx.url, logged_out: false }, () => ctx.out.line(`Not signed in to ${ctx.url}; nothing to do.`));
    return;
  }
  let ended = true;
  try {
    await new Api(ctx.url, { kind: "session", token: session.session_token, source: "aif login", session })
      .post(LogoutResponseSchema, "/auth/logout");
  } catch (error) {
    // Already expired or revoked: there is nothing left to end on the server.
    if (!(error instanceof ApiError && error.status === 401)) throw error;
    ended = false;
  }
  forgetSession(ctx.url);
  ctx.out.emit({ url: ctx.url, logged_out: true, session_was_live: ended }, () => {
    ctx.out.line(ended ? `Signed out of ${ctx.url} (${session.user.email}).` : `The session of ${session.user.email} had already ended on the server; forgotten here.`);
  });
};

/** `aif whoami`: the credential in use, checked with the server. */
export const whoami: Handler<object> = async (ctx) => {
  const credential = ctx.credential;
  switch (credential.kind) {
    case "none":
      throw new CliError(`not signed in to ${ctx.url}`, "sign in with 'aif login', or give an API key (--api-key or AIF_API_KEY)");
    case "session": {
      const { session } = await ctx.api.post(ValidateResponseSchema, "/auth/validate");
      ctx.out.emit({ url: ctx.url, credential: "session", source: sessionsPath(), session }, () => ctx.out.fields([
        ["server", ctx.url],
        ["signed in as", `${session.email}${session.full_name ? ` (${session.full_name})` : ""}`],
        ["role", session.role],
        ["client", session.client_id ?? "-"],
        ["session", `${session.session_id}, expires ${when(session.expires_at)}`],
        ["saved in", sessionsPath()],
      ]));
      return;
    }
    case "api-key": {
      const { client_id } = await ctx.api.get(WhoAmISchema, "/auth/me");
      if (client_id === null) throw new CliError("this API key acts for no client");
      const { client } = await ctx.api.get(ClientAnswerSchema, `/client/${encodeURIComponent(client_id)}`);
      ctx.out.emit({ url: ctx.url, credential: "api-key", source: credential.source, client }, () => ctx.out.fields([
        ["server", ctx.url],
        ["API key", `${describeCredential(credential)}`],
        ["client", `${client.client_id} (${client.company_name})`],
        ["tier", client.subscription_tier],
        ["status", client.account_status],
      ]));
    }
  }
};
