/**
 * Where a run's live feed is shown: redrawn in place on a terminal (log-update), as plain lines
 * on state changes otherwise, as JSON lines (-o jsonl), or not at all until the end (-o json).
 */
import { Writable } from "node:stream";
import { createLogUpdate } from "log-update";
import type { Output } from "../output";
import type { CostBaseline } from "./estimate";
import type { PipelineMessage, RunState } from "./pipeline-feed";
import { plainLine } from "./plain";
import { renderRun } from "./render";
import type { LinkState } from "./socket";

/** A place a run's live feed is shown. */
export interface RunView {
  message(message: PipelineMessage, state: RunState): void;
  link(link: LinkState): void;
  /** The feed ended (or stopped): leave the last frame on screen. */
  end(state: RunState | null): void;
}

/** A line about the connection for people, or null while it is fine. */
export function linkText(link: LinkState): string | null {
  switch (link.kind) {
    case "connecting": return null;
    case "open": return null;
    case "reconnecting": return `${link.everOpened ? "connection lost" : "could not connect"} (${link.reason}); ${link.everOpened ? "reconnecting" : "trying again"} in ${(link.delayMs / 1000).toFixed(1)}s (try ${link.attempt})`;
  }
}

/** The view for an output. */
export function viewFor(out: Output, baseline: () => CostBaseline | null): RunView {
  if (out.format === "jsonl") return jsonlView(out);
  if (out.format === "json") return { message() {}, link: (l) => { const t = linkText(l); if (t) out.note(t); }, end() {} };
  return out.rich ? terminalView(out, baseline) : plainView(out);
}

function jsonlView(out: Output): RunView {
  return {
    message: (message) => out.json(message),
    link: (l) => { const t = linkText(l); if (t) out.note(t); },
    end() {},
  };
}

function plainView(out: Output): RunView {
  return {
    message: (message, state) => {
      const line = plainLine(message, state);
      if (line !== null) out.line(line);
    },
    link: (l) => {
      if (l.kind === "open" && l.reconnects > 0) out.note("connection back; catching up");
      const t = linkText(l);
      if (t) out.note(t);
    },
    end() {},
  };
}

/** The terminal as log-update sees it: stdout, with a size when the terminal reports none. */
class Screen extends Writable {
  readonly isTTY = true;
  constructor(private readonly stdout: NodeJS.WriteStream) {
    super();
  }
  get columns(): number {
    return this.stdout.columns || 100;
  }
  get rows(): number {
    return this.stdout.rows || 50;
  }
  // Straight through, in order with what the command writes to stdout itself.
  override _write(chunk: Buffer, _encoding: BufferEncoding, done: (error?: Error | null) => void): void {
    this.stdout.write(chunk);
    done();
  }
}

/** Redrawn in place at most every 80 ms, and every 250 ms for the clocks (elapsed, ETA). */
function terminalView(out: Output, baseline: () => CostBaseline | null): RunView {
  // A terminal that reports no size (a pseudo-terminal from script(1), some CI runners) would
  // get nothing from log-update, which draws nothing at 0 rows: assume 100 × 50 there.
  const screen = new Screen(out.stdout);
  const log = createLogUpdate(screen);
  let state: RunState | null = null;
  let link: string | null = null;
  let pending: NodeJS.Timeout | null = null;
  const draw = () => {
    pending = null;
    if (!state) return;
    log(renderRun(state, { now: Date.now(), c: out.c, width: screen.columns, baseline: baseline(), link }).join("\n"));
  };
  const schedule = () => { pending ??= setTimeout(draw, 80); };
  const ticker = setInterval(draw, 250);
  return {
    message: (_message, next) => { state = next; schedule(); },
    link: (l) => { link = linkText(l); schedule(); },
    end: (final) => {
      clearInterval(ticker);
      if (pending) clearTimeout(pending);
      if (final) state = final;
      link = null;
      draw();
      log.done();
    },
  };
}
