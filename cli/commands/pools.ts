/** `aif pools list|show|set` (staff). */
import type { Command } from "commander";
import { lazy } from "../action";

/** Declares the pools commands. */
export function definePools(program: Command): void {
  const pools = program.command("pools").description("staff: each worker's ResourcePool (capacity, queue, leases)");
  pools.command("list")
    .description("every pool: in flight against its limit, queue, utilisation, timings")
    .action(lazy(async () => (await import("../actions/pools")).list));
  pools.command("show")
    .argument("<worker>")
    .description("one pool: config, leases, the queue in grant order (with how long each has waited)")
    .option("-w, --watch", "then print its live events (grants, queueing, releases) until Ctrl-C")
    .action(lazy(async () => (await import("../actions/pools")).show));
  pools.command("set")
    .argument("<worker>")
    .description("admin: change a pool's limits at run time")
    .option("--max-concurrent <n>", "slots (1-1000)")
    .option("--queue-limit <n>", "waiters at most (0-100000)")
    .option("--lease-ttl <seconds>", "how long a lease lives without renewal (1-3600)")
    .action(lazy(async () => (await import("../actions/pools")).set));
}
