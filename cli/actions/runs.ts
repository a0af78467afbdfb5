/** Starting a run, following one, and writing what it produced. */
import path from "node:path";
import * as v from "valibot";
import { isEnded } from "../../src/actors/pipeline/statuses";
import { RunResultSchema } from "../../src/contracts/pipeline";
import { CoursePackageSchema, ReportSchema } from "../../src/contracts/artifacts";
import { OrchestrationStartedSchema, type OrchestrationInput } from "../../src/contracts/runs";
import type { Handler } from "../action";
import type { Context } from "../context";
import { ApiError, CliError, Exit } from "../errors";
import { bytes, duration, micros, usd } from "../format";
import { prepareDir, safeName, sha256Of, writeVerified } from "../files";
import { followRun } from "../live/follow";
import { exitCodeFor } from "../live/summary";
import { numberOption } from "../options";
import { parseParams } from "../params";

interface RunOptions {
  topic: string; param: string[]; urgency?: OrchestrationInput["urgency"]; budgetLimit?: string; deadline?: string;
  request?: string; client?: string; idempotencyKey?: string; detach?: boolean;
}

/** `aif run <template>`: POST /orchestrate, then the live view until the run ends. */
export const run: Handler<RunOptions> = async (ctx, [template], options) => {
  const parameters = parseParams(options.param);
  if ("topic" in parameters) throw new CliError("give the topic with --topic, not -p topic=…", "the run's topic is its own option: --topic \"energy storage\"");
  const deadline = numberOption("deadline", options.deadline, 1, 86_400);
  const body = {
    pipeline_template: template!,
    topic: options.topic,
    ...(Object.keys(parameters).length > 0 ? { template_parameters: parameters } : {}),
    ...(options.urgency ? { urgency: options.urgency } : {}),
    ...(options.budgetLimit !== undefined ? { budget_limit: numberOption("budget-limit", options.budgetLimit, 0, 1_000_000) } : {}),
    ...(deadline !== undefined ? { deadline_ms: Math.round(deadline * 1000) } : {}),
    ...(options.request ? { request_id: options.request } : {}),
    ...(options.client ? { client_id: options.client } : {}),
  } satisfies OrchestrationInput;
  const started = await ctx.api.post(OrchestrationStartedSchema, "/orchestrate", body, {
    headers: options.idempotencyKey ? { "Idempotency-Key": options.idempotencyKey } : {},
  }).catch((error: unknown) => {
    // A parameter refused: point at where the template's parameters are listed.
    if (error instanceof ApiError && error.status === 422 && /pipeline_template/.test(error.message)) {
      throw new ApiError(error.status, error.code, error.message, error.details, error.requestId, "the templates you may run: aif templates list");
    }
    if (error instanceof ApiError && error.status === 422 && /template_parameters/.test(error.message)) {
      throw new ApiError(error.status, error.code, error.message, error.details, error.requestId, `the template's parameters: aif templates show ${template}`);
    }
    throw error;
  });
  const id = started.pipeline.id;
  if (options.detach) {
    ctx.out.emit(started, () => {
      const e = started.estimate;
      ctx.out.line(`Started ${id} (${template}): ${started.pipeline.status}, estimate ${usd(e.cost_usd)}, about ${duration(e.duration_ms)}.`);
      ctx.out.line(`Watch it:   aif follow ${id}`);
      ctx.out.line(`Its result: aif result ${id}`);
    });
    return Exit.ok;
  }
  return await followRun(ctx, id, { estimate: started.estimate });
};

/** `aif follow <pipeline-id>`. */
export const follow: Handler<object> = async (ctx, [id]) => await followRun(ctx, id!);


interface Written { path: string; bytes: number; sha256: string; verified: boolean }

/** Writes a run's report and package files into `dir`; refuses (and deletes) a package file whose checksum does not match. */
function writeResult(dir: string, context: Record<string, unknown>): { written: Written[]; mismatched: string[] } {
  const written: Written[] = [];
  const mismatched: string[] = [];
  const put = (name: string, text: string, checksum: string | null) => {
    const file = path.join(dir, name);
    const outcome = writeVerified(file, text, checksum);
    if (checksum !== null && !outcome.verified) mismatched.push(name);
    else written.push({ path: file, bytes: Buffer.byteLength(text), ...outcome });
  };
  const report = v.safeParse(ReportSchema, context.report);
  if (report.success) {
    put("report.md", report.output.markdown, null);
    put("report.html", report.output.html, null);
  }
  const pkg = v.safeParse(CoursePackageSchema, context.package);
  if (pkg.success) {
    for (const [i, file] of pkg.output.files.entries()) {
      const text = pkg.output.documents[file.format];
      if (text === undefined) continue;
      put(safeName(file.name, `file-${i + 1}.${safeName(file.format, "txt")}`), text, sha256Of(file.checksum));
    }
  }
  return { written, mismatched };
}

interface ResultOptions { dir?: string; wait: string; force?: boolean }

/** `aif result <pipeline-id>`: GET /pipeline/:id/result, written to a directory. */
export const result: Handler<ResultOptions> = async (ctx: Context, [id], options) => {
  const waitMs = Math.round((numberOption("wait", options.wait, 0, 30) ?? 0) * 1000);
  const r = await ctx.api.get(RunResultSchema, `/pipeline/${encodeURIComponent(id!)}/result`, { query: { wait_ms: waitMs || undefined }, timeoutMs: 60_000 + waitMs });
  if (!isEnded(r.status)) {
    throw new CliError(`${id} is still ${r.status}; it has no result yet`, `watch it to its end with 'aif follow ${id}', or wait here with --wait 30`);
  }
  const dir = path.resolve(options.dir ?? id!);
  prepareDir(dir, options.force ?? false);
  const { written, mismatched } = writeResult(dir, r.context);
  const all = path.join(dir, "result.json");
  const text = `${JSON.stringify(r, null, 2)}\n`;
  written.push({ path: all, bytes: Buffer.byteLength(text), ...writeVerified(all, text, null) });
  ctx.out.emit({ pipeline_id: r.pipeline_id, status: r.status, cost_usd: r.cost_usd, dir, files: written, mismatched, unavailable: r.unavailable ?? [] }, () => {
    ctx.out.line(`${r.pipeline_id} ${r.status}, cost ${micros(r.cost_micros)}: wrote ${written.length} file${written.length === 1 ? "" : "s"} to ${dir}`);
    for (const f of written) ctx.out.line(`  ${path.relative(dir, f.path).padEnd(32)} ${bytes(f.bytes).padStart(9)}${f.verified ? "  sha256 verified" : ""}`);
    for (const u of r.unavailable ?? []) ctx.out.line(ctx.out.c.yellow(`  ${u.field}: not available (${u.code})`));
  }, written);
  if (mismatched.length > 0) {
    throw new CliError(`checksum mismatch: ${mismatched.join(", ")} did not match the checksum the run recorded, and ${mismatched.length === 1 ? "was" : "were"} not written`, "fetch it again; if it persists, report it");
  }
  return exitCodeFor(r.status);
};
