/** `aif templates list|show`, `aif estimate`. */
import { Option, type Command } from "commander";
import { Tiers } from "../../src/catalog/tiers";
import { lazy } from "../action";
import { collect } from "../params";

/** Declares the templates commands and estimate. */
export function defineTemplates(program: Command): void {
  const templates = program.command("templates").description("the pipeline templates open to you");
  templates.command("list")
    .description("the templates your tier may run (staff: all, or --tier)")
    .addOption(new Option("--tier <tier>", "staff: as this tier sees them").choices(Tiers))
    .action(lazy(async () => (await import("../actions/templates")).list));
  templates.command("show")
    .argument("<template>", "the template's name, e.g. research_report")
    .description("a template's steps and parameters (types, defaults, rules, whether your tier may change them)")
    .addOption(new Option("--tier <tier>", "staff: as this tier sees it").choices(Tiers))
    .action(lazy(async () => (await import("../actions/templates")).show));
  program.command("estimate")
    .argument("<template>", "the template to estimate")
    .description("what a run would cost and take (90 % intervals, per step) and whether the budget covers it")
    .requiredOption("--topic <topic>", "the run's topic (3-200 characters)")
    .option("-p, --param <name=value>", "a template parameter (repeatable; JSON values, dotted names nest)", collect, [])
    .option("--client <client-id>", "staff: for this client")
    .action(lazy(async () => (await import("../actions/templates")).estimate));
}
