import { useState } from "react";
import type { LedgerAdjustAnswer, LedgerAdjustInput } from "../../../../src/contracts/admin";
import { api, ApiError } from "../../api/http";
import { useAction } from "../../api/use-action";
import { Button, Card, ErrorBox, Field } from "../../components/ui";
import { usd } from "../../lib/format";

/**
 * An admin's credit or debit with a reason, as the API takes it: a signed USD amount (positive: a
 * debit, negative: a credit) and an idempotency key, kept until the adjustment is applied so that
 * a retried click applies it once.
 */
export function AdjustForm({ clientId, onDone }: { clientId: string; onDone: () => void }) {
  const [amount, setAmount] = useState("");
  const [reason, setReason] = useState("");
  const [key, setKey] = useState(() => newKey());
  // Checks the form and calls the API; useAction keeps busy and the failure.
  const action = useAction(async () => {
    const value = Number(amount);
    if (amount.trim() === "" || !Number.isFinite(value) || value === 0) {
      setLocalError("enter an amount other than 0: positive to debit, negative to credit");
      setDone(null);
      return;
    }
    setLocalError(undefined);
    const body: LedgerAdjustInput = { amount_usd: value, reason, idempotency_key: key };
    setDone(null);
    const answer = await api.post<LedgerAdjustAnswer>(`/admin/actors/ledgers/${encodeURIComponent(clientId)}/adjust`, body);
    setDone(`${value < 0 ? "Credited" : "Debited"} ${usd(Math.round(Math.abs(value) * 1e6))}.${answer.available !== undefined ? ` Available now ${usd(answer.available)}.` : ""}`);
    setAmount("");
    setReason("");
    setKey(newKey());
    onDone();
  });
  const { error } = action;
  const [done, setDone] = useState<string | null>(null);
  const fields = error instanceof ApiError ? { ...messageField(error), ...action.fields } : {};
  const value = Number(amount);
  const preview = amount.trim() === "" || !Number.isFinite(value) || value === 0 ? "Positive debits (charges) the client, negative credits (gives back)."
    : value > 0 ? `Debits ${usd(Math.round(value * 1e6))}: available goes down.` : `Credits ${usd(Math.round(-value * 1e6))}: available goes up (at most what was spent this period).`;
  const [localError, setLocalError] = useState<string | undefined>();


  return (
    <Card title="Adjust the balance">
      <form className="stack" onSubmit={action.submit}>
        <div className="inline-form">
          <Field label="Amount (USD)" error={localError ?? fields["body.amount_usd"]} hint={preview}>
            {(id, d) => <input id={id} aria-describedby={d} type="number" inputMode="decimal" step="any" required value={amount} onChange={(e) => setAmount(e.target.value)} />}
          </Field>
          <Field label="Reason" error={fields["body.reason"]}>
            {(id, d) => <input id={id} aria-describedby={d} type="text" minLength={3} maxLength={500} required value={reason} onChange={(e) => setReason(e.target.value)} />}
          </Field>
        </div>
        {error && Object.keys(fields).length === 0 ? <ErrorBox error={error} /> : null}
        {done ? <p className="note ok-text" role="status">{done}</p> : null}
        <div className="row"><Button type="submit" variant="primary" busy={action.busy}>Apply adjustment</Button></div>
      </form>
    </Card>
  );
}

function newKey(): string {
  return `ui-${typeof crypto.randomUUID === "function" ? crypto.randomUUID() : `${Date.now()}-${Math.random().toString(36).slice(2)}`}`;
}

/** The ledger's range refusal names the field in its message ("body.amount_usd: …") without details. */
function messageField(error: ApiError): Record<string, string> {
  const m = /^(body\.[a-z_]+): (.+)$/s.exec(error.message);
  return m && error.status === 422 ? { [m[1]!]: m[2]! } : {};
}
