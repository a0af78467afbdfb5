import { describeError, log } from "./lib/log";
import { sweepDeliverables } from "./deliverables/store";
import { sweepPayloads } from "./storage/retention";

/** The daily cron (wrangler.toml `[triggers]`): storage retention. Each sweep is logged; one failing does not stop the others. */
export async function runScheduled(env: Env, now: number): Promise<void> {
  const sweeps: [string, () => Promise<number>][] = [
    ["payloads", () => sweepPayloads(env.DELIVERABLES, now)],
    ["deliverables", () => sweepDeliverables(env, now)],
  ];
  for (const [name, sweep] of sweeps) {
    try {
      log("info", "retention sweep", { sweep: name, deleted: await sweep() });
    } catch (error) {
      log("error", "retention sweep failed", { sweep: name, ...describeError(error) });
    }
  }
}
