/** `aif login`, `aif logout`, `aif whoami`. */
import type { Command } from "commander";
import { lazy } from "../action";

/** Declares login, logout and whoami. */
export function defineAuth(program: Command): void {
  program.command("login")
    .description("sign in with an email and password; the session is saved (readable only by you) for this server")
    .option("--email <email>", "the account's email (asked for when left out)")
    .option("--password-stdin", "read the password from stdin (for scripts) instead of asking")
    .action(lazy(async () => (await import("../actions/auth")).login));
  program.command("logout")
    .description("end the saved session on the server and forget it here")
    .action(lazy(async () => (await import("../actions/auth")).logout));
  program.command("whoami")
    .description("who the current credential signs in as, and where it comes from")
    .action(lazy(async () => (await import("../actions/auth")).whoami));
}
