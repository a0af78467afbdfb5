import type { LedgerBalance } from "../../api/types";
import { Card } from "../../components/ui";
import { percent, usd } from "../../lib/format";
import type { LiveState } from "../../live/use-live";
import { ConnState } from "./conn-state";
import "./client.css";

const MARKS = [50, 80, 95];

/** The month's budget as a stacked gauge: spent, held (reserved by running work) and available, with the 50/80/95 % marks. */
export function BudgetGauge({ balance, live }: { balance: LedgerBalance | null; live: LiveState }) {
  return (
    <Card title="This month's budget" actions={<ConnState live={live} />} className="cl-budget">
      {balance ? <GaugeBody balance={balance} /> : live.status === "failed" ? <p className="muted">{live.error ?? "The budget could not be read."}</p> : <p className="loading" role="status">Reading the ledger…</p>}
    </Card>
  );
}

function GaugeBody({ balance }: { balance: LedgerBalance }) {
  const { budget, spent, held, available } = balance;
  const share = (n: number) => (budget > 0 ? Math.min(100, Math.max(0, (n / budget) * 100)) : 0);
  const used = spent + held;
  const tone = budget <= 0 || used >= budget * 0.95 ? "bad" : used >= budget * 0.8 ? "warn" : "ok";
  const label = `${usd(spent)} spent and ${usd(held)} held of ${usd(budget)}; ${usd(available)} available`;
  return (
    <>
      <div className="cl-available">
        <span className="muted">Available</span>
        <strong className={`tone-text-${tone}`} data-testid="budget-available">{usd(available)}</strong>
        <span className="muted">of {usd(budget)} · period {balance.period}</span>
      </div>
      <div className="cl-gauge" role="img" aria-label={label}>
        <div className="cl-gauge-spent" style={{ width: `${share(spent)}%` }} />
        <div className="cl-gauge-held" style={{ width: `${Math.min(share(held), 100 - share(spent))}%` }} />
        {MARKS.map((m) => <span key={m} className="cl-gauge-mark" style={{ left: `${m}%` }} aria-hidden="true"><span>{m}%</span></span>)}
      </div>
      <dl className="cl-legend">
        <div><dt><i className="cl-swatch cl-gauge-spent" aria-hidden="true" />Spent</dt><dd data-testid="budget-spent">{usd(spent)} <small className="muted">{percent(spent, budget)}</small></dd></div>
        <div><dt><i className="cl-swatch cl-gauge-held" aria-hidden="true" />Held</dt><dd data-testid="budget-held">{usd(held)}</dd></div>
        <div><dt><i className="cl-swatch cl-swatch-free" aria-hidden="true" />Available</dt><dd>{usd(available)}</dd></div>
        <div><dt>Budget</dt><dd data-testid="budget-total">{usd(budget)}</dd></div>
      </dl>
      {balance.alerted.length > 0 ? (
        <p className="muted" data-testid="budget-alerted"><small>Thresholds reached this month: {[...balance.alerted].sort((a, b) => a - b).map((p) => `${p} %`).join(", ")}.</small></p>
      ) : null}
      {balance.unbilled ? <p className="muted">{usd(balance.unbilled)} of this month's work cost more than could be charged (unbilled).</p> : null}
    </>
  );
}
