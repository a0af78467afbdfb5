import { useMemo, useState } from "react";
import type { ClientList } from "../../../../src/contracts/clients";
import type { RequestList } from "../../../../src/contracts/requests";
import type { TemplateList } from "../../../../src/contracts/templates";
import { query } from "../../api/http";
import { useApi } from "../../api/use-api";
import { Button, Empty, ErrorBox, Loaded, Page, Pager } from "../../components/ui";
import { DeskRow } from "./desk-row";
import "./staff.css";

const LIMIT = 20;

/** /desk — pending requests: recommend a template, assign it with its parameters, execute. */
export default function DeskView() {
  const [offset, setOffset] = useState(0);
  const requests = useApi<RequestList>(`/requests${query({ status: "pending", limit: LIMIT, offset })}`);
  const clients = useApi<ClientList>("/clients?limit=200");
  const templates = useApi<TemplateList>("/templates");
  const byClient = useMemo(() => new Map((clients.data?.clients ?? []).map((c) => [c.client_id, c])), [clients.data]);
  return (
    <Page title="Request desk" subtitle="Pending requests: recommend a template, assign it with its parameters, execute."
      actions={<Button onClick={requests.reload} busy={requests.loading && !!requests.data}>Refresh</Button>}>
      <ErrorBox error={clients.error ?? templates.error} />
      <Loaded state={requests} what="Loading pending requests">
        {(data) => data.requests.length === 0 ? <Empty>No request is waiting. New client requests show up here.</Empty> : (
          <>
            <p className="note">{data.total} pending</p>
            <div className="desk-list">
              {data.requests.map((r) => (
                <DeskRow key={r.request_id} request={r} client={byClient.get(r.client_id) ?? null} templates={templates.data?.templates ?? []} />
              ))}
            </div>
            <Pager offset={offset} limit={LIMIT} total={data.total} onChange={setOffset} />
          </>
        )}
      </Loaded>
    </Page>
  );
}
