/**
 * A live subscription to one actor over a WebSocket (the `ws` package, so the credential goes in
 * a header, never in the URL). A dropped connection is opened again with `since=<last seq>` after
 * a backoff (0.5 s doubling to 8 s, jittered), at most MAX_RETRIES times in a row (3 for a first
 * connection that never opened), and MAX_RECONNECTS times in all. Only a connection that moved the
 * resume point on (delivered an event not seen before) starts the count in a row over: one that
 * sends its snapshot and drops again does not. A refusal at the upgrade (401, 403, 404, 422) ends the
 * subscription at once with the API's error.
 */
import * as v from "valibot";
import WebSocket from "ws";
import { SocketErrorSchema } from "../../src/actors/shared/live-message";
import { CliError } from "../errors";
import type { Api } from "../http";

/** Consecutive failed (re)connections before giving up. */
export const MAX_RETRIES = 8;
/** Reconnections in all for one subscription, however well each went: a link that keeps flapping is given up. */
export const MAX_RECONNECTS = 100;
/** Tries for a first connection that never opens (a server that is down or unreachable). */
const FIRST_CONNECT_RETRIES = 3;
const BASE_DELAY_MS = 500;
const MAX_DELAY_MS = 8_000;
/** A silent connection is checked this often, and dropped when the check goes unanswered this long. */
const PING_EVERY_MS = 20_000;
const PONG_WITHIN_MS = 10_000;
/** Upgrade answers that no retry will change. */
const FINAL_STATUSES = new Set([400, 401, 403, 404, 410, 422, 426]);

/** Where the connection stands, for the view. */
export type LinkState =
  | { kind: "connecting" }
  | { kind: "open"; reconnects: number }
  | { kind: "reconnecting"; attempt: number; delayMs: number; reason: string; everOpened: boolean };

/** A subscription's actor, resume point and listeners. */
export interface LiveSocketOptions {
  api: Api;
  /** The actor's path, e.g. `/parties/pipeline-actor/<id>`. */
  path: string;
  /** The `since` to open with (read at each connection), null for none. */
  since: () => number | null;
  /** Ask for a snapshot after the replayed events. */
  snapshot: boolean;
  /** Each frame, parsed from JSON. A throw ends the subscription with that error. */
  onFrame: (frame: unknown) => void;
  onLink?: (state: LinkState) => void;
  maxRetries?: number;
}

/** Delay before reconnection attempt `attempt` (1-based). */
export function backoff(attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** (attempt - 1));
  return Math.round(ceiling * (0.5 + random() * 0.5));
}

/** One subscription: `run()` resolves when `close()` is called, rejects when it cannot go on. */
export class LiveSocket {
  private ws: WebSocket | null = null;
  private generation = 0;
  private failures = 0;
  private reconnects = 0;
  private closed = false;
  /** Once a connection has opened, drops are worth more patience than a server never reached. */
  private opened = false;
  private timer: NodeJS.Timeout | null = null;
  private settle: { resolve: () => void; reject: (error: unknown) => void } | null = null;

  constructor(private readonly options: LiveSocketOptions) {}

