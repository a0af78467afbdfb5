/** `aif run`, `aif follow`, `aif result`. */
import { Option, type Command } from "commander";
import { Urgencies } from "../../src/catalog/tiers";
import { lazy } from "../action";
import { collect } from "../params";

/** Declares run, follow and result. */
export function defineRuns(program: Command): void {
  program.command("run")
    .argument("<template>", "the template to run, e.g. research_report (aif templates list)")
    .description("start a pipeline and watch it live until it ends (exit 0 completed, 2 partial, 1 failed or cancelled)")
    .requiredOption("--topic <topic>", "what the run is about (3-200 characters)")
    .option("-p, --param <name=value>", "a template parameter (repeatable; JSON values, dotted names nest: -p scripts.collect.mode=fail)", collect, [])
    .addOption(new Option("--urgency <urgency>", "queue priority").choices(Urgencies))
    .option("--budget-limit <usd>", "stop the run if it would cost more than this many dollars")
    .option("--deadline <seconds>", "fail the run if it has not ended after this many seconds")
    .option("--request <request-id>", "the client request this run answers")
    .option("--client <client-id>", "staff: run for this client")
    .option("--idempotency-key <key>", "start the run once, however often this command is repeated with the key")
    .option("--detach", "start it and return at once, printing its id")
    .action(lazy(async () => (await import("../actions/runs")).run));
  program.command("follow")
    .argument("<pipeline-id>", "the run to watch")
    .description("watch a run live until it ends; a run that already ended is summarised at once (exit status as for run)")
    .action(lazy(async () => (await import("../actions/runs")).follow));
  program.command("result")
    .argument("<pipeline-id>", "the run whose result to fetch")
    .description("write what a run produced to a directory: the report (Markdown, HTML), a package's files (checksums verified), result.json")
    .option("-d, --dir <dir>", "where to write (default: ./<pipeline-id>)")
    .option("--wait <seconds>", "wait up to this long for a run that has not ended (at most 30)", "0")
    .option("--force", "write into a directory that already has files")
    .action(lazy(async () => (await import("../actions/runs")).result));
}
