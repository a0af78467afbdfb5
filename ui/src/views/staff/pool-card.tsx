import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { Link } from "wouter";
import type { PoolSnapshot, PoolStats } from "../../../../src/contracts/admin";
import { api } from "../../api/http";
import { useUser } from "../../api/session";
import { useNow } from "../../api/use-api";
import { Card, ConfirmButton, Empty, Facts, Meter } from "../../components/ui";
import { duration, percent, relative } from "../../lib/format";
import type { LiveEventOf } from "../../api/types";
import { useLive } from "../../live/use-live";
import { LiveDot } from "./live-state";
import { PoolForm } from "./pool-form";
import { TimeChart } from "./time-chart";

/** Points kept for the utilisation chart (one per snapshot). */
const MAX_POINTS = 600;

type Series = [number[], number[], number[]];

/** One worker type's pool: load against the limit, queue, leases, timings, live. */
export function PoolCard({ initial }: { initial: PoolStats }) {
  const user = useUser();
  const admin = user.role === "admin";
  const [snap, setSnap] = useState<PoolSnapshot | null>(null);
  const [series, setSeries] = useState<Series>(() => [[Date.now() / 1000], [initial.utilization * 100], [initial.in_flight]]);
  const now = useNow(5_000);

  const addPoint = useCallback((utilization: number, inFlight: number) => {
    setSeries(([t, u, f]) => {
      const keep = t.length >= MAX_POINTS ? 1 : 0;
      return [[...t.slice(keep), Date.now() / 1000], [...u.slice(keep), utilization * 100], [...f.slice(keep), inFlight]];
    });
  }, []);
  const onMessage = useCallback((m: LiveEventOf<"resource-pool">) => {
    if (m.type !== "snapshot") return;
    setSnap(m.payload);
    addPoint(m.payload.utilization, m.payload.in_flight);
  }, [addPoint]);
  // The chart's clock: the last pushed values carried forward every few seconds (nothing is
  // fetched), so a quiet pool draws a flat line over time rather than two dots.
  const latest = useRef(initial);
  latest.current = snap ?? initial;
  useEffect(() => { addPoint(latest.current.utilization, latest.current.in_flight); }, [now, addPoint]);
  const live = useLive("resource-pool", initial.worker, { snapshots: true, initialSince: null, onMessage });

  const p = snap ?? initial;
  const tone = p.in_flight >= p.max_concurrent ? "bad" : p.in_flight / Math.max(1, p.max_concurrent) > 0.7 ? "warn" : "ok";
  const chartData = useMemo(() => series as unknown as number[][], [series]);

  return (
    <Card title={p.worker} actions={<LiveDot live={live} />} className="pool-card">
      <div data-testid={`pool-${initial.worker}`} className="stack">
        <div className="row between">
          <div className="kpi">
            <small>In flight / limit</small>
            <span className="big-number"><span data-testid="pool-in-flight">{p.in_flight}</span> / <span data-testid="pool-limit">{p.max_concurrent}</span></span>
          </div>
          <div className="kpi"><small>Queued</small><span className="big-number" data-testid="pool-queue-depth">{p.queue_depth}</span></div>
        </div>
        <Meter value={p.in_flight} max={p.max_concurrent} tone={tone} label={`${p.worker}: ${p.in_flight} of ${p.max_concurrent} slots in use`} />
        <Facts items={[
          ["Utilisation", percent(p.utilization, 1)],
          ["EWMA", duration(p.ewma_ms)],
          ["p95", duration(p.p95_ms)],
          ["Throughput", `${p.throughput_per_min.toFixed(1)} / min`],
          ["Queue size", snap?.queue_limit ?? "—"],
          ["Lease TTL", duration(snap?.lease_ttl_ms ?? null)],
          ["Granted", p.granted_total],
          ["Expired · rejected · timed out", `${p.expired_total} · ${p.rejected_total} · ${p.timed_out_total}`],
        ]} />
        <TimeChart label={`${p.worker}: utilisation and in-flight over time`} data={chartData}
          series={[{ label: "Utilisation", color: "#3451d1", format: (v) => `${Math.round(v)} %` }, { label: "In flight", color: "#0f7b3d", right: true, format: (v) => String(Math.round(v * 10) / 10) }]} height={150} yMax={100} minSpan={300} />
        <details open={(snap?.queue?.length ?? 0) > 0}>
          <summary>Queue ({p.queue_depth})</summary>
          {snap?.queue && snap.queue.length > 0 ? (
            <div className="table-wrap">
              <table>
                <thead><tr><th className="num">#</th><th>Pipeline</th><th className="num">Priority</th><th className="num">Waited</th></tr></thead>
                <tbody>
                  {snap.queue.map((w) => (
                    <tr key={w.key}>
                      <td className="num">{w.position}</td>
                      <td><Link href={`/inspect/${w.pipeline_id}`} className="mono">{w.pipeline_id}</Link><div className="muted mono">{stepOf(w.key)}</div></td>
                      <td className="num">{w.priority}</td>
                      <td className="num">{duration(w.waited_ms)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          ) : <Empty>Nobody is waiting.</Empty>}
        </details>
        <details open={(snap?.leases?.length ?? 0) > 0}>
          <summary>Leases ({p.in_flight})</summary>
          {snap?.leases && snap.leases.length > 0 ? (
            <div className="table-wrap">
              <table>
                <thead><tr><th>Pipeline</th><th>Granted</th><th>Expires</th>{admin ? <th><span className="sr-only">Actions</span></th> : null}</tr></thead>
                <tbody>
                  {snap.leases.map((l) => (
                    <tr key={l.key}>
                      <td><Link href={`/inspect/${l.pipeline_id}`} className="mono">{l.pipeline_id}</Link><div className="muted mono">{stepOf(l.key)} · priority {l.priority}</div></td>
                      <td>{relative(l.granted_at, now)}</td>
                      <td>{relative(l.expires_at, now)}</td>
                      {admin ? (
                        <td>
                          <ConfirmButton label="Release" variant="danger"
                            question={<>Release the lease <code>{l.key}</code>? The slot goes to the next waiter; the step's worker may still be running.</>}
                            onConfirm={() => api.post(`/admin/actors/pools/${encodeURIComponent(p.worker)}/leases/${encodeURIComponent(l.key)}/release`)} />
                        </td>
                      ) : null}
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          ) : <Empty>No lease is held.</Empty>}
        </details>
        {admin ? <PoolForm worker={p.worker} current={{ max_concurrent: p.max_concurrent, queue_limit: snap?.queue_limit, lease_ttl_ms: snap?.lease_ttl_ms }} /> : null}
      </div>
    </Card>
  );
}

/** `pip_x:collect:1` → `collect, attempt 1`. */
function stepOf(key: string): string {
  const parts = key.split(":");
  return parts.length >= 3 ? `${parts[1]}, attempt ${parts[2]}` : key;
}
