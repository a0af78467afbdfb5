/**
 * Watching a ClientLedger's or a ResourcePool's live events until Ctrl-C: a snapshot first, then
 * each event as a line (or a JSON line with -o jsonl); a dropped connection resumes after the
 * last sequence number seen.
 */
import * as v from "valibot";
import { parseLiveMessage, type LiveEventOf } from "../../src/actors/protocol";
import type { Context } from "../context";
import { CliError, Exit } from "../errors";
import { clock, duration, micros } from "../format";
import { issueSummary } from "../http";
import { LiveSocket } from "./socket";
import { linkText } from "./views";

type WatchedParty = "client-ledger" | "resource-pool";

/** Ledger fields that are money (micro-USD). */
const MONEY = new Set(["amount", "actual", "charged", "released", "available", "spent", "budget", "unbilled", "settled", "held", "adjustments", "heldAtClose"]);

/** A payload as `name=value` pairs: money in dollars, `*_ms` as durations, lists by length. */
export function describePayload(party: WatchedParty, payload: Record<string, unknown>): string {
  return Object.entries(payload).map(([key, value]) => {
    if (typeof value === "number" && party === "client-ledger" && MONEY.has(key)) return `${key}=${micros(value)}`;
    if (typeof value === "number" && key.endsWith("_ms")) return `${key.slice(0, -3)}=${duration(value)}`;
    if (Array.isArray(value)) return `${key}=[${value.length}]`;
    if (value !== null && typeof value === "object") return `${key}={…}`;
    return `${key}=${String(value)}`;
  }).join(" ");
}

/** Follows `party/name` until interrupted; Ctrl-C ends it with status 0. `shown`: the state was just printed, so the first snapshot is not. */
export async function watchParty(ctx: Context, party: WatchedParty, name: string, shown = false): Promise<number> {
  let lastSeq: number | null = null;
  let skipSnapshot = shown && ctx.out.format === "table";
  const socket: LiveSocket = new LiveSocket({
    api: ctx.api,
    path: `/parties/${party}/${encodeURIComponent(name)}`,
    since: () => lastSeq,
    snapshot: false,
    onLink: (link) => { const text = linkText(link); if (text) ctx.out.note(text); },
    onFrame: (frame) => {
      let message: LiveEventOf<WatchedParty>;
      try {
        message = parseLiveMessage(party, frame);
      } catch (error) {
        const detail = v.isValiError(error) ? issueSummary(error.issues) : (error as Error).message;
        throw new CliError(`the ${party} feed sent a message this aif cannot read (${detail})`, "the server and the CLI may be different versions");
      }
      if (message.type !== "snapshot" && lastSeq !== null && message.seq <= lastSeq) return;
      lastSeq = Math.max(lastSeq ?? 0, message.seq);
      if (message.type === "snapshot" && skipSnapshot) {
        skipSnapshot = false;
        return;
      }
      if (ctx.out.format === "table") ctx.out.line(`${clock(message.at)} ${message.type.padEnd(16)} ${describePayload(party, message.payload as Record<string, unknown>)}`);
      else ctx.out.json(message);
    },
  });
  const stop = () => socket.close();
  process.on("SIGINT", stop);
  try {
    await socket.run();
  } finally {
    process.off("SIGINT", stop);
  }
  return Exit.ok;
}
