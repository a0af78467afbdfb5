import type { Command } from "commander";

/** Adds the list commands' `--limit` and `--offset` (read by `paging()` in cli/options.ts). */
export function withPaging(command: Command): Command {
  return command.option("--limit <n>", "how many", "20").option("--offset <n>", "skip this many", "0");
}
