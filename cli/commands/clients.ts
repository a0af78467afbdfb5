/** `aif clients list|show|create|update|users|keys` (staff, some for clients). */
import { Option, type Command } from "commander";
import { Tiers } from "../../src/catalog/tiers";
import { lazy } from "../action";
import { withPaging } from "./paging";

/** Declares the clients commands. */
export function defineClients(program: Command): void {
  const clients = program.command("clients").description("client accounts (staff; a client sees its own)");
  withPaging(clients.command("list"))
    .description("staff: clients, newest first")
    .addOption(new Option("--tier <tier>", "only this tier").choices(Tiers))
    .option("--status <status>", "trial, active, suspended or cancelled")
    .action(lazy(async () => (await import("../actions/clients")).list));
  clients.command("show")
    .argument("<client-id>")
    .description("one client: tier, status, budget and this month's use")
    .action(lazy(async () => (await import("../actions/clients")).show));
  clients.command("create")
    .description("admin: a new client (its ledger gets the budget)")
    .requiredOption("--company <name>", "company name")
    .requiredOption("--email <email>", "contact email (unique)")
    .requiredOption("--budget <usd>", "monthly budget in dollars")
    .addOption(new Option("--tier <tier>", "subscription tier").choices(Tiers))
    .addOption(new Option("--status <status>", "account status").choices(["trial", "active"]))
    .option("--contact-name <name>")
    .option("--phone <phone>")
    .option("--website <url>")
    .option("--industry <industry>")
    .action(lazy(async () => (await import("../actions/clients")).create));
  clients.command("update")
    .argument("<client-id>")
    .description("change a client (tier, status and budget: admin only)")
    .option("--company <name>")
    .option("--email <email>")
    .option("--budget <usd>", "monthly budget in dollars")
    .addOption(new Option("--tier <tier>").choices(Tiers))
    .option("--status <status>", "trial, active, suspended or cancelled")
    .option("--contact-name <name>")
    .option("--phone <phone>")
    .option("--website <url>")
    .option("--industry <industry>")
    .action(lazy(async () => (await import("../actions/clients")).update));
  clients.command("users")
    .argument("<client-id>")
    .description("the client's users")
    .action(lazy(async () => (await import("../actions/clients")).users));
  clients.command("keys")
    .argument("<client-id>")
    .description("the client's API keys, by prefix")
    .action(lazy(async () => (await import("../actions/clients")).keys));
}
