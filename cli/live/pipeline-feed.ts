/**
 * A pipeline's live feed: the PipelineActor's socket, every message validated with the server's
 * protocol schemas, each sequence number folded once into the dashboard's own run reducer.
 * The first connection asks for every event the actor kept and then a snapshot; a reconnection
 * resumes after the last sequence number seen. The feed ends at the run's end: a snapshot that
 * says it ended, or `pipeline_finished` once the replay is over (a run retried after it ended
 * goes on).
 */
import * as v from "valibot";
import { LivePayloads, parseLiveMessage } from "../../src/actors/protocol";
import { applyMessages, emptyRun, isFinished, type PipelineMessage, type RunState } from "../../ui/src/views/pipeline/run-state";
import { CliError } from "../errors";
import type { Api } from "../http";
import { issueSummary } from "../http";
import { LiveSocket, type LinkState } from "./socket";

/** The reducer's message and state types, for the views. */
export type { PipelineMessage, RunState };

/** What a feed's owner hears, and how it stops. */
export interface FeedHandlers {
  /** Each message once, in order, with the state after it. */
  onMessage?: (message: PipelineMessage, state: RunState) => void;
  onLink?: (link: LinkState) => void;
  /** Stop at the first snapshot (a one-off look), ended or not. */
  once?: boolean;
  /** Aborting stops the feed; `watchPipeline` rejects with the abort's reason. */
  signal?: AbortSignal;
}

const KNOWN_TYPES = new Set(Object.keys(LivePayloads["pipeline-actor"]));

/** A frame as a pipeline message; null for a type this CLI does not know (said once on stderr). */
function parseFrame(frame: unknown, warned: Set<string>): PipelineMessage | null {
  const type = (frame as { type?: unknown } | null)?.type;
  if (typeof type === "string" && !KNOWN_TYPES.has(type)) {
    if (!warned.has(type)) process.stderr.write(`note: the server sent a live event this aif does not know ('${type}'); skipping it\n`);
    warned.add(type);
    return null;
  }
  try {
    return parseLiveMessage("pipeline-actor", frame);
  } catch (error) {
    const detail = v.isValiError(error) ? issueSummary(error.issues) : (error as Error).message;
    throw new CliError(`the live feed sent a message this aif cannot read (${detail})`, "the server and the CLI may be different versions; update the one that is behind");
  }
}

/** Follows a pipeline until it ends (or, with `once`, until its first snapshot); resolves to the final state. */
export async function watchPipeline(api: Api, pipelineId: string, handlers: FeedHandlers = {}): Promise<RunState> {
  let state: RunState = emptyRun;
  let greeted = false;
  const warned = new Set<string>();
  const socket: LiveSocket = new LiveSocket({
    api,
    path: `/parties/pipeline-actor/${encodeURIComponent(pipelineId)}`,
    since: () => state.lastSeq,
    snapshot: true,
    onLink: handlers.onLink,
    onFrame: (frame) => {
      const message = parseFrame(frame, warned);
      if (!message) return;
      // Replays after a reconnection may repeat what was seen: each event once.
      if (message.type !== "snapshot" && message.seq <= state.lastSeq) return;
      state = applyMessages(state, [message]);
      handlers.onMessage?.(message, state);
      if (message.type === "snapshot") greeted = true;
      const ended = greeted && isFinished(state.summary) && (message.type === "snapshot" || message.type === "pipeline_finished");
      if (ended || (handlers.once && greeted)) socket.close();
    },
  });
  const abort = () => socket.fail(handlers.signal?.reason);
  handlers.signal?.addEventListener("abort", abort, { once: true });
  try {
    await socket.run();
  } finally {
    handlers.signal?.removeEventListener("abort", abort);
  }
  return state;
}
