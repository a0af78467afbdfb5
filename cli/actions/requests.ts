/** Client requests: create, list, show, assign a template, execute. */
import { AssignAnswerSchema, ExecuteAnswerSchema } from "../../src/contracts/desk";
import { CreateRequestResponseSchema, RequestDetailsSchema, RequestListSchema, type CreateRequestInput } from "../../src/contracts/requests";
import type { Handler } from "../action";
import { Exit } from "../errors";
import { bytes, clip, duration, micros, usd, when } from "../format";
import { followRun } from "../live/follow";
import { parseParams } from "../params";
import { numberOption, paging } from "../options";

interface CreateOptions { message: string; type: CreateRequestInput["request_type"]; urgency?: CreateRequestInput["urgency_level"]; client?: string }

/** `aif requests create`. */
export const create: Handler<CreateOptions> = async (ctx, _args, options) => {
  const body = {
    request_type: options.type, message: options.message,
    ...(options.urgency ? { urgency_level: options.urgency } : {}),
    ...(options.client ? { client_id: options.client } : {}),
  } satisfies CreateRequestInput;
  const answer = await ctx.api.post(CreateRequestResponseSchema, "/requests", body);
  const r = answer.request;
  ctx.out.emit(answer, () => {
    ctx.out.line(`Created ${r.request_id} (${r.request_status}, urgency ${r.urgency_level}).`);
    if (r.processed_request) ctx.out.line(`Read as: ${r.processed_request}`);
    const analysis = r.request_analysis;
    if (analysis && typeof analysis.topic === "string") ctx.out.line(`Topic: ${analysis.topic}${typeof analysis.intent === "string" ? ` · intent: ${analysis.intent}` : ""}`);
    ctx.out.line(ctx.out.c.dim(`next: aif requests assign ${r.request_id} --template <template> --topic "…", then aif requests execute ${r.request_id}`));
  });
};

interface ListOptions { status?: string; template?: string; client?: string; since?: string; until?: string; limit: string; offset: string }

/** `aif requests list`. */
export const list: Handler<ListOptions> = async (ctx, _args, options) => {
  const answer = await ctx.api.get(RequestListSchema, "/requests", {
    query: {
      status: options.status, template: options.template, client_id: options.client, since: options.since, until: options.until,
      ...paging(options),
    },
  });
  ctx.out.emit(answer, () => {
    ctx.out.table(["request", "status", "urgency", "template", "message", "cost", "created"], answer.requests.map((r) => [
      r.request_id, r.request_status, r.urgency_level, r.selected_template ?? "-", clip(r.original_message.replace(/\s+/g, " "), 40),
      r.actual_cost_usd !== null ? usd(r.actual_cost_usd) : r.estimated_cost_usd !== null ? `~${usd(r.estimated_cost_usd)}` : "-", when(r.created_at),
    ]), ["left", "left", "left", "left", "left", "right", "left"]);
    ctx.out.line(ctx.out.c.dim(`${answer.requests.length} of ${answer.total}`));
  }, answer.requests);
};

