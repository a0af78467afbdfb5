import type { Connection } from "partyserver";
import type { ActorRefusal, LedgerRefusalCode } from "../refusals";
import { openActor, type ActorBasics } from "../shared/actor-start";
import { ActorServer } from "../shared/actor-server";
import type { AlarmClock } from "../shared/alarm-clock";
import { FailureBook, STORAGE_RETRY } from "../shared/failures";
import type { JsonObject } from "../../lib/json";
import { EventLog, type LiveMessage } from "../shared/event-log";
import { greet, pushSnapshots, SNAPSHOTS_TAG } from "../shared/live";
import { first, insertRows, rows, rowsIn } from "../shared/sqlite";
import {
  available, emptyTotals, envelopeKey, LedgerError, nextPeriodStart, periodOf, replay, spent, step,
  type Entry, type KeyRecord, type LedgerAnswer, type LedgerCommand, type LedgerTotals,
} from "./ledger";
import { LEDGER_MIGRATIONS } from "./schema";

/** A command the ledger refused as given (bad amount, key reused differently, unknown hold). */
export type LedgerRejection = { status: "rejected" } & ActorRefusal<LedgerRefusalCode>;

/** Every RPC answer: the core's answer or a typed refusal. */
export type LedgerResult = LedgerAnswer | LedgerRejection;

interface TotalsRow extends Record<string, SqlStorageValue> {
  period: string; budget: number; settled: number; adjustments: number; held: number; alerted: string; unbilled: number;
}
interface KeyRow extends Record<string, SqlStorageValue> {
  key: string; kind: "hold" | "adjust"; amount: number; status: KeyRecord["status"]; actual: number | null;
  charged: number | null; overrun: number; reason: string | null; period: string; at: number;
  parent: string | null; remaining: number;
}
interface PeriodRow extends Record<string, SqlStorageValue> {
  period: string; budget: number; settled: number; adjustments: number; held_at_close: number; closed_at: number; unbilled: number;
}
interface DueRow extends Record<string, SqlStorageValue> { kind: "rollover" | "mirror"; at: number }
interface EntryRow extends Record<string, SqlStorageValue> {
  seq: number; kind: Entry["kind"]; key: string | null; amount: number; charged: number; unbilled: number; period: string; reason: string | null; at: number;
}

const MIRROR_DELAY_MS = 1_000;

/**
 * One client's money (named by client id): a monthly budget with holds, settlements and admin
 * adjustments, all idempotent by key and never overdrawn. A thin shell over `ledger.ts`: it loads
 * the totals, runs the core, and persists totals, key record, entries and events in one
 * transaction before answering. Its alarm closes the month at the UTC boundary and mirrors usage
 * to D1 (the ledger stays the source of truth).
 */
export class ClientLedger extends ActorServer {
  static override options = { hibernate: true };

