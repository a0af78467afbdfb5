/** `aif requests create|list|show|assign|execute`. */
import { Option, type Command } from "commander";
import { Urgencies } from "../../src/catalog/tiers";
import { lazy } from "../action";
import { withPaging } from "./paging";
import { collect } from "../params";

/** Declares the requests commands. */
export function defineRequests(program: Command): void {
  const requests = program.command("requests").description("client requests: ask in words, get a template assigned, execute it");
  requests.command("create")
    .description("a new request from a message (the AI reads topic, intent and urgency from it)")
    .requiredOption("-m, --message <text>", "what is asked for (3-10000 characters)")
    .option("--type <kind>", "pipeline_execution, information_request or support_request", "pipeline_execution")
    .addOption(new Option("--urgency <urgency>", "instead of the urgency read from the message").choices(Urgencies))
    .option("--client <client-id>", "staff: for this client")
    .action(lazy(async () => (await import("../actions/requests")).create));
  withPaging(requests.command("list"))
    .description("requests, newest first")
    .option("--status <status>", "pending, processing, completed or failed")
    .option("--template <template>", "only requests assigned this template")
    .option("--client <client-id>", "staff: only this client's")
    .option("--since <date>", "created on or after (ISO date)")
    .option("--until <date>", "created before (ISO date)")
    .action(lazy(async () => (await import("../actions/requests")).list));
  requests.command("show")
    .argument("<request-id>")
    .description("a request: its state, pipeline, queue place, worker sessions, deliverables")
    .action(lazy(async () => (await import("../actions/requests")).show));
  requests.command("assign")
    .argument("<request-id>")
    .description("choose a pending request's template and parameters (checked against your tier)")
    .requiredOption("--template <template>", "the template to run")
    .option("--topic <topic>", "the topic parameter")
    .option("-p, --param <name=value>", "a template parameter (repeatable)", collect, [])
    .action(lazy(async () => (await import("../actions/requests")).assign));
  requests.command("execute")
    .argument("<request-id>")
    .description("start an assigned request's pipeline and watch it live (exit status as for run)")
    .addOption(new Option("--urgency <urgency>", "queue priority").choices(Urgencies))
    .option("--budget-limit <usd>", "stop the run if it would cost more than this many dollars")
    .option("--deadline <seconds>", "fail the run if it has not ended after this many seconds")
    .option("--detach", "start it and return at once")
    .action(lazy(async () => (await import("../actions/requests")).execute));
}
