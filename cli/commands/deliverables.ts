/** `aif deliverables list|download`. */
import type { Command } from "commander";
import { lazy } from "../action";
import { withPaging } from "./paging";

/** Declares the deliverables commands. */
export function defineDeliverables(program: Command): void {
  const deliverables = program.command("deliverables").description("the files runs delivered");
  withPaging(deliverables.command("list"))
    .description("deliverables, newest first")
    .option("--pipeline <pipeline-id>", "only this run's")
    .option("--request <request-id>", "only this request's")
    .option("--client <client-id>", "staff: only this client's")
    .action(lazy(async () => (await import("../actions/deliverables")).list));
  deliverables.command("download")
    .argument("[deliverable-ids...]", "the deliverables to download")
    .description("download through a freshly signed URL and verify each file's sha256 checksum (a mismatch is deleted, exit 1)")
    .option("--pipeline <pipeline-id>", "every deliverable of this run")
    .option("-d, --dir <dir>", "where to write", ".")
    .option("--force", "replace files that exist")
    .action(lazy(async () => (await import("../actions/deliverables")).download));
}
