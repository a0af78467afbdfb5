import { useVirtualizer } from "@tanstack/react-virtual";
import { useEffect, useRef, useState } from "react";
import { clock, usd } from "../../lib/format";
import type { PipelineMessage } from "./run-state";

/** One line about an event: its step, and what it says. */
function describe(m: PipelineMessage): string {
  const p = m.payload as Record<string, unknown>;
  const step = typeof p.step_id === "string" ? `${p.step_id}` : "";
  switch (m.type) {
    case "step_progress": return `${step}: ${m.payload.done}/${m.payload.total}${m.payload.message ? ` · ${m.payload.message}` : ""}`;
    case "step_succeeded": return `${step} (try ${m.payload.attempt}, ${m.payload.worker}) · ${usd(m.payload.cost_micros)}`;
    case "step_failed": return `${step}: ${m.payload.error?.message ?? "failed"}`;
    case "step_retrying": return `${step}: ${m.payload.error?.message ?? "retrying"}${m.payload.retry_at ? ` · retry at ${clock(m.payload.retry_at)}` : ""}`;
    case "step_skipped": return `${step}: ${m.payload.reason ?? "skipped"}`;
    case "queue_position": return `${step}: position ${m.payload.position} · starts about ${clock(m.payload.estimated_start_at)}`;
    case "cost_updated": return usd(m.payload.cost_micros);
    case "pipeline_status": return `${m.payload.status}${m.payload.reason ? ` · ${m.payload.reason}` : ""}`;
    case "pipeline_finished": return `${m.payload.status} · ${usd(m.payload.cost_micros)}`;
    case "pipeline_created": return `${m.payload.template} · ${m.payload.steps.length} steps`;
    default: return step ? `${step} (try ${String(p.attempt ?? "")}, ${String(p.worker ?? "")})` : "";
  }
}

/**
 * The event stream, virtualised (thousands of rows, a few dozen in the DOM). It follows the
 * newest event while scrolled to the bottom; scrolling up stops following.
 */
export function EventList({ events, gaps }: { events: readonly PipelineMessage[]; gaps: { after: number; missing: number }[] }) {
  const parent = useRef<HTMLDivElement>(null);
  const [follow, setFollow] = useState(true);
  const virtualizer = useVirtualizer({ count: events.length, getScrollElement: () => parent.current, estimateSize: () => 28, overscan: 12 });

  useEffect(() => {
    if (follow && events.length > 0) virtualizer.scrollToIndex(events.length - 1, { align: "end" });
  }, [events.length, follow, virtualizer]);

  return (
    <div>
      <div className="events-head">
        <span className="muted" data-testid="event-count" data-first-seq={events[0]?.seq ?? 0} data-last-seq={events[events.length - 1]?.seq ?? 0}>
          {events.length} events{gaps.length > 0 ? ` · ${gaps.reduce((n, g) => n + g.missing, 0)} earlier events not kept by the actor` : ""}
        </span>
        <label className="follow"><input type="checkbox" checked={follow} onChange={(e) => setFollow(e.target.checked)} /> Follow newest</label>
      </div>
      <div
        ref={parent} className="events" tabIndex={0} role="log" aria-label="Pipeline events" aria-live="off"
        onScroll={(e) => {
          const el = e.currentTarget;
          const atBottom = el.scrollHeight - el.scrollTop - el.clientHeight < 40;
          if (atBottom !== follow) setFollow(atBottom);
        }}
      >
        <div style={{ height: virtualizer.getTotalSize(), position: "relative" }}>
          {virtualizer.getVirtualItems().map((row) => {
            const m = events[row.index]!;
            return (
              <div key={m.seq} className={`ev ev-${m.type}`} data-seq={m.seq} style={{ transform: `translateY(${row.start}px)`, height: row.size }}>
                <span className="ev-seq">#{m.seq}</span>
                <span className="ev-time">{clock(m.at)}</span>
                <span className="ev-type">{m.type.replace(/_/g, " ")}</span>
                <span className="ev-text">{describe(m)}</span>
              </div>
            );
          })}
        </div>
      </div>
    </div>
  );
}
