import { dateTime, usd } from "../../lib/format";
import type { BudgetAlert } from "./use-ledger";

/** The budget thresholds crossed while this page was open, newest first; each can be dismissed. */
export function BudgetAlerts({ alerts, onDismiss }: { alerts: BudgetAlert[]; onDismiss: (percent: number) => void }) {
  if (alerts.length === 0) return null;
  return (
    <ul className="cl-alerts" aria-label="Budget alerts">
      {alerts.map((a) => (
        <li key={a.percent} className={`cl-alert ${a.percent >= 95 ? "tone-bad" : a.percent >= 80 ? "tone-warn" : "tone-wait"}`} role="alert" data-testid="budget-alert" data-percent={a.percent}>
          <span>
            <strong>{a.percent} % of this month's budget used</strong> — {usd(a.spent)} of {usd(a.budget)} <small>({dateTime(a.at)})</small>
          </span>
          <button type="button" className="btn btn-plain" onClick={() => onDismiss(a.percent)} aria-label={`Dismiss the ${a.percent} % alert`}>Dismiss</button>
        </li>
      ))}
    </ul>
  );
}
