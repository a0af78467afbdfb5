import { useLocation, useParams } from "wouter";
import type { ClientList } from "../../../../src/contracts/clients";
import { useApi } from "../../api/use-api";
import { Empty, ErrorBox, Field, Loading, Page } from "../../components/ui";
import { LedgerView } from "./ledger-view";
import "./staff.css";

/** /ledgers/:client? — a client's ledger, live from its ClientLedger. */
export default function LedgersView() {
  const params = useParams<{ client?: string }>();
  const [, navigate] = useLocation();
  const clients = useApi<ClientList>("/clients?limit=200");
  const client = params.client ?? null;
  return (
    <Page title="Ledgers" subtitle="Each client's budget, holds and entries, pushed live by its ledger actor.">
      <div className="filters">
        <Field label="Client">
          {(id) => (
            <select id={id} value={client ?? ""} onChange={(e) => navigate(e.target.value ? `/ledgers/${e.target.value}` : "/ledgers")}>
              <option value="">Choose a client…</option>
              {client && !clients.data?.clients.some((c) => c.client_id === client) ? <option value={client}>{client}</option> : null}
              {clients.data?.clients.map((c) => <option key={c.client_id} value={c.client_id}>{c.company_name} ({c.client_id})</option>)}
            </select>
          )}
        </Field>
        {clients.loading && !clients.data ? <Loading what="Loading clients" /> : null}
      </div>
      <ErrorBox error={clients.error} />
      {client ? <LedgerView key={client} clientId={client} /> : <Empty>Choose a client to see its ledger.</Empty>}
    </Page>
  );
}
