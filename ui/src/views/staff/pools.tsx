import type { Pools } from "../../../../src/contracts/admin";
import { useApi } from "../../api/use-api";
import { Empty, Loaded, Page } from "../../components/ui";
import { PoolCard } from "./pool-card";
import "./staff.css";

/** /pools — a card per worker type, each live from its ResourcePool. */
export default function PoolsView() {
  const pools = useApi<Pools>("/admin/actors/pools");
  return (
    <Page title="Pools" subtitle="Capacity per worker type, pushed live by each pool's actor.">
      <Loaded state={pools} what="Loading pools">
        {(data) => data.pools.length === 0
          ? <Empty>No worker is registered, so there are no pools.</Empty>
          : <div className="staff-grid">{data.pools.map((p) => <PoolCard key={p.worker} initial={p} />)}</div>}
      </Loaded>
    </Page>
  );
}
