import { describeError, log } from "./lib/log";
import { sweepDeliverables } from "./deliverables/store";
import { aggregateCosts } from "./economy/record";
import { sweepPayloads } from "./storage/retention";

/**
 * The daily cron (wrangler.toml `[triggers]`): storage retention, and the daily cost_tracking
 * aggregates of the last three days (recomputed whole, so late results are counted). Each job is
 * logged; one failing does not stop the others.
 */
export async function runScheduled(env: Env, now: number): Promise<void> {
  const sweeps: [string, () => Promise<number>][] = [
    ["payloads", () => sweepPayloads(env.DELIVERABLES, now)],
    ["deliverables", () => sweepDeliverables(env, now)],
    ["cost_tracking", () => aggregateCosts(env.DB, new Date(now - 2 * 86_400_000).toISOString().slice(0, 10))],
  ];
  for (const [name, sweep] of sweeps) {
    try {
      log("info", "daily job", { job: name, rows: await sweep() });
    } catch (error) {
      log("error", "daily job failed", { job: name, ...describeError(error) });
    }
  }
}
