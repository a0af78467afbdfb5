import { query } from "../../api/http";
import { useApi } from "../../api/use-api";
import { Card, Empty, Loaded, Page, Pager } from "../../components/ui";
import type { DeliverableList } from "./api-types";
import { DeliverableRows } from "./deliverable-rows";
import { useSearchParams } from "./use-search-params";
import "./client.css";

const LIMIT = 25;

/** Everything the client's runs delivered, newest first, each with its size, format, checksum and a download. */
export default function Deliverables() {
  const [params, setParams] = useSearchParams();
  const offset = Math.max(0, Number(params.get("offset")) || 0);
  const list = useApi<DeliverableList>(`/deliverables${query({ limit: LIMIT, offset })}`);
  return (
    <Page title="Deliverables" subtitle="Reports and content your runs produced. Downloads use short-lived signed links.">
      <Card title={list.data ? `${list.data.total} deliverable${list.data.total === 1 ? "" : "s"}` : "Deliverables"}>
        <Loaded state={list} what="Loading deliverables">
          {(page) => page.deliverables.length === 0 ? <Empty>No deliverables yet: they appear here when a run completes.</Empty> : (
            <>
              <DeliverableRows deliverables={page.deliverables} />
              <Pager offset={page.offset} limit={page.limit} total={page.total} onChange={(next) => setParams({ offset: next ? String(next) : null })} />
            </>
          )}
        </Loaded>
      </Card>
    </Page>
  );
}
