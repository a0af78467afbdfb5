import { useState } from "react";
import { Tiers } from "../../../../src/catalog/tiers";
import { ClientStatuses } from "../../../../src/contracts/clients";
import { Link, useParams } from "wouter";
import type { ClientList } from "../../../../src/contracts/clients";
import { query } from "../../api/http";
import { useUser } from "../../api/session";
import { useApi } from "../../api/use-api";
import { Button, Empty, Field, Loaded, Page, Pager, StatusBadge } from "../../components/ui";
import { dollars } from "../../lib/format";
import { ClientDetail } from "./client-detail";
import { NewClientForm } from "./new-client-form";
import "./staff.css";

const LIMIT = 50;

/** /clients/:id? — the client list, or one client with its terms, users and API keys. */
export default function ClientsView() {
  const { id } = useParams<{ id?: string }>();
  if (id) return <ClientDetail key={id} clientId={id} />;
  return <ClientListView />;
}

function ClientListView() {
  const admin = useUser().role === "admin";
  const [tier, setTier] = useState("");
  const [status, setStatus] = useState("");
  const [offset, setOffset] = useState(0);
  const [creating, setCreating] = useState(false);
  const clients = useApi<ClientList>(`/clients${query({ tier, status, limit: LIMIT, offset })}`);
  return (
    <Page title="Clients" subtitle="Accounts, their tier, monthly budget and status."
      actions={admin && !creating ? <Button variant="primary" onClick={() => setCreating(true)}>New client</Button> : null}>
      {creating ? <NewClientForm onClose={() => setCreating(false)} /> : null}
      <div className="filters">
        <Field label="Tier">
          {(fid) => <select id={fid} value={tier} onChange={(e) => { setTier(e.target.value); setOffset(0); }}><option value="">Any</option>{Tiers.map((t) => <option key={t}>{t}</option>)}</select>}
        </Field>
        <Field label="Status">
          {(fid) => <select id={fid} value={status} onChange={(e) => { setStatus(e.target.value); setOffset(0); }}><option value="">Any</option>{ClientStatuses.map((s) => <option key={s}>{s}</option>)}</select>}
        </Field>
      </div>
      <Loaded state={clients} what="Loading clients">
        {(data) => data.clients.length === 0 ? <Empty>No client matches.</Empty> : (
          <>
            <div className="table-wrap">
              <table>
                <thead><tr><th>Company</th><th>Contact</th><th>Tier</th><th>Status</th><th className="num">Budget</th><th className="num">Used this month</th></tr></thead>
                <tbody>
                  {data.clients.map((c) => (
                    <tr key={c.client_id} data-testid="client-row">
                      <td><Link href={`/clients/${c.client_id}`}>{c.company_name}</Link><div className="muted mono">{c.client_id}</div></td>
                      <td>{c.contact_name ?? ""}<div className="muted">{c.contact_email}</div></td>
                      <td>{c.subscription_tier}</td>
                      <td><StatusBadge status={c.account_status} /></td>
                      <td className="num">{dollars(c.monthly_budget_usd)}</td>
                      <td className="num">{dollars(c.used_budget_current_month_usd)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            <Pager offset={offset} limit={LIMIT} total={data.total} onChange={setOffset} />
          </>
        )}
      </Loaded>
    </Page>
  );
}
