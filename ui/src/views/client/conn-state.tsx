import type { LiveState } from "../../live/use-live";

const WORDS = { connecting: "connecting", live: "live", reconnecting: "reconnecting", failed: "offline" } as const;

/** A live subscription's state as a small dot and word ("live", "reconnecting"). */
export function ConnState({ live }: { live: LiveState }) {
  const title = live.error ?? (live.reconnects > 0 ? `reconnected ${live.reconnects} time${live.reconnects === 1 ? "" : "s"}` : undefined);
  return (
    <span className={`conn ${live.status}`} role="status" aria-live="polite" title={title} data-testid="conn-state" data-status={live.status}>
      {WORDS[live.status]}
    </span>
  );
}
