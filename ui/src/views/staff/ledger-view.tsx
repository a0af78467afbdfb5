import { useCallback, useEffect, useState } from "react";
import { Link } from "wouter";
import type { LedgerInspection } from "../../../../src/contracts/admin";
import { useUser } from "../../api/session";
import { useApi } from "../../api/use-api";
import type { LedgerBalance, LiveEventOf } from "../../api/types";
import { Button, Card, Empty, Facts, Loaded, Meter, StatusBadge } from "../../components/ui";
import { dateTime, percent, usd } from "../../lib/format";
import { useLive } from "../../live/use-live";
import { AdjustForm } from "./adjust-form";
import { EventTail } from "./event-tail";
import { FailureTable } from "./failure-table";
import { LiveDot } from "./live-state";
import { useDebounced } from "./use-debounced";

/** One client's books: the balance live from its ledger, holds, entries, periods and alerts. */
export function LedgerView({ clientId }: { clientId: string }) {
  const admin = useUser().role === "admin";
  const inspection = useApi<LedgerInspection>(`/admin/actors/ledgers/${encodeURIComponent(clientId)}`);
  const [balance, setBalance] = useState<LedgerBalance | null>(null);
  const [showAll, setShowAll] = useState(false);
  const [alerts, setAlerts] = useState<{ percent: number; period: string; at: number }[]>([]);
  const refetch = useDebounced(inspection.reload, 500);
  useEffect(() => { if (inspection.data) setBalance(null); }, [inspection.data]);

  const onMessage = useCallback((m: LiveEventOf<"client-ledger">) => {
    if (m.type === "snapshot") {
      setBalance(m.payload);
      return;
    }
    if (m.type === "budget_threshold") setAlerts((a) => [{ percent: m.payload.percent, period: m.payload.period, at: m.payload.at }, ...a]);
    // Holds, entries and periods changed: read the books again (once per burst).
    refetch();
  }, [refetch]);
  const live = useLive("client-ledger", clientId, { snapshots: true, initialSince: null, onMessage });

  return (
    <Loaded state={inspection} what="Reading the ledger">
      {(data) => {
        const b = balance ?? data.balance;
        const used = b.spent + b.held;
        return (
          <>
            <Card title={<>Balance · {b.period}</>} actions={<><LiveDot live={live} /><Link href={`/clients/${clientId}`}>Client record</Link></>}>
              <div className="row between">
                <div className="kpi"><small>Available</small><span className="big-number" data-testid="ledger-available">{usd(b.available)}</span></div>
                <div className="kpi"><small>Budget</small><span className="big-number">{usd(b.budget)}</span></div>
              </div>
              <Meter value={used} max={b.budget} tone={used / Math.max(1, b.budget) >= 0.95 ? "bad" : used / Math.max(1, b.budget) >= 0.8 ? "warn" : "ok"} label={`${percent(used, b.budget)} of the budget spent or held`} />
              <Facts items={[
                ["Spent", usd(b.spent)], ["Held", usd(b.held)], ["Settled", usd(b.settled)], ["Adjustments", usd(b.adjustments)],
                ["Unbilled", usd(b.unbilled ?? 0)], ["Alerts this period", b.alerted.length === 0 ? "none" : b.alerted.map((p) => `${p} %`).join(", ")],
              ]} />
              {alerts.length > 0 ? (
                <ul className="result-list" aria-live="polite">
                  {alerts.map((a, i) => <li key={i} className="warn-text">{a.percent} % of the {a.period} budget reached at {dateTime(a.at)}</li>)}
                </ul>
              ) : null}
            </Card>
            {admin ? <AdjustForm clientId={clientId} onDone={inspection.reload} /> : null}
            <div className="grid">
              <Card title={`Open holds (${data.open_holds.length})`}>
                {data.open_holds.length === 0 ? <Empty>No hold is open.</Empty> : (
                  <div className="table-wrap"><table>
                    <thead><tr><th>Key</th><th className="num">Held</th><th className="num">Remaining</th><th>Since</th></tr></thead>
                    <tbody>{data.open_holds.map((h) => (
                      <tr key={h.key}><td className="mono">{pipelineLink(h.key)}</td><td className="num">{usd(h.amount)}</td><td className="num">{usd(h.remaining)}</td><td>{dateTime(h.at)}</td></tr>
                    ))}</tbody>
                  </table></div>
                )}
              </Card>
              <Card title="Periods">
                {data.periods.length === 0 ? <Empty>No period has closed yet.</Empty> : (
                  <div className="table-wrap"><table>
                    <thead><tr><th>Period</th><th className="num">Budget</th><th className="num">Settled</th><th className="num">Adjustments</th><th className="num">Unbilled</th></tr></thead>
                    <tbody>{data.periods.map((p) => (
                      <tr key={p.period}><td>{p.period}</td><td className="num">{usd(p.budget)}</td><td className="num">{usd(p.settled)}</td><td className="num">{usd(p.adjustments)}</td><td className="num">{usd(p.unbilled)}</td></tr>
                    ))}</tbody>
                  </table></div>
                )}
                {data.due.length > 0 ? <p className="note">Next: {data.due.map((d) => `${d.kind} ${dateTime(d.at)}`).join("; ")}</p> : null}
              </Card>
            </div>
            <Card title="Recent entries">
              {data.recent_entries.length === 0 ? <Empty>No entry yet.</Empty> : (
                <div className="table-wrap"><table>
                  <thead><tr><th>At</th><th>Kind</th><th>Key</th><th className="num">Amount</th><th className="num">Charged</th><th>Reason</th></tr></thead>
                  <tbody>{[...data.recent_entries].reverse().slice(0, showAll ? undefined : 15).map((e, i) => (
                    <tr key={i}>
                      <td>{dateTime(e.at)}</td><td><StatusBadge status={e.kind} /></td><td className="mono">{e.key ? pipelineLink(e.key) : "—"}</td>
                      <td className="num">{usd(e.amount)}</td><td className="num">{usd(e.charged)}{e.unbilled > 0 ? <div className="bad-text">{usd(e.unbilled)} unbilled</div> : null}</td>
                      <td>{e.reason ?? ""}</td>
                    </tr>
                  ))}</tbody>
                </table></div>
              )}
              {data.recent_entries.length > 15 ? <Button onClick={() => setShowAll((x) => !x)}>{showAll ? "Show fewer" : `Show all ${data.recent_entries.length}`}</Button> : null}
            </Card>
            {data.unbilled.length > 0 ? (
              <Card title="Unbilled work">
                <div className="table-wrap"><table>
                  <thead><tr><th>Key</th><th className="num">Actual</th><th className="num">Charged</th><th className="num">Unbilled</th><th>At</th></tr></thead>
                  <tbody>{data.unbilled.map((u) => <tr key={u.key}><td className="mono">{pipelineLink(u.key)}</td><td className="num">{usd(u.actual)}</td><td className="num">{usd(u.charged)}</td><td className="num">{usd(u.unbilled)}</td><td>{dateTime(u.at)}</td></tr>)}</tbody>
                </table></div>
              </Card>
            ) : null}
            <Card title={`Failures (${data.failures.length})`}><FailureTable failures={data.failures} /></Card>
            <Card title="Event log tail"><EventTail events={data.recent_events} /></Card>
          </>
        );
      }}
    </Loaded>
  );
}

/** A ledger key naming a pipeline (`pip_…:run`, `pip_…:step:1`) links to its inspector. */
function pipelineLink(key: string) {
  const id = key.split(":")[0] ?? "";
  return id.startsWith("pip_") ? <><Link href={`/inspect/${id}`}>{id}</Link>{key.slice(id.length)}</> : key;
}
