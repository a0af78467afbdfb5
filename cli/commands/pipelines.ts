/** `aif pipelines list|show|cancel|pause|resume|retry`. */
import type { Command } from "commander";
import { lazy } from "../action";
import { withPaging } from "./paging";

/** Declares the pipelines commands. */
export function definePipelines(program: Command): void {
  const pipelines = program.command("pipelines").description("runs: list, inspect and (staff) control them");
  withPaging(pipelines.command("list"))
    .description("runs, newest first (a client sees its own)")
    .option("--status <status>", "only runs in this state: processing, completed, partial, failed, cancelled")
    .option("--template <template>", "only runs of this template")
    .option("--client <client-id>", "staff: only this client's runs")
    .option("--active", "staff: the runs the actors hold as active right now")
    .action(lazy(async () => (await import("../actions/pipelines")).list));
  pipelines.command("show")
    .argument("<pipeline-id>")
    .description("a run's state now: its steps, cost, queue position (the live view's last frame)")
    .action(lazy(async () => (await import("../actions/pipelines")).show));
  for (const [name, what] of [["cancel", "cancel a run (staff)"], ["pause", "pause a run: nothing new starts (staff)"], ["resume", "resume a paused run (staff)"]] as const) {
    pipelines.command(name)
      .argument("<pipeline-id>")
      .description(what)
      .option("--follow", "then watch it live until it ends")
      .action(lazy(async () => (await import("../actions/pipelines")).control(name)));
  }
  pipelines.command("retry")
    .argument("<pipeline-id>")
    .description("run a step and everything after it again (staff)")
    .requiredOption("--from-step <step>", "the step to start again from")
    .option("--follow", "then watch it live until it ends")
    .action(lazy(async () => (await import("../actions/pipelines")).control("retry")));
}