  run(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.settle = { resolve, reject };
      this.options.onLink?.({ kind: "connecting" });
      this.connect();
    });
  }

  /** Ends the subscription; `run()` resolves. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.clearTimer();
    this.generation++;
    this.ws?.removeAllListeners();
    this.ws?.on("error", () => {});
    this.ws?.terminate();
    this.ws = null;
    this.settle?.resolve();
  }

  /** Ends the subscription with an error; `run()` rejects. */
  fail(error: unknown): void {
    if (this.closed) return;
    const settle = this.settle;
    this.settle = null;
    this.close();
    settle?.reject(error);
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private url(): URL {
    const since = this.options.since();
    const url = this.options.api.urlFor(this.options.path, {
      ...(since !== null ? { since } : {}),
      ...(this.options.snapshot ? { snapshot: "1" } : {}),
    });
    url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
    return url;
  }

  private connect(): void {
    const generation = ++this.generation;
    const current = () => generation === this.generation && !this.closed;
    const resumedFrom = this.options.since();
    const ws = new WebSocket(this.url(), { headers: this.options.api.headers(), handshakeTimeout: 10_000 });
    this.ws = ws;
    let lastError = "";
    let pingTimer: NodeJS.Timeout | null = null;
    let pongTimer: NodeJS.Timeout | null = null;
    const stopHeartbeat = () => {
      if (pingTimer) clearInterval(pingTimer);
      if (pongTimer) clearTimeout(pongTimer);
      pingTimer = pongTimer = null;
    };

    ws.on("unexpected-response", (request, response) => {
      let text = "";
      response.setEncoding("utf8");
      response.on("data", (chunk: string) => { if (text.length < 64_000) text += chunk; });
      response.on("end", () => {
        request.destroy();
        if (!current()) return;
        let data: unknown = null;
        try { data = JSON.parse(text); } catch { data = undefined; }
        const status = response.statusCode ?? 0;
        const error = this.options.api.failure({ status, headers: new Headers(response.headers as Record<string, string>) }, data, `the live connection to ${this.options.path}`);
        if (FINAL_STATUSES.has(status)) this.fail(error);
        else this.retry(`the server answered ${status} ${error.code}`);
      });
      response.on("error", () => { if (current()) this.retry("the upgrade's answer was cut short"); });
    });
    ws.on("open", () => {
      if (!current()) return;
      this.opened = true;
      this.options.onLink?.({ kind: "open", reconnects: this.reconnects });
      pingTimer = setInterval(() => {
        ws.ping();
        pongTimer ??= setTimeout(() => { lastError = "no answer to a ping"; ws.terminate(); }, PONG_WITHIN_MS);
      }, PING_EVERY_MS);
    });
    ws.on("pong", () => {
      if (pongTimer) clearTimeout(pongTimer);
      pongTimer = null;
    });
    ws.on("message", (data) => {
      if (!current()) return;
      let frame: unknown;
      try {
        frame = JSON.parse(String(data));
      } catch {
        this.fail(new CliError(`the live connection sent something other than JSON: ${String(data).slice(0, 80)}`));
        return;
      }
      // The actor's coded error frame (it closes the socket after it): reconnect, as it says.
      const refusal = v.safeParse(SocketErrorSchema, frame);
      if (refusal.success) {
        lastError = `the actor reported ${refusal.output.error.code}: ${refusal.output.error.message}`;
        return;
      }
      try {
        this.options.onFrame(frame);
      } catch (error) {
        this.fail(error);
        return;
      }
      // A connection that delivered something new is a good one: the next drop starts the backoff over.
      if (this.options.since() !== resumedFrom) this.failures = 0;
    });
    ws.on("error", (error: Error & { code?: string }) => {
      lastError = error.code ?? error.message;
    });
    ws.on("close", (code) => {
      stopHeartbeat();
      if (!current()) return;
      this.retry(lastError || `the connection closed (${code})`);
    });
  }

  private retry(reason: string): void {
    if (this.closed || this.timer) return;
    this.generation++;
    this.ws?.removeAllListeners();
    this.ws?.on("error", () => {});
    this.ws?.terminate();
    this.ws = null;
    this.failures += 1;
    const max = Math.min(this.options.maxRetries ?? MAX_RETRIES, this.opened ? Infinity : FIRST_CONNECT_RETRIES);
    if (this.failures > max || this.reconnects >= MAX_RECONNECTS) {
      this.fail(this.opened
        ? new CliError(`lost the live connection to ${this.options.api.baseUrl} and could not get it back after ${Math.min(max, this.failures)} tries in a row, ${this.reconnects} in all (${reason})`,
          "the run continues on the server; check the server, then 'aif follow <pipeline-id>' picks up where this stopped")
        : new CliError(`cannot open a live connection to ${this.options.api.baseUrl} (${reason})`,
          "is the server running? Start the local stack with 'npm start', or point --url or AIF_URL at the server"));
      return;
    }
    const delayMs = backoff(this.failures);
    this.options.onLink?.({ kind: "reconnecting", attempt: this.failures, delayMs, reason, everOpened: this.opened });
    this.timer = setTimeout(() => {
      this.timer = null;
      this.reconnects += 1;
      this.connect();
    }, delayMs);
  }
}
