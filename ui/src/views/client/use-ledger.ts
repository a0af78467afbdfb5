import type * as v from "valibot";
import type { LedgerEventPayloads } from "../../../../src/actors/client-ledger/protocol";
import { useCallback, useState } from "react";
import { useUser } from "../../api/session";
import type { LedgerBalance, LiveEventOf } from "../../api/types";
import { useLive, type LiveState } from "../../live/use-live";

/** A budget threshold crossed this month, as the ledger announced it. */
export type BudgetAlert = v.InferOutput<(typeof LedgerEventPayloads)["budget_threshold"]>;

/**
 * The signed-in client's ledger, live: the balance from every snapshot (sent on connect and after
 * each change) and the 50/80/95 % alerts as they fire.
 */
export function useLedger(): { balance: LedgerBalance | null; alerts: BudgetAlert[]; dismiss: (percent: number) => void; live: LiveState } {
  const user = useUser();
  const [balance, setBalance] = useState<LedgerBalance | null>(null);
  const [alerts, setAlerts] = useState<BudgetAlert[]>([]);
  const onMessage = useCallback((message: LiveEventOf<"client-ledger">) => {
    if (message.type === "snapshot") {
      setBalance(message.payload);
    } else if (message.type === "budget_threshold") {
      const { percent, spent, budget, period, at } = message.payload;
      setAlerts((list) => [{ percent, spent, budget, period, at }, ...list.filter((a) => a.percent !== percent)]);
    } else if (message.type === "period_closed") {
      setAlerts([]);
    }
  }, []);
  const live = useLive("client-ledger", user.client_id, { snapshots: true, onMessage });
  const dismiss = useCallback((percent: number) => setAlerts((list) => list.filter((a) => a.percent !== percent)), []);
  return { balance, alerts, dismiss, live };
}
