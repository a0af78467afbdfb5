import type { LiveState } from "../../live/use-live";

const WORDS = { connecting: "connecting", live: "live", reconnecting: "reconnecting", failed: "offline" } as const;

/** A staff view's live subscription: a dot and a word, the reason when it stopped. */
export function LiveDot({ live, label }: { live: LiveState; label?: string }) {
  return (
    <span className={`conn ${live.status}`} role="status" aria-live="polite" title={live.error ?? undefined} data-live={live.status}>
      {label ? `${label}: ` : ""}{WORDS[live.status]}{live.status !== "live" && live.error ? ` (${live.error})` : ""}
    </span>
  );
}
