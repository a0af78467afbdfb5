/** `aif ledger show|adjust` (staff). */
import type { Command } from "commander";
import { lazy } from "../action";

/** Declares the ledger commands. */
export function defineLedger(program: Command): void {
  const ledger = program.command("ledger").description("a client's ClientLedger: budget, spent, held, entries (staff; a client its own)");
  ledger.command("show")
    .argument("<client-id>")
    .description("the month's balance, open holds, unbilled work and recent entries (a client: its own balance)")
    .option("-w, --watch", "then print its live events (holds, settlements, alerts) until Ctrl-C")
    .action(lazy(async () => (await import("../actions/ledger")).show));
  ledger.command("adjust")
    .argument("<client-id>")
    .description("admin: debit or credit the month's balance, with a reason")
    .option("--debit <usd>", "take this many dollars from what is available")
    .option("--credit <usd>", "give this many dollars back")
    .requiredOption("--reason <text>", "why (3-500 characters; kept in the ledger)")
    .option("--key <idempotency-key>", "apply once however often repeated (default: a fresh key)")
    .action(lazy(async () => (await import("../actions/ledger")).adjust));
}
