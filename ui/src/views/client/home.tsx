import { useEffect } from "react";
import { Link } from "wouter";
import { query } from "../../api/http";
import { useUser } from "../../api/session";
import { useApi } from "../../api/use-api";
import { Card, Empty, Loaded, Page } from "../../components/ui";
import type { DeliverableList, RequestList } from "./api-types";
import { BudgetAlerts } from "./budget-alerts";
import { BudgetGauge } from "./budget-gauge";
import { DeliverableRows } from "./deliverable-rows";
import { RequestRows } from "./request-rows";
import { RunningPipelines } from "./running-pipelines";
import { useLedger } from "./use-ledger";
import "./client.css";

/** The client's home: the month's budget live, what runs now, recent requests and deliverables. */
export default function Home() {
  const user = useUser();
  const { balance, alerts, dismiss, live } = useLedger();
  // The ledger changes when a run starts (a hold) or ends (settled): the lists follow it.
  const changed = balance ? `${balance.spent}/${balance.held}` : "";
  const requests = useApi<RequestList>(`/requests${query({ limit: 5 })}`);
  const deliverables = useApi<DeliverableList>(`/deliverables${query({ limit: 5 })}`);
  const reloadRequests = requests.reload;
  const reloadDeliverables = deliverables.reload;
  useEffect(() => {
    if (!changed) return;
    reloadRequests();
    reloadDeliverables();
  }, [changed, reloadRequests, reloadDeliverables]);
  return (
    <Page title="Home" subtitle={user.full_name ? `Welcome back, ${user.full_name}.` : undefined}
      actions={<><Link href="/requests?new=1" className="btn btn-plain cl-btn-link">New request</Link><Link href="/run" className="btn btn-primary cl-btn-link">Start a run</Link></>}>
      <BudgetAlerts alerts={alerts} onDismiss={dismiss} />
      <div className="grid">
        <BudgetGauge balance={balance} live={live} />
        <RunningPipelines changed={changed} />
      </div>
      <div className="grid">
        <Card title="Recent requests" actions={<Link href="/requests">All requests</Link>}>
          <Loaded state={requests} what="Loading requests">
            {(page) => page.requests.length === 0 ? <Empty>No requests yet. <Link href="/requests?new=1">Make one</Link>.</Empty> : <RequestRows requests={page.requests} />}
          </Loaded>
        </Card>
        <Card title="Recent deliverables" actions={<Link href="/deliverables">All deliverables</Link>}>
          <Loaded state={deliverables} what="Loading deliverables">
            {(page) => page.deliverables.length === 0 ? <Empty>No deliverables yet: they appear here when a run completes.</Empty> : <DeliverableRows deliverables={page.deliverables} />}
          </Loaded>
        </Card>
      </div>
    </Page>
  );
}