  private totals!: LedgerTotals;
  /** Its SQLite (writes metered), event log and alarm (shared/actor-start.ts). */
  private basics!: ActorBasics;
  /** The D1 mirror and the month's budget read, retried with a cap and kept for an operator. */
  private failures!: FailureBook;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    void ctx.blockConcurrencyWhile(() => this.start());
  }

  private async start(): Promise<void> {
    await this.loadName();
    const now = Date.now();
    this.basics = await openActor(this.ctx, LEDGER_MIGRATIONS);
    this.failures = new FailureBook(this.sql$, () => ({ kind: "ledger", name: this.name, clientId: this.name }), () => this.env.DB);
    const row = first<TotalsRow>(this.sql$, `SELECT * FROM totals WHERE id = 1`);
    if (row) {
      this.totals = { period: row.period, budget: row.budget, settled: row.settled, adjustments: row.adjustments, held: row.held, alerted: JSON.parse(row.alerted) as number[], unbilled: row.unbilled };
    } else {
      const budget = await this.budgetFromCatalog();
      const totals = emptyTotals(periodOf(now), budget);
      this.ctx.storage.transactionSync(() => {
        this.saveTotals(totals);
        this.appendEntries([{ kind: "rollover", key: null, amount: budget, charged: 0, unbilled: 0, period: totals.period, reason: "opened", at: now }]);
        this.setDue("rollover", nextPeriodStart(now));
      });
      this.totals = totals;
    }
    this.scheduleNextAlarm();
  }

  private get sql$(): SqlStorage {
    return this.basics.sql;
  }

  private get events(): EventLog {
    return this.basics.events;
  }

  private get clock(): AlarmClock {
    return this.basics.clock;
  }

  /** The client's monthly budget from D1 (0 when the client is unknown). */
  private async budgetFromCatalog(): Promise<number> {
    const row = await this.env.DB.prepare(`SELECT monthly_budget_micros AS b FROM clients WHERE client_id = ?`).bind(this.name).first<{ b: number }>();
    return row?.b ?? 0;
  }

  // ---- RPC ---------------------------------------------------------------------------------

  /** Liveness probe for /health. */
  ping(): "pong" {
    return "pong";
  }

  /** Holds `amount` micro-USD under `key`: ok, or insufficient with what is available. */
  hold(key: string, amount: number): LedgerResult {
    return this.apply({ type: "hold", key, amount });
  }

  /** Charges the actual cost of the hold `key` and releases the rest of it. */
  settle(key: string, actual: number): LedgerResult {
    return this.apply({ type: "settle", key, actual });
  }

  /** Releases the hold `key` without charging. */
  release(key: string): LedgerResult {
    return this.apply({ type: "release", key });
  }

  /** An admin adjustment: positive debits, negative credits; idempotent by key. */
  adjust(key: string, amount: number, reason: string): LedgerResult {
    return this.apply({ type: "adjust", key, amount, reason });
  }

  /**
   * Several commands in order, in one turn (so one commit): a pipeline settles a finished step
   * and holds the next one in a single message. Each command is still idempotent by its key.
   */
  batch(commands: LedgerCommand[]): LedgerResult[] {
    return this.applyAll(commands);
  }

  /** Sets this period's budget (an admin changed the client's record). */
  setBudget(budget: number): LedgerResult {
    return this.apply({ type: "set_budget", budget });
  }

  /** The current balance; `unbilled` is this period's work that cost more than could be charged. */
  balance() {
    const t = this.totals;
    return {
      client_id: this.name, period: t.period, budget: t.budget, settled: t.settled, adjustments: t.adjustments,
      spent: spent(t), held: t.held, available: available(t), alerted: t.alerted, unbilled: t.unbilled,
    };
  }

  /** Everything an admin inspects: balance, open holds, recent entries, closed periods, alarms, events. */
  inspect(limit = 50) {
    const keyRows = rows<KeyRow>(this.sql$, `SELECT * FROM keys WHERE status = 'held' ORDER BY at`);
    return {
      balance: this.balance(),
      open_holds: keyRows.map((r) => ({ key: r.key, amount: r.amount, remaining: r.remaining, period: r.period, at: r.at })),
      // Settlements whose actual cost could not be charged in full, newest first.
      unbilled: rows<KeyRow>(this.sql$, `SELECT * FROM keys WHERE status = 'settled' AND actual > charged ORDER BY at DESC LIMIT ?`, limit)
        .map((r) => ({ key: r.key, actual: r.actual, charged: r.charged, unbilled: (r.actual ?? 0) - (r.charged ?? 0), period: r.period, at: r.at })),
      recent_entries: rows<EntryRow>(this.sql$, `SELECT * FROM (SELECT * FROM entries ORDER BY seq DESC LIMIT ?) ORDER BY seq`, limit).map(toEntry),
      periods: rows<PeriodRow>(this.sql$, `SELECT * FROM periods ORDER BY period DESC`).map((p) => ({ ...p })),
      due: rows<DueRow>(this.sql$, `SELECT * FROM due ORDER BY at`).map((d) => ({ kind: d.kind, at: d.at })),
      // The D1 mirror or a budget read retried with backoff, or given up after its cap.
      failures: this.failures.list(),
      event_seq: this.events.lastSeq,
      recent_events: this.events.tail(Math.min(limit, 20)),
    };
  }

  /** Rebuilds the totals from the entries and compares: the books must match the running totals. */
  verify(): { ok: boolean; derived: LedgerTotals; totals: LedgerTotals } {
    const entries = rows<EntryRow>(this.sql$, `SELECT * FROM entries ORDER BY seq`).map(toEntry);
    const derived = replay(entries, emptyTotals("0000-00", 0), this.totals.alerted);
    const openHolds = first<{ n: number }>(this.sql$, `SELECT coalesce(sum(remaining), 0) AS n FROM keys WHERE status = 'held'`)?.n ?? 0;
    const ok = JSON.stringify(derived) === JSON.stringify(this.totals) && openHolds === this.totals.held;
    return { ok, derived, totals: this.totals };
  }

  // ---- core ---------------------------------------------------------------------------------

  private apply(command: LedgerCommand): LedgerResult {
    return this.applyAll([command])[0]!;
  }

  /**
   * Runs the commands through the core in order, in memory, then writes what changed in one
   * transaction: totals once, each changed key, entries and events as multi-row inserts. SQL
   * statements dominate an actor's time, so a batch costs about as much as one command.
   */
  private applyAll(commands: readonly LedgerCommand[]): LedgerResult[] {
    const now = Date.now();
    // The commands' keys, and the envelopes their charges name, in one query.
    const stored = this.loadKeys(commands.flatMap((c) => ("key" in c ? [c.key, ...(c.type === "settle" && c.within ? [c.within] : [])] : [])));
    const changed = new Map<string, KeyRecord>();
    const entries: Entry[] = [];
    const events: { type: string; payload: JsonObject }[] = [];
    const answers: LedgerResult[] = [];
    let totals = this.totals;
    for (const command of commands) {
      const key = "key" in command ? command.key : null;
      const lookup = (k: string | null) => (k === null ? null : changed.get(k) ?? stored.get(k) ?? null);
      const record = lookup(key);
      try {
        const parent = lookup(envelopeKey(record, command));
        const result = step(totals, record, command, now, parent);
        totals = result.totals;
        if (key !== null && result.record && result.record !== record) changed.set(key, result.record);
        if (result.parent) changed.set(result.parent.key, result.parent);
        entries.push(...result.entries);
        events.push(...result.events);
        answers.push(result.answer);
      } catch (error) {
        if (!(error instanceof LedgerError)) throw error;
        answers.push({ status: "rejected", code: error.code, message: error.message });
      }
    }
    if (totals === this.totals && changed.size === 0 && entries.length === 0 && events.length === 0) return answers;
    let published: LiveMessage[] = [];
    const mirrorDue = entries.some((e) => e.kind === "settle" || e.kind === "adjust" || e.kind === "rollover") ? now + MIRROR_DELAY_MS : null;
    this.ctx.storage.transactionSync(() => {
      if (totals !== this.totals) this.saveTotals(totals);
      this.saveKeys([...changed.values()]);
      this.appendEntries(entries);
      published = this.events.appendMany(events, now);
      if (mirrorDue !== null) this.setDue("mirror", mirrorDue, true);
    });
    this.totals = totals;
    for (const message of published) this.broadcast(JSON.stringify(message));
    if (published.length > 0) pushSnapshots(this.getConnections(SNAPSHOTS_TAG), this.events, () => this.balance(), now);
    // The only due time a command can add is the mirror's; the alarm moves earlier if it is sooner.
    this.clock.keepEarliest(mirrorDue);
    return answers;
  }

  /** Key records by key (chunked to the binding limit). */
  private loadKeys(keys: readonly string[]): Map<string, KeyRecord> {
    const unique = [...new Set(keys)];
    if (unique.length === 0) return new Map();
    return new Map(rowsIn<KeyRow>(this.sql$, (list) => `SELECT * FROM keys WHERE key IN (${list})`, unique).map((r) => [r.key, toKeyRecord(r)]));
  }

  /** The key records a batch changed, in as few statements as the binding limit allows (one for a run's settlements). */
  private saveKeys(records: readonly KeyRecord[]): void {
    insertRows(this.sql$, `INSERT INTO keys (key, kind, amount, status, actual, charged, overrun, reason, period, at, parent, remaining)`,
      records.map((r) => [r.key, r.kind, r.amount, r.status, r.actual, r.charged, r.overrun ? 1 : 0, r.reason, r.period, r.at, r.parent, r.remaining]),
      `ON CONFLICT (key) DO UPDATE SET status = excluded.status, actual = excluded.actual, charged = excluded.charged,
         overrun = excluded.overrun, at = excluded.at, remaining = excluded.remaining`);
  }

  private saveTotals(t: LedgerTotals): void {
    this.sql$.exec(
      `INSERT INTO totals (id, period, budget, settled, adjustments, held, alerted, unbilled) VALUES (1, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET period = excluded.period, budget = excluded.budget, settled = excluded.settled,
         adjustments = excluded.adjustments, held = excluded.held, alerted = excluded.alerted, unbilled = excluded.unbilled`,
      t.period, t.budget, t.settled, t.adjustments, t.held, JSON.stringify(t.alerted), t.unbilled,
    );
  }

  private appendEntries(entries: readonly Entry[]): void {
    insertRows(this.sql$, `INSERT INTO entries (kind, key, amount, charged, unbilled, period, reason, at)`, entries.map((e) => [e.kind, e.key, e.amount, e.charged, e.unbilled, e.period, e.reason, e.at]));
  }

  // ---- time ---------------------------------------------------------------------------------

  private setDue(kind: "rollover" | "mirror", at: number, keepEarlier = false): void {
    this.sql$.exec(
      keepEarlier
        ? `INSERT INTO due (kind, at) VALUES (?, ?) ON CONFLICT (kind) DO UPDATE SET at = min(at, excluded.at)`
        : `INSERT INTO due (kind, at) VALUES (?, ?) ON CONFLICT (kind) DO UPDATE SET at = excluded.at`,
      kind, at,
    );
  }

  /**
   * Sets the alarm from the due table: on wake and after each alarm. Between them a command only
   * moves it earlier (AlarmClock.keepEarliest with the due time it wrote), without reading the table.
   */
  private scheduleNextAlarm(): void {
    this.clock.keepEarliest(first<{ at: number | null }>(this.sql$, `SELECT min(at) AS at FROM due`)?.at ?? null);
  }

  override async onAlarm(): Promise<void> {
    this.clock.fired();
    if (this.failures.hasUnreported()) await this.failures.report();
    const now = Date.now();
    const due = rows<DueRow>(this.sql$, `SELECT * FROM due WHERE at <= ?`, now);
    for (const item of due) {
      if (item.kind === "rollover") await this.rollover(now);
      else await this.mirror(now);
    }
    this.scheduleNextAlarm();
  }

  /**
   * Closes every period that ended before `now` (several, if the object slept through months).
   * The new month's budget comes from D1; if D1 cannot answer, the month opens with the current
   * budget (recorded for an operator) rather than failing the alarm, which the platform retries
   * only a few times.
   */
  private async rollover(now: number): Promise<void> {
    let budget = this.totals.budget;
    try {
      budget = await this.budgetFromCatalog();
      this.failures.succeeded("rollover_budget");
    } catch (error) {
      this.failures.gaveUpAfter("rollover_budget", error, 1, now);
    }
    while (this.totals.period < periodOf(now)) {
      const next = nextMonth(this.totals.period);
      const closing = this.totals;
      this.ctx.storage.transactionSync(() => {
        this.sql$.exec(`INSERT OR IGNORE INTO periods (period, budget, settled, adjustments, held_at_close, closed_at, unbilled) VALUES (?, ?, ?, ?, ?, ?, ?)`,
          closing.period, closing.budget, closing.settled, closing.adjustments, closing.held, now, closing.unbilled);
      });
      this.apply({ type: "rollover", period: next, budget });
    }
    this.ctx.storage.transactionSync(() => this.setDue("rollover", nextPeriodStart(now)));
  }

  /**
   * Mirrors this period's usage to D1 for reporting; retried by the alarm with backoff up to a
   * cap, then given up (kept for an operator) until the next change asks for a mirror again.
   */
  private async mirror(now: number): Promise<void> {
    try {
      await this.env.DB.prepare(
        `UPDATE clients SET used_budget_current_month_micros = ?, unbilled_current_month_micros = ?, budget_period = ?, updated_at = ? WHERE client_id = ?`,
      ).bind(Math.max(0, spent(this.totals)), this.totals.unbilled, this.totals.period, new Date(now).toISOString(), this.name).run();
      this.sql$.exec(`DELETE FROM due WHERE kind = 'mirror' AND at <= ?`, now);
      this.failures.succeeded("mirror");
    } catch (error) {
      const decision = this.failures.failed("mirror", error, STORAGE_RETRY, now);
      if (decision.retryAt === null) this.sql$.exec(`DELETE FROM due WHERE kind = 'mirror' AND at <= ?`, now);
      else this.setDue("mirror", decision.retryAt);
    }
  }

  // ---- live ---------------------------------------------------------------------------------

  protected override greetSubscriber(connection: Connection): void {
    greet(connection, this.events, () => this.balance(), Date.now());
  }
}

function toEntry(r: EntryRow): Entry {
  return { kind: r.kind, key: r.key, amount: r.amount, charged: r.charged, unbilled: r.unbilled, period: r.period, reason: r.reason, at: r.at };
}

function toKeyRecord(r: KeyRow): KeyRecord {
  return {
    key: r.key, kind: r.kind, amount: r.amount, status: r.status, actual: r.actual, charged: r.charged, overrun: r.overrun === 1,
    reason: r.reason, period: r.period, at: r.at, parent: r.parent, remaining: r.remaining,
  };
}

/** The period after "YYYY-MM". */
function nextMonth(period: string): string {
  const [y, m] = period.split("-").map(Number) as [number, number];
  return m === 12 ? `${y + 1}-01` : `${y}-${String(m + 1).padStart(2, "0")}`;
}
