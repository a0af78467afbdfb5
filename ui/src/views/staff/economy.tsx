import { useMemo, useState } from "react";
import type { EconomyPricing, EconomyStats } from "../../../../src/contracts/economy";
import { query } from "../../api/http";
import { useApi } from "../../api/use-api";
import { Card, Empty, Field, Loaded, Page } from "../../components/ui";
import { dollars, duration, usd } from "../../lib/format";
import { TimeChart } from "./time-chart";
import "./staff.css";

const pct = (x: number | null) => (x === null ? "—" : `${x.toFixed(2)} %`);

/** /economy — the estimator's accuracy, learned prices and daily cost tracking. */
export default function EconomyView() {
  const [days, setDays] = useState(30);
  const stats = useApi<EconomyStats>(`/economy/stats${query({ days })}`);
  const pricing = useApi<EconomyPricing>("/economy/pricing");
  return (
    <Page title="Economy" subtitle="How well the estimator predicts, what work costs, and what was spent each day."
      actions={
        <Field label="Days">
          {(id) => (
            <select id={id} value={days} onChange={(e) => setDays(Number(e.target.value))}>
              {[7, 30, 90, 366].map((d) => <option key={d} value={d}>{d}</option>)}
            </select>
          )}
        </Field>
      }>
      <Loaded state={stats} what="Loading the economy">
        {(s) => (
          <>
            <DailyCost stats={s} />
            <Card title="Estimator accuracy">
              <p className="note">Target: cost error (MAPE) under {s.target.mape_percent} % once a template has {s.target.after_runs} runs.</p>
              {s.templates.length === 0 ? <Empty>No completed run has been scored yet.</Empty> : (
                <div className="table-wrap"><table>
                  <thead><tr><th>Template</th><th className="num">Runs</th><th className="num">Cost MAPE</th><th className="num">Duration MAPE</th><th className="num">In 90 % interval</th><th className="num">Cost MAPE after {s.target.after_runs}</th><th>Target</th></tr></thead>
                  <tbody>{s.templates.map((t) => (
                    <tr key={t.template}>
                      <td>{t.template}</td><td className="num">{t.runs}</td><td className="num">{pct(t.cost_mape_percent)}</td><td className="num">{pct(t.duration_mape_percent)}</td>
                      <td className="num">{t.within_cost_interval === null ? "—" : `${Math.round(t.within_cost_interval * 100)} %`}</td>
                      <td className="num">{pct(t.after_20_runs.cost_mape_percent)} <span className="muted">({t.after_20_runs.runs})</span></td>
                      <td>{t.meets_target === null ? <span className="muted">too few runs</span> : t.meets_target ? <span className="ok-text">met</span> : <span className="bad-text">missed</span>}</td>
                    </tr>
                  ))}</tbody>
                </table></div>
              )}
            </Card>
            <Card title="Cost by worker">
              {s.cost_tracking.by_worker.length === 0 ? <Empty>Nothing was spent in this window.</Empty> : (
                <div className="table-wrap"><table>
                  <thead><tr><th>Worker</th><th className="num">Executions</th><th className="num">Cost</th><th className="num">Time</th></tr></thead>
                  <tbody>{s.cost_tracking.by_worker.map((w) => <tr key={w.worker}><td>{w.worker}</td><td className="num">{w.executions}</td><td className="num">{dollars(w.cost_usd)}</td><td className="num">{duration(w.execution_time_ms)}</td></tr>)}</tbody>
                </table></div>
              )}
            </Card>
          </>
        )}
      </Loaded>
      <Loaded state={pricing} what="Loading prices">
        {(p) => (
          <>
            <Card title="Learned pricing by worker">
              <div className="table-wrap"><table>
                <thead><tr><th>Worker</th><th className="num">Base per run</th><th className="num">Learned fixed</th><th className="num">Per unit</th><th className="num">Time fixed</th><th className="num">Time per unit</th><th className="num">Samples</th></tr></thead>
                <tbody>{p.workers.map((w) => (
                  <tr key={w.worker}>
                    <td>{w.display_name}<div className="muted mono">{w.worker}</div></td>
                    <td className="num">{usd(w.base_cost_micros)}</td>
                    <td className="num">{w.learned ? usd(w.learned.fixed_cost_micros) : "—"}</td>
                    <td className="num">{w.learned && w.learned.cost_per_unit_micros !== null ? `${usd(w.learned.cost_per_unit_micros)}${w.unit ? ` / ${w.unit}` : ""}` : "—"}</td>
                    <td className="num">{w.learned ? duration(w.learned.fixed_time_ms) : duration(w.registry_avg_execution_time_ms)}</td>
                    <td className="num">{w.learned && w.learned.time_per_unit_ms !== null ? duration(w.learned.time_per_unit_ms) : "—"}</td>
                    <td className="num">{w.learned?.samples ?? 0}</td>
                  </tr>
                ))}</tbody>
              </table></div>
            </Card>
            <Card title="Templates: typical runs">
              <div className="table-wrap"><table>
                <thead><tr><th>Template</th><th className="num">Registry estimate</th><th className="num">Typical cost</th><th className="num">Typical duration</th><th className="num">Recent runs</th></tr></thead>
                <tbody>{p.templates.map((t) => (
                  <tr key={t.template}><td>{t.display_name}<div className="muted mono">{t.template}</div></td><td className="num">{dollars(t.registry_estimate_usd)}</td><td className="num">{dollars(t.typical_cost_usd)}</td><td className="num">{duration(t.typical_duration_ms)}</td><td className="num">{t.recent_runs}</td></tr>
                ))}</tbody>
              </table></div>
            </Card>
            <Card title="AI chain">
              <ul className="result-list">{p.ai_chain.map((a, i) => <li key={i}>{a.provider} · <span className="mono">{a.model}</span></li>)}</ul>
            </Card>
          </>
        )}
      </Loaded>
    </Page>
  );
}

/** Daily cost tracking as a chart: cost (USD) and executions per day. */
function DailyCost({ stats }: { stats: EconomyStats }) {
  const daily = stats.cost_tracking.daily;
  const data = useMemo(() => [daily.map((d) => Date.parse(`${d.date}T00:00:00Z`) / 1000), daily.map((d) => d.cost_usd), daily.map((d) => d.executions)], [daily]);
  const total = daily.reduce((n, d) => n + d.cost_usd, 0);
  return (
    <Card title={`Daily cost since ${stats.cost_tracking.since}`} actions={<span className="muted">{dollars(total)} in all</span>}>
      {daily.length === 0 ? <Empty>No cost was tracked in this window.</Empty> : (
        <TimeChart label="Cost and executions per day" data={data} bars
          series={[{ label: "Cost", color: "#3451d1", format: (v) => dollars(v) }, { label: "Executions", color: "#0f7b3d", right: true, format: (v) => String(Math.round(v)) }]} />
      )}
    </Card>
  );
}
