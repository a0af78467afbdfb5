/** Listing runs, a run's state, and staff control (cancel, pause, resume, retry from a step). */
import { AdminPipelinesSchema, PipelineControlAnswerSchema } from "../../src/contracts/admin";
import { PipelineHistorySchema } from "../../src/contracts/runs";
import type { Handler } from "../action";
import type { Context } from "../context";
import { duration, micros, when } from "../format";
import { baselineFor } from "../live/estimate";
import { followRun } from "../live/follow";
import { watchPipeline } from "../live/pipeline-feed";
import { renderRun } from "../live/render";
import { paging } from "../options";

interface ListOptions { status?: string; template?: string; client?: string; active?: boolean; limit: string; offset: string }

/** `aif pipelines list`: the history (D1), or with --active the actors' registry (staff). */
export const list: Handler<ListOptions> = async (ctx, _args, options) => {
  const { limit, offset } = paging(options);
  if (options.active) {
    const answer = await ctx.api.get(AdminPipelinesSchema, "/admin/actors/pipelines", { query: { state: "active", limit, offset } });
    ctx.out.emit(answer, () => {
      ctx.out.table(["pipeline", "template", "client", "status", "cost", "created"], answer.pipelines.map((p) => [
        p.pipeline_id, p.template_name, p.client_id, p.status, micros(p.total_cost_micros), when(p.created_at),
      ]), ["left", "left", "left", "left", "right", "left"]);
      ctx.out.line(ctx.out.c.dim(`${answer.pipelines.length} active`));
    }, answer.pipelines);
    return;
  }
  const answer = await ctx.api.get(PipelineHistorySchema, "/pipeline-history", {
    query: { status: options.status, template: options.template, client_id: options.client, limit, offset },
  });
  ctx.out.emit(answer, () => {
    ctx.out.table(["pipeline", "template", "topic", "status", "steps", "cost", "time", "created"], answer.pipelines.map((p) => [
      p.pipeline_id, p.template_name, p.topic ?? "-", p.status, `${p.steps_succeeded}/${p.steps_total}`, micros(p.total_cost_micros),
      p.status === "processing" ? "-" : duration(p.total_execution_time_ms), when(p.created_at),
    ]), ["left", "left", "left", "left", "right", "right", "right", "left"]);
    ctx.out.line(ctx.out.c.dim(`${answer.pipelines.length} of ${answer.total}${answer.total > answer.offset + answer.pipelines.length ? ` (more: --offset ${answer.offset + answer.pipelines.length})` : ""}`));
  }, answer.pipelines);
};

/** Prints a run's state as the live view's frame (people) or its summary (json). */
async function showState(ctx: Context, id: string): Promise<number> {
  const state = await watchPipeline(ctx.api, id, { once: true });
  const summary = state.summary!;
  ctx.out.emit(summary, () => {
    for (const line of renderRun(state, { now: Date.now(), c: ctx.out.c, width: ctx.out.stdout.columns || 120, baseline: baselineFor(summary, null) })) ctx.out.line(line);
  });
  return 0;
}

/** `aif pipelines show <id>`: the run's state now (from its actor's snapshot). */
export const show: Handler<object> = async (ctx, [id]) => await showState(ctx, id!);

type ControlAction = "cancel" | "pause" | "resume" | "retry";

/** `aif pipelines cancel|pause|resume|retry <id>` (staff). */
export function control(action: ControlAction): Handler<{ fromStep?: string; follow?: boolean }> {
  return async (ctx, [id], options) => {
    const summary = await ctx.api.post(PipelineControlAnswerSchema, `/admin/actors/pipelines/${encodeURIComponent(id!)}/${action}`,
      action === "retry" ? { step_id: options.fromStep } : undefined);
    // What cannot apply (pausing a run that ended, resuming one not paused) is the server's 409, said as any API error.
    if (options.follow) return await followRun(ctx, id!);
    ctx.out.emit(summary, () => {
      const done = { cancel: "cancelled", pause: "paused", resume: "resumed", retry: `set to run again from ${options.fromStep}` }[action];
      ctx.out.line(`${summary.pipeline_id} ${done}; it is ${summary.status} now.`);
      ctx.out.line(ctx.out.c.dim(`watch it: aif follow ${summary.pipeline_id}`));
    });
    return 0;
  };
}
