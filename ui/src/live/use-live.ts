import usePartySocket from "partysocket/react";
import { useEffect, useRef, useState } from "react";
import { parseLiveMessage, type LiveEventOf, type Party } from "../../../src/actors/protocol";
import { api, ApiError } from "../api/http";
import type { IssuedTicket } from "../api/types";

/** Where a live subscription stands. */
export type LiveStatus = "connecting" | "live" | "reconnecting" | "failed";

export interface LiveOptions<P extends Party> {
  /** Every message, in order, each once: events with seq above the last one seen, and snapshots. */
  onMessage: (message: LiveEventOf<P>) => void;
  /**
   * The first connection's `since`: 0 replays every event the actor still keeps (a pipeline's
   * history); null starts from a snapshot.
   */
  initialSince?: number | null;
  /** Ask for a snapshot after each replay and (ledger, pools) after every change. */
  snapshots?: boolean;
}

export interface LiveState {
  status: LiveStatus;
  /** How many times the socket was re-opened after a drop. */
  reconnects: number;
  /** Why the subscription stopped (not found, forbidden), shown to the user. */
  error: string | null;
  /** The HTTP status that stopped it (401, 403, 404), when one did. */
  refusal?: number;
}

/**
 * A live subscription to one actor over partysocket: each (re)connection asks for a fresh
 * single-use ticket (no credential in the URL) and resumes with `since=<last seq>`, so after a
 * drop the actor sends exactly the events missed; duplicates are dropped by sequence number.
 */
export function useLive<P extends Party>(party: P, name: string | null, options: LiveOptions<P>): LiveState {
  const [state, setState] = useState<LiveState>({ status: "connecting", reconnects: 0, error: null });
  const lastSeq = useRef<number | null>(options.initialSince ?? null);
  const opened = useRef(0);
  const onMessage = useRef(options.onMessage);
  onMessage.current = options.onMessage;
  const [enabled, setEnabled] = useState(name !== null);

  useEffect(() => {
    lastSeq.current = options.initialSince ?? null;
    opened.current = 0;
    setEnabled(name !== null);
    setState({ status: "connecting", reconnects: 0, error: null });
    // A new subscription starts over; options are read at connect time.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [party, name]);

  const socket = usePartySocket({
    host: window.location.host,
    protocol: window.location.protocol === "https:" ? "wss" : "ws",
    party,
    room: name ?? "none",
    enabled: enabled && name !== null,
    maxRetries: 1_000,
    minReconnectionDelay: 500,
    maxReconnectionDelay: 8_000,
    query: async () => {
      try {
        const issued = await api.post<IssuedTicket>("/live/tickets", { party, name });
        const params: Record<string, string> = { ticket: issued.ticket };
        if (lastSeq.current !== null) params.since = String(lastSeq.current);
        if (options.snapshots) params.snapshot = "1";
        return params;
      } catch (error) {
        // Not allowed or gone: stop trying, and say why. A network failure, 429 or 5xx retries.
        if (error instanceof ApiError && [401, 403, 404].includes(error.status)) {
          setEnabled(false);
          setState((s) => ({ ...s, status: "failed", error: error.message, refusal: error.status }));
        }
        throw error;
      }
    },
    onOpen: () => {
      opened.current += 1;
      setState((s) => ({ ...s, status: "live", reconnects: Math.max(0, opened.current - 1), error: null }));
    },
    onClose: () => {
      setState((s) => (s.status === "failed" ? s : { ...s, status: "reconnecting" }));
    },
    onMessage: (event: MessageEvent) => {
      let data: unknown;
      try {
        data = JSON.parse(String(event.data));
      } catch {
        return;
      }
      if ((data as { type?: unknown }).type === "error") {
        const message = (data as { error?: { message?: string } }).error?.message ?? "the live feed failed";
        setState((s) => ({ ...s, status: "reconnecting", error: message }));
        return;
      }
      let message: LiveEventOf<P>;
      try {
        message = parseLiveMessage(party, data);
      } catch (error) {
        console.warn(`ignored a ${party} message that does not match its schema`, error);
        return;
      }
      // Each event once: a replay after a reconnect may overlap what was already shown. (Kept in
      // a ref, not state: a render per message would undo the callers' batching.)
      const seen = lastSeq.current ?? -1;
      if (message.type !== "snapshot" && message.seq <= seen) return;
      lastSeq.current = Math.max(seen, message.seq);
      onMessage.current(message);
    },
  });

  // For tests and operators: window.aifLive lists the open subscriptions.
  useEffect(() => {
    const registry = ((window as unknown as { aifLive?: Map<string, unknown> }).aifLive ??= new Map());
    const key = `${party}/${name}`;
    registry.set(key, socket);
    return () => void registry.delete(key);
  }, [socket, party, name]);

  return state;
}
