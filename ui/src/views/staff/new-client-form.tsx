import { useState } from "react";
import { Tiers } from "../../../../src/catalog/tiers";
import { useLocation } from "wouter";
import type { ClientSaved } from "../../../../src/contracts/clients";
import { api } from "../../api/http";
import { useAction } from "../../api/use-action";
import { Button, Card, ErrorBox, Field } from "../../components/ui";

/** An admin creates a client: company, contact, tier, status and monthly budget (USD). */
export function NewClientForm({ onClose }: { onClose: () => void }) {
  const [, navigate] = useLocation();
  const [form, setForm] = useState({ company_name: "", contact_email: "", contact_name: "", subscription_tier: "basic", account_status: "active", monthly_budget_usd: "25" });
  // Checks the form and calls the API; useAction keeps busy and the failure.
  const action = useAction(async () => {
    const answer = await api.post<ClientSaved>("/clients", {
      company_name: form.company_name, contact_email: form.contact_email, ...(form.contact_name.trim() ? { contact_name: form.contact_name } : {}),
      subscription_tier: form.subscription_tier, account_status: form.account_status, monthly_budget_usd: Number(form.monthly_budget_usd),
    });
    navigate(`/clients/${answer.client.client_id}`);
  });
  const { error } = action;
  const { fields } = action;
  const set = (k: keyof typeof form) => (e: { target: { value: string } }) => setForm((f) => ({ ...f, [k]: e.target.value }));
  return (
    <Card title="New client">
      <form className="stack" onSubmit={action.submit}>
        <div className="inline-form">
          <Field label="Company" error={fields["body.company_name"]}>{(id, d) => <input id={id} aria-describedby={d} required value={form.company_name} onChange={set("company_name")} />}</Field>
          <Field label="Contact email" error={fields["body.contact_email"]}>{(id, d) => <input id={id} aria-describedby={d} type="email" required value={form.contact_email} onChange={set("contact_email")} />}</Field>
          <Field label="Contact name" error={fields["body.contact_name"]}>{(id, d) => <input id={id} aria-describedby={d} value={form.contact_name} onChange={set("contact_name")} />}</Field>
        </div>
        <div className="inline-form">
          <Field label="Tier" error={fields["body.subscription_tier"]}>
            {(id) => <select id={id} value={form.subscription_tier} onChange={set("subscription_tier")}>{Tiers.map((t) => <option key={t}>{t}</option>)}</select>}
          </Field>
          <Field label="Status" error={fields["body.account_status"]}>
            {(id) => <select id={id} value={form.account_status} onChange={set("account_status")}><option>active</option><option>trial</option></select>}
          </Field>
          <Field label="Monthly budget (USD)" error={fields["body.monthly_budget_usd"]}>
            {(id, d) => <input id={id} aria-describedby={d} type="number" min={0} step="0.01" required value={form.monthly_budget_usd} onChange={set("monthly_budget_usd")} />}
          </Field>
        </div>
        {error && Object.keys(fields).length === 0 ? <ErrorBox error={error} /> : null}
        <div className="row"><Button type="submit" variant="primary" busy={action.busy}>Create client</Button><Button onClick={onClose}>Close</Button></div>
      </form>
    </Card>
  );
}
