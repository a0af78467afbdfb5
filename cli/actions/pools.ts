/** Staff: the ResourcePools. */
import { PoolConfigAnswerSchema, PoolsSchema, type PoolConfigInput } from "../../src/contracts/admin";
import type { Handler } from "../action";
import { CliError } from "../errors";
import { duration, when } from "../format";
import { watchParty } from "../live/party-watch";
import { snapshotOf } from "../live/snapshot";
import { numberOption } from "../options";

const ms = (n: number | null) => (n === null ? "-" : duration(n));

/** `aif pools list`. */
export const list: Handler<object> = async (ctx) => {
  const answer = await ctx.api.get(PoolsSchema, "/admin/actors/pools");
  ctx.out.emit(answer, () => {
    ctx.out.table(["worker", "in flight", "queue", "utilisation", "typical", "p95", "per min", "granted", "rejected", "timed out"], answer.pools.map((p) => [
      p.worker, `${p.in_flight}/${p.max_concurrent}`, p.queue_depth, `${Math.round(p.utilization * 100)}%`, ms(p.ewma_ms), ms(p.p95_ms),
      p.throughput_per_min.toFixed(1), p.granted_total, p.rejected_total, p.timed_out_total,
    ]), ["left", "right", "right", "right", "right", "right", "right", "right", "right", "right"]);
  }, answer.pools);
};

/** `aif pools show <worker>`: the pool's live snapshot (config, queue in grant order, leases). */
export const show: Handler<{ watch?: boolean }> = async (ctx, [worker], options) => {
  const p = await snapshotOf(ctx.api, "resource-pool", worker!);
  ctx.out.emit(p, () => {
    ctx.out.fields([
      ["worker", p.worker],
      ["in flight", `${p.in_flight} of ${p.max_concurrent}`],
      ["queue", `${p.queue_depth}${p.queue_limit !== undefined ? ` (limit ${p.queue_limit})` : ""}`],
      ["lease ttl", p.lease_ttl_ms !== undefined ? duration(p.lease_ttl_ms) : "-"],
      ["utilisation", `${Math.round(p.utilization * 100)}%`],
      ["typical / p95", `${ms(p.ewma_ms)} / ${ms(p.p95_ms)}`],
      ["totals", `${p.granted_total} granted, ${p.rejected_total} rejected, ${p.timed_out_total} timed out, ${p.expired_total} expired`],
    ]);
    if (p.leases && p.leases.length > 0) {
      ctx.out.line();
      ctx.out.table(["lease", "pipeline", "priority", "granted", "expires"], p.leases.map((l) => [l.key, l.pipeline_id, l.priority, when(l.granted_at), when(l.expires_at)]));
    }
    if (p.queue && p.queue.length > 0) {
      ctx.out.line();
      ctx.out.table(["#", "waiting", "pipeline", "priority", "waited"], p.queue.map((q) => [q.position, q.key, q.pipeline_id, q.priority, duration(q.waited_ms)]));
    }
  });
  if (options.watch) return await watchParty(ctx, "resource-pool", worker!, true);
};

interface SetOptions { maxConcurrent?: string; queueLimit?: string; leaseTtl?: string }

/** `aif pools set <worker>` (admin). */
export const set: Handler<SetOptions> = async (ctx, [worker], options) => {
  const ttl = numberOption("lease-ttl", options.leaseTtl, 1, 3_600);
  const body: PoolConfigInput = {
    ...(options.maxConcurrent !== undefined ? { max_concurrent: numberOption("max-concurrent", options.maxConcurrent, 1, 1_000) } : {}),
    ...(options.queueLimit !== undefined ? { queue_limit: numberOption("queue-limit", options.queueLimit, 0, 100_000) } : {}),
    ...(ttl !== undefined ? { lease_ttl_ms: Math.round(ttl * 1000) } : {}),
  };
  if (Object.keys(body).length === 0) throw new CliError("nothing to set", "give --max-concurrent, --queue-limit or --lease-ttl");
  const answer = await ctx.api.put(PoolConfigAnswerSchema, `/admin/actors/pools/${encodeURIComponent(worker!)}`, body);
  ctx.out.emit(answer, () => {
    const c = answer.config;
    ctx.out.line(`${answer.worker}: ${c.maxConcurrent} slots, queue up to ${c.queueLimit}, leases ${duration(c.leaseTtlMs)}.`);
  });
};