/** `aif requests show <id>`. */
export const show: Handler<object> = async (ctx, [id]) => {
  const d = await ctx.api.get(RequestDetailsSchema, `/requests/${encodeURIComponent(id!)}`);
  const r = d.request;
  ctx.out.emit(d, () => {
    ctx.out.fields([
      ["request", `${r.request_id} (${r.request_type})`],
      ["client", r.client_id],
      ["status", r.request_status + (r.failure_reason ? ` (${r.failure_reason})` : "")],
      ["urgency", r.urgency_level],
      ["message", clip(r.original_message.replace(/\s+/g, " "), 100)],
      ["template", r.selected_template ?? "-"],
      ["parameters", r.template_parameters ? clip(JSON.stringify(r.template_parameters), 100) : "-"],
      ["pipeline", d.pipeline_id ?? r.orchestrator_pipeline_id ?? "-"],
      ["cost", d.total_cost_usd !== undefined ? usd(d.total_cost_usd) : d.cost_so_far_usd !== undefined ? `${usd(d.cost_so_far_usd)} so far` : r.estimated_cost_usd !== null ? `estimate ${usd(r.estimated_cost_usd)}` : "-"],
      ...(d.steps_total !== undefined ? [["steps", `${d.steps_done ?? 0}/${d.steps_total} done (${d.pipeline_status ?? "-"})`] as const] : []),
      ...(d.queue ? [["queue", `#${d.queue.position} (${d.queue.waiting_steps.join(", ")}), starts ${when(d.queue.estimated_start)}, ends ${when(d.queue.estimated_finish)}`] as const] : []),
      ...(d.total_execution_time_ms !== undefined ? [["took", duration(d.total_execution_time_ms)] as const] : []),
      ["created", when(r.created_at)],
    ]);
    if (d.worker_sessions && d.worker_sessions.length > 0) {
      ctx.out.line();
      ctx.out.table(["step", "worker", "ok", "time", "cost", "error"], d.worker_sessions.map((s) => [
        s.step_id, s.worker_name, s.worker_success ? "yes" : "no", duration(s.execution_time_ms), usd(s.worker_cost_usd), clip(s.error_message ?? "-", 60),
      ]), ["left", "left", "left", "right", "right", "left"]);
    }
    if (d.deliverables && d.deliverables.length > 0) {
      ctx.out.line();
      ctx.out.table(["deliverable", "name", "size"], d.deliverables.map((x) => [x.id, x.name, bytes(x.size)]), ["left", "left", "right"]);
      ctx.out.line(ctx.out.c.dim(`download: aif deliverables download --pipeline ${d.pipeline_id ?? r.orchestrator_pipeline_id}`));
    }
  });
};

interface AssignOptions { template: string; topic?: string; param: string[] }

/** `aif requests assign <id> --template …`. */
export const assign: Handler<AssignOptions> = async (ctx, [id], options) => {
  const parameters = parseParams(options.param, options.topic !== undefined ? { topic: options.topic } : {});
  const answer = await ctx.api.put(AssignAnswerSchema, `/requests/${encodeURIComponent(id!)}`, { selected_template: options.template, template_parameters: parameters });
  ctx.out.emit(answer, () => {
    const e = answer.estimate;
    ctx.out.line(`Assigned ${e.template_name} to ${answer.request.request_id}: estimate ${micros(e.cost_micros)} (${micros(e.cost_interval.low_micros)}–${micros(e.cost_interval.high_micros)}), about ${duration(e.duration_ms)}.`);
    ctx.out.line(ctx.out.c.dim(`run it: aif requests execute ${answer.request.request_id}`));
  });
};

interface ExecuteOptions { urgency?: string; budgetLimit?: string; deadline?: string; detach?: boolean }

/** `aif requests execute <id>`: starts the assigned run, then watches it like `aif run`. */
export const execute: Handler<ExecuteOptions> = async (ctx, [id], options) => {
  const deadline = numberOption("deadline", options.deadline, 1, 86_400);
  const body = {
    ...(options.urgency ? { urgency: options.urgency } : {}),
    ...(options.budgetLimit !== undefined ? { budget_limit: numberOption("budget-limit", options.budgetLimit, 0, 1_000_000) } : {}),
    ...(deadline !== undefined ? { deadline_ms: Math.round(deadline * 1000) } : {}),
  };
  const answer = await ctx.api.post(ExecuteAnswerSchema, `/requests/${encodeURIComponent(id!)}/execute`, body);
  if (options.detach) {
    ctx.out.emit(answer, () => {
      ctx.out.line(`Executing ${answer.request_id} as ${answer.pipeline_id} (${answer.status}), estimate ${usd(answer.estimate.cost_usd)}.`);
      ctx.out.line(`Watch it: aif follow ${answer.pipeline_id}`);
    });
    return Exit.ok;
  }
  return await followRun(ctx, answer.pipeline_id, { estimate: answer.estimate });
};
