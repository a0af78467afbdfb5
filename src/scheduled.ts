import { describeError, log } from "./lib/log";
import { sweepPayloads } from "./storage/retention";

/** The daily cron (wrangler.toml `[triggers]`): storage retention. Each sweep is logged; one failing does not stop the others. */
export async function runScheduled(env: Env, now: number): Promise<void> {
  try {
    const payloads = await sweepPayloads(env.DELIVERABLES, now);
    log("info", "retention sweep", { payloads_deleted: payloads });
  } catch (error) {
    log("error", "retention sweep failed", describeError(error));
  }
}
