/**
 * `aif`: AI Factory from the command line. Declares the commands (each action is loaded only
 * when it runs), and turns every failure into a message and an exit status: never a stack trace.
 */
import { Command, CommanderError, Option } from "commander";
import { defineAuth } from "./commands/auth";
import { defineClients } from "./commands/clients";
import { defineDeliverables } from "./commands/deliverables";
import { defineLedger } from "./commands/ledger";
import { definePipelines } from "./commands/pipelines";
import { definePools } from "./commands/pools";
import { defineRequests } from "./commands/requests";
import { defineRuns } from "./commands/runs";
import { defineTemplates } from "./commands/templates";
import { describeFailure, Exit } from "./errors";
import { Formats } from "./output";

// A reader that stops early (`aif follow … -o jsonl | head`) closes the pipe: stop quietly.
process.stdout.on("error", (error: NodeJS.ErrnoException) => {
  if (error.code === "EPIPE") process.exit(Exit.ok);
  throw error;
});

const program = new Command("aif")
  .description("AI Factory from the command line: start pipelines and watch them live, fetch results and deliverables, manage requests, pools, ledgers and clients.")
  .version("0.1.0", "-V, --version")
  .option("--url <url>", "the server (default: $AIF_URL, else http://127.0.0.1:8787)")
  .option("--api-key <key>", "a client API key (default: $AIF_API_KEY, else the session saved by 'aif login')")
  .addOption(new Option("-o, --output <format>", "table for people, json for one document, jsonl for lines (a run's live events)").choices(Formats).default("table"))
  .showHelpAfterError("(run with --help for usage)")
  .exitOverride()
  .addHelpText("after", `
Exit status: 0 done (a run completed), 2 a run ended partial, 1 a failure (refused, not found,
invalid, a run failed or was cancelled), 130 interrupted (the run goes on).

Examples:
  aif login --email premium@demo.ai-factory.local
  aif run research_report --topic "energy storage"
  aif follow pip_123 -o jsonl
  aif result pip_123 --dir ./report
  aif deliverables download dlv_123`);

defineAuth(program);
defineTemplates(program);
defineRuns(program);
definePipelines(program);
defineRequests(program);
defineDeliverables(program);
definePools(program);
defineLedger(program);
defineClients(program);

/** Writes what is pending on stdout before exiting (a pipe may still hold output). */
async function exit(code: number): Promise<never> {
  if (process.stdout.writableNeedDrain) await new Promise((r) => process.stdout.once("drain", r));
  process.exit(code);
}

/** Says what failed (never a stack, unless AIF_DEBUG is set) and exits with the failure's status. */
async function fail(error: unknown): Promise<never> {
  const [first, ...rest] = describeFailure(error);
  process.stderr.write(`aif: ${first}\n${rest.map((line) => `${line}\n`).join("")}`);
  if (process.env.AIF_DEBUG && error instanceof Error) process.stderr.write(`${error.stack}\n`);
  return await exit(typeof (error as { exitCode?: unknown }).exitCode === "number" ? (error as { exitCode: number }).exitCode : Exit.failed);
}
// Whatever escapes a command (an event handler's error) ends the same way.
process.on("uncaughtException", (error) => void fail(error));
process.on("unhandledRejection", (error) => void fail(error));

try {
  await program.parseAsync(process.argv);
  await exit(typeof process.exitCode === "number" ? process.exitCode : Exit.ok);
} catch (error) {
  // Commander has already printed its own usage errors (and help, which exits 0).
  if (error instanceof CommanderError) await exit(error.exitCode);
  await fail(error);
}
