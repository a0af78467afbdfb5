/**
 * Watching a run to its end (`aif run`, `aif follow`): the live feed into the view for the
 * output, then the summary, and the run's exit status (0 completed, 2 partial, 1 failed or
 * cancelled). Ctrl-C stops watching (exit 130); the run goes on.
 */
import type { EstimateSummary } from "../../src/contracts/runs";
import { DeliverableListSchema } from "../../src/contracts/deliverables";
import type { Context } from "../context";
import { CliError, Exit } from "../errors";
import { baselineFor } from "./estimate";
import { watchPipeline, type RunState } from "./pipeline-feed";
import { exitCodeFor, summaryLines } from "./summary";
import { viewFor } from "./views";

/** What `followRun` knows beyond the run's id. */
export interface FollowOptions {
  /** The run's estimate, when it was started here. */
  estimate?: EstimateSummary | null;
}

/** How many deliverables a run left; null when that cannot be read. */
async function deliverableCount(ctx: Context, pipelineId: string): Promise<number | null> {
  try {
    return (await ctx.api.get(DeliverableListSchema, "/deliverables", { query: { pipeline_id: pipelineId, limit: 1 } })).total;
  } catch {
    return null;
  }
}

/** Follows a run until it ends; resolves to the command's exit status. */
export async function followRun(ctx: Context, pipelineId: string, options: FollowOptions = {}): Promise<number> {
  let latest: RunState | null = null;
  const baseline = () => baselineFor(latest?.summary ?? null, options.estimate ?? null);
  const view = viewFor(ctx.out, baseline);
  const stop = new AbortController();
  const interrupt = () => stop.abort(new CliError(`stopped watching ${pipelineId}; the run continues on the server`, `follow it again: aif follow ${pipelineId}`, Exit.interrupted));
  // `on`, not `once`: while a listener is there, log-update's exit hook leaves the process to us.
  process.on("SIGINT", interrupt);
  let final: RunState;
  try {
    final = await watchPipeline(ctx.api, pipelineId, {
      signal: stop.signal,
      onMessage: (message, state) => { latest = state; view.message(message, state); },
      onLink: (link) => view.link(link),
    });
  } finally {
    process.off("SIGINT", interrupt);
    view.end(latest);
  }
  const summary = final.summary;
  if (!summary) throw new CliError(`the live feed of ${pipelineId} ended without saying how the run stands`);
  if (ctx.out.format === "json") ctx.out.json(summary);
  if (ctx.out.human) {
    const ended = summary.status === "completed" || summary.status === "partial";
    const deliverables = ended ? await deliverableCount(ctx, pipelineId) : null;
    if (!ctx.out.rich) ctx.out.line();
    for (const line of summaryLines(summary, { c: ctx.out.c, baseline: baseline(), deliverables, costShown: ctx.out.rich })) ctx.out.line(line);
  }
  return exitCodeFor(summary.status);
}
