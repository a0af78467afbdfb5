/** Deliverables: listing, and downloading through a signed URL with the checksum verified. */
import { existsSync, mkdirSync } from "node:fs";
import path from "node:path";
import { DeliverableLinkSchema, DeliverableListSchema, type DeliverableMetadata } from "../../src/contracts/deliverables";
import type { Handler } from "../action";
import type { Context } from "../context";
import { CliError } from "../errors";
import { bytes, when } from "../format";
import { safeName, sha256Of, writeVerified } from "../files";
import { paging } from "../options";

interface ListOptions { pipeline?: string; request?: string; client?: string; limit: string; offset: string }

/** `aif deliverables list`. */
export const list: Handler<ListOptions> = async (ctx, _args, options) => {
  const answer = await ctx.api.get(DeliverableListSchema, "/deliverables", {
    query: {
      pipeline_id: options.pipeline, request_id: options.request, client_id: options.client,
      ...paging(options),
    },
  });
  ctx.out.emit(answer, () => {
    ctx.out.table(["deliverable", "name", "size", "sha256", "pipeline", "created"], answer.deliverables.map((d) => [
      d.id, d.name, bytes(d.size), `${(sha256Of(d.checksum) ?? d.checksum).slice(0, 12)}…`, d.pipeline_id, when(d.created_at),
    ]), ["left", "left", "right", "left", "left", "left"]);
    ctx.out.line(ctx.out.c.dim(`${answer.deliverables.length} of ${answer.total}; download: aif deliverables download <deliverable> (or --pipeline <pipeline>)`));
  }, answer.deliverables);
};

/** A deliverable's bytes through a freshly signed URL (the signature is the credential: none is sent). */
async function fetchSigned(ctx: Context, id: string, before: (meta: DeliverableMetadata) => void = () => {}): Promise<{ meta: DeliverableMetadata; data: Uint8Array }> {
  const link = await ctx.api.get(DeliverableLinkSchema, `/deliverables/${encodeURIComponent(id)}`);
  // Checked before the bytes are fetched: a refusal here downloads (and counts) nothing.
  before(link.deliverable);
  const url = link.download_url.startsWith("/") ? `${ctx.api.baseUrl}${link.download_url}` : link.download_url;
  let response: Response;
  try {
    response = await fetch(url, { headers: { "User-Agent": "aif-cli/0.1" }, signal: AbortSignal.timeout(300_000) });
  } catch (error) {
    throw new CliError(`downloading ${id} failed: ${(error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message}`);
  }
  if (!response.ok) {
    let data: unknown = null;
    try { data = JSON.parse(await response.text()); } catch { /* not the envelope */ }
    throw ctx.api.failure(response, data, `the download of ${id}`);
  }
  return { meta: link.deliverable, data: new Uint8Array(await response.arrayBuffer()) };
}

interface DownloadOptions { pipeline?: string; dir: string; force?: boolean }

/** `aif deliverables download`: every file verified against its sha256; a mismatch is deleted and fails the command. */
export const download: Handler<DownloadOptions> = async (ctx, ids, options) => {
  const wanted = [...ids];
  if (options.pipeline) {
    const listed = await ctx.api.get(DeliverableListSchema, "/deliverables", { query: { pipeline_id: options.pipeline, limit: 200 } });
    wanted.push(...listed.deliverables.map((d) => d.id));
    if (listed.deliverables.length === 0) throw new CliError(`${options.pipeline} has no deliverables`, "a run stores its deliverables when it completes; 'aif pipelines show <pipeline-id>' says how it ended");
  }
  if (wanted.length === 0) throw new CliError("name the deliverables to download, or --pipeline <pipeline-id>", "see them with 'aif deliverables list'");
  const dir = path.resolve(options.dir);
  mkdirSync(dir, { recursive: true });
  const results: { id: string; name: string; path: string; bytes: number; sha256: string; verified: boolean }[] = [];
  const mismatched: string[] = [];
  for (const id of new Set(wanted)) {
    const fileOf = (meta: DeliverableMetadata) => path.join(dir, safeName(meta.name, `${id}.${safeName(meta.format, "bin")}`));
    const { meta, data } = await fetchSigned(ctx, id, (meta) => {
      if (existsSync(fileOf(meta)) && !options.force) throw new CliError(`${fileOf(meta)} exists`, "add --force to replace it, or choose another --dir");
    });
    const file = fileOf(meta);
    const expected = sha256Of(meta.checksum);
    if (expected === null) throw new CliError(`${id}'s checksum '${meta.checksum}' is not a sha256; the file cannot be verified`, "nothing was written");
    const outcome = writeVerified(file, data, expected);
    const sizeOk = data.byteLength === meta.size;
    if (!outcome.verified || !sizeOk) {
      mismatched.push(`${meta.name} (${id}): expected sha256 ${expected.slice(0, 16)}… and ${meta.size} bytes, got ${outcome.sha256.slice(0, 16)}… and ${data.byteLength} bytes`);
      if (ctx.out.human) ctx.out.line(`${ctx.out.c.red("✖")} ${meta.name}  checksum MISMATCH: deleted, not kept`);
      continue;
    }
    results.push({ id, name: meta.name, path: file, bytes: data.byteLength, sha256: outcome.sha256, verified: true });
    if (ctx.out.human) ctx.out.line(`${ctx.out.c.green("✔")} ${path.relative(process.cwd(), file) || file}  ${bytes(data.byteLength)}  sha256 ${outcome.sha256.slice(0, 12)}… verified`);
  }
  if (!ctx.out.human) ctx.out.emit({ dir, files: results, mismatched }, () => {}, results);
  if (mismatched.length > 0) {
    throw new CliError(`checksum mismatch, file${mismatched.length === 1 ? "" : "s"} deleted:\n  ${mismatched.join("\n  ")}`, "the download was altered or cut short; try again, and report it if it persists");
  }
};
