import { useState } from "react";
import { Tiers } from "../../../../src/catalog/tiers";
import { ClientStatuses } from "../../../../src/contracts/clients";
import { Link } from "wouter";
import type { ClientAnswer, ClientSaved, ClientView } from "../../../../src/contracts/clients";
import { api } from "../../api/http";
import { useAction } from "../../api/use-action";
import { useUser } from "../../api/session";
import { useApi } from "../../api/use-api";
import { Button, Card, ErrorBox, Facts, Field, Loaded, Page, StatusBadge } from "../../components/ui";
import { dateTime, dollars } from "../../lib/format";
import { ClientKeys } from "./client-keys";
import { ClientUsersCard } from "./client-users";

/** One client: its record, its terms (admin edits them), users and API keys. */
export function ClientDetail({ clientId }: { clientId: string }) {
  const state = useApi<ClientAnswer>(`/client/${encodeURIComponent(clientId)}`);
  return (
    <Page title={state.data?.client.company_name ?? clientId} subtitle={clientId}
      actions={<><Link href={`/ledgers/${clientId}`}>Ledger</Link><Link href="/clients">← Clients</Link></>}>
      <Loaded state={state} what="Loading the client">
        {(data) => (
          <>
            <Card title="Record">
              <Facts items={[
                ["Contact", <>{data.client.contact_name ?? ""} <span className="muted">{data.client.contact_email}</span></>],
                ["Tier", data.client.subscription_tier], ["Status", <StatusBadge status={data.client.account_status} />],
                ["Monthly budget", dollars(data.client.monthly_budget_usd)], ["Used this month", dollars(data.client.used_budget_current_month_usd)],
                ["Industry", data.client.industry ?? "—"], ["Website", data.client.website ?? "—"], ["Phone", data.client.phone ?? "—"],
                ["Created", dateTime(data.client.created_at)], ["Updated", dateTime(data.client.updated_at)],
              ]} />
            </Card>
            <TermsForm client={data.client} onSaved={state.reload} />
            <ClientUsersCard clientId={clientId} />
            <ClientKeys clientId={clientId} />
          </>
        )}
      </Loaded>
    </Page>
  );
}

/** Tier, status and budget: an admin changes them (the new budget applies to the ledger at once). */
function TermsForm({ client, onSaved }: { client: ClientView; onSaved: () => void }) {
  const admin = useUser().role === "admin";
  const [tier, setTier] = useState<string>(client.subscription_tier);
  const [status, setStatus] = useState<string>(client.account_status);
  const [budget, setBudget] = useState(String(client.monthly_budget_usd));
  // Checks the form and calls the API; useAction keeps busy and the failure.
  const action = useAction(async () => {
    const body: Record<string, unknown> = { client_id: client.client_id };
    if (tier !== client.subscription_tier) body.subscription_tier = tier;
    if (status !== client.account_status) body.account_status = status;
    if (Number(budget) !== client.monthly_budget_usd) body.monthly_budget_usd = Number(budget);
    setDone(false);
    await api.put<ClientSaved>("/client", body);
    setDone(true);
    onSaved();
  });
  const { error } = action;
  const [done, setDone] = useState(false);
  if (!admin) return null;
  const { fields } = action;
  return (
    <Card title="Terms">
      <form className="stack" onSubmit={action.submit}>
        <div className="inline-form">
          <Field label="Tier" error={fields["body.subscription_tier"]}>
            {(id) => <select id={id} value={tier} onChange={(e) => setTier(e.target.value)}>{Tiers.map((t) => <option key={t}>{t}</option>)}</select>}
          </Field>
          <Field label="Status" error={fields["body.account_status"]}>
            {(id) => <select id={id} value={status} onChange={(e) => setStatus(e.target.value)}>{ClientStatuses.map((s) => <option key={s}>{s}</option>)}</select>}
          </Field>
          <Field label="Monthly budget (USD)" error={fields["body.monthly_budget_usd"]}>
            {(id, d) => <input id={id} aria-describedby={d} type="number" min={0} step="0.01" required value={budget} onChange={(e) => setBudget(e.target.value)} />}
          </Field>
        </div>
        {error && Object.keys(fields).length === 0 ? <ErrorBox error={error} /> : null}
        <div className="row"><Button type="submit" variant="primary" busy={action.busy}>Save terms</Button>{done ? <span className="note ok-text" role="status">Saved.</span> : null}</div>
      </form>
    </Card>
  );
}
