/**
 * The live view without a terminal (piped, or NO_COLOR): one plain line per change of state,
 * never redrawn. Pure: a message and the state after it in, a line (or nothing) out.
 */
import type { PipelineMessage, RunState } from "../../ui/src/views/pipeline/run-state";
import { clock, duration, micros } from "../format";

/** The line for one message, or null for messages that change no state (progress, cost, snapshots). */
export function plainLine(message: PipelineMessage, state: RunState): string | null {
  const at = clock(message.at);
  switch (message.type) {
    case "pipeline_created": {
      const p = message.payload;
      return `${at} ${p.pipeline_id} created (${p.template}): ${p.steps.join(", ")}`;
    }
    case "pipeline_status": {
      const p = message.payload;
      return `${at} pipeline ${p.status}${p.reason ? ` (${p.reason})` : ""}`;
    }
    case "step_waiting_budget": return `${at} ${message.payload.step_id} waiting for the budget hold (attempt ${message.payload.attempt})`;
    case "step_waiting_capacity": return `${at} ${message.payload.step_id} waiting for capacity (attempt ${message.payload.attempt})`;
    case "queue_position": {
      const p = message.payload;
      return `${at} ${p.step_id} queue #${p.position}, starts in ~${duration(Math.max(0, p.estimated_start_at - message.at))}`;
    }
    case "step_started": return `${at} ${message.payload.step_id} running (attempt ${message.payload.attempt}, ${message.payload.worker})`;
    case "step_retrying": {
      const p = message.payload;
      const error = p.error ? `${p.error.code}: ${p.error.message}` : "failed";
      const wait = p.retry_at !== null ? ` in ${duration(Math.max(0, p.retry_at - message.at))}` : "";
      return `${at} ${p.step_id} attempt ${p.attempt} failed (${error}); retrying${wait}`;
    }
    case "step_succeeded": {
      const p = message.payload;
      const ran = state.segments[p.step_id]?.findLast((s) => s.kind === "running" && s.attempt === p.attempt);
      const took = ran ? ` in ${duration((ran.to ?? message.at) - ran.from)}` : "";
      return `${at} ${p.step_id} succeeded${took}, cost ${micros(p.cost_micros)}`;
    }
    case "step_failed": {
      const p = message.payload;
      return `${at} ${p.step_id} failed${p.error ? `: ${p.error.code}: ${p.error.message}` : ""}`;
    }
    case "step_skipped": return `${at} ${message.payload.step_id} skipped${message.payload.reason ? `: ${message.payload.reason}` : ""}`;
    case "step_reset": return `${at} ${message.payload.step_id} reset, to run again`;
    // The first thing seen of a run whose early events the server no longer keeps.
    case "snapshot": return state.events.length === 0 && message.seq > 0
      ? `${at} ${message.payload.pipeline_id} is ${message.payload.status} (${message.seq} earlier events no longer kept)`
      : null;
    case "step_progress": case "cost_updated": case "pipeline_finished": return null;
  }
}
