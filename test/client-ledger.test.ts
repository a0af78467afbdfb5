import { env } from "cloudflare:workers";
import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { ClientLedger } from "../src/actors/client-ledger";
import { LEDGER_MIGRATIONS } from "../src/actors/client-ledger/schema";
import { migrate } from "../src/actors/shared/sqlite";

let counter = 0;
/** A fresh client in D1 with the given budget, and its ledger stub. */
async function ledgerFor(budget: number) {
  const clientId = `ledger_client_${Date.now()}_${counter++}`;
  const at = new Date().toISOString();
  await env.DB.prepare(
    `INSERT INTO clients (client_id, company_name, contact_email, monthly_budget_micros, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)`,
  ).bind(clientId, clientId, `${clientId}@example.com`, budget, at, at).run();
  return { clientId, ledger: env.ClientLedger.getByName(clientId) };
}

describe("ClientLedger", () => {
  it("takes its budget from the client's record", async () => {
    const { ledger, clientId } = await ledgerFor(7_500_000);
    expect(await ledger.balance()).toMatchObject({ client_id: clientId, budget: 7_500_000, available: 7_500_000, held: 0, spent: 0 });
  });

  it("grants exactly 50 of 200 concurrent holds against a budget that covers 50", async () => {
    const { ledger } = await ledgerFor(50 * 1_000);
    const answers = await Promise.all(Array.from({ length: 200 }, (_, i) => ledger.hold(`hold-${i}`, 1_000)));
    expect(answers.filter((a) => a.status === "ok")).toHaveLength(50);
    expect(answers.filter((a) => a.status === "insufficient")).toHaveLength(150);
    expect(await ledger.balance()).toMatchObject({ held: 50_000, available: 0 });
    expect((await ledger.verify()).ok).toBe(true);
  });

  it("is idempotent by key over RPC: a repeated hold, settle or release changes nothing", async () => {
    const { ledger } = await ledgerFor(1_000_000);
    expect(await ledger.hold("p:s:1", 300_000)).toMatchObject({ status: "ok", replayed: false });
    expect(await ledger.hold("p:s:1", 300_000)).toMatchObject({ status: "ok", replayed: true });
    expect(await ledger.hold("p:s:1", 400_000)).toMatchObject({ status: "rejected", code: "idempotency_conflict" });
    expect(await ledger.settle("p:s:1", 120_000)).toMatchObject({ status: "settled", charged: 120_000, released: 300_000, replayed: false });
    expect(await ledger.settle("p:s:1", 120_000)).toMatchObject({ status: "settled", replayed: true });
    expect(await ledger.release("p:s:1")).toMatchObject({ status: "settled", replayed: true });
    expect(await ledger.balance()).toMatchObject({ settled: 120_000, held: 0, available: 880_000 });
    expect(await ledger.settle("never-held", 5)).toMatchObject({ status: "rejected", code: "unknown_hold" });
    expect(await ledger.hold("bad", -5)).toMatchObject({ status: "rejected", code: "invalid_amount" });
  });

  it("keeps everything across eviction: the books still replay to the totals", async () => {
    const { ledger, clientId } = await ledgerFor(1_000_000);
    await ledger.hold("a", 100_000);
    await ledger.hold("b", 200_000);
    await ledger.settle("a", 50_000);
    await ledger.adjust("adj-1", -20_000, "goodwill credit");
    const before = await ledger.balance();
    await evictDurableObject(ledger);
    const again = env.ClientLedger.getByName(clientId);
    expect(await again.balance()).toEqual(before);
    expect(before).toMatchObject({ settled: 50_000, adjustments: -20_000, spent: 30_000, held: 200_000, available: 770_000 });
    expect(await again.settle("a", 50_000)).toMatchObject({ replayed: true });
    const verified = await again.verify();
    expect(verified.ok).toBe(true);
  });

  it("refuses adjustments that would overdraw or refund more than was spent", async () => {
    const { ledger } = await ledgerFor(100);
    expect(await ledger.adjust("d1", 101, "too much")).toMatchObject({ status: "rejected", code: "adjustment_out_of_range" });
    expect(await ledger.adjust("c1", -1, "nothing spent")).toMatchObject({ status: "rejected", code: "adjustment_out_of_range" });
    expect(await ledger.adjust("d2", 100, "all of it")).toMatchObject({ status: "adjusted", available: 0 });
  });

  it("closes the month by alarm: period kept, usage reset, open holds carried over", async () => {
    const { ledger } = await ledgerFor(1_000_000);
    await ledger.hold("old-hold", 100_000);
    await ledger.hold("spent", 300_000);
    await ledger.settle("spent", 300_000);
    // Pretend the ledger was opened long ago and has slept past month boundaries; evict it so
    // it starts from storage, as after a restart. (Its alarm may fire on wake; either way it runs.)
    await runInDurableObject(ledger, (_: ClientLedger, state) => {
      state.storage.sql.exec(`UPDATE totals SET period = '2026-01'`);
      state.storage.sql.exec(`UPDATE due SET at = ? WHERE kind = 'rollover'`, Date.now() - 1);
    });
    await evictDurableObject(ledger);
    await runDurableObjectAlarm(ledger);
    const balance = await ledger.balance();
    expect(balance.period).toBe(new Date().toISOString().slice(0, 7));
    expect(balance).toMatchObject({ settled: 0, spent: 0, held: 100_000, available: 900_000, alerted: [] });
    const inspected = await ledger.inspect();
    const january = inspected.periods.find((p) => p.period === "2026-01");
    expect(january).toMatchObject({ settled: 300_000, held_at_close: 100_000 });
    // Every month it slept through is closed and kept.
    expect(inspected.periods.map((p) => p.period)).toContain("2026-02");
    expect((await ledger.verify()).ok).toBe(true);
    expect(inspected.due.find((d) => d.kind === "rollover")!.at).toBeGreaterThan(Date.now());
    expect(await ledger.settle("old-hold", 40_000)).toMatchObject({ status: "settled", charged: 40_000 });
  });

  it("mirrors usage to D1 by alarm", async () => {
    const { ledger, clientId } = await ledgerFor(1_000_000);
    await ledger.hold("m", 250_000);
    await ledger.settle("m", 250_000);
    await runInDurableObject(ledger, (_: ClientLedger, state) => {
      state.storage.sql.exec(`UPDATE due SET at = ? WHERE kind = 'mirror'`, Date.now() - 1);
    });
    await runDurableObjectAlarm(ledger);
    const row = await env.DB.prepare(`SELECT used_budget_current_month_micros AS used, budget_period AS p FROM clients WHERE client_id = ?`).bind(clientId).first();
    expect(row).toEqual({ used: 250_000, p: new Date().toISOString().slice(0, 7) });
  });

  it("keeps its books through the lean schema's migration (key records WITHOUT ROWID, entries without AUTOINCREMENT), and then writes one row per key record", async () => {
    const { ledger } = await ledgerFor(1_000_000);
    expect(await ledger.hold("old:s:1", 300_000)).toMatchObject({ status: "ok", replayed: false });
    // The same books as the schema before the last migration left them.
    await runInDurableObject(ledger, (_: ClientLedger, state) => {
      const sql = state.storage.sql;
      const saved = Object.fromEntries(["totals", "keys", "entries"].map((t) => [t, sql.exec(`SELECT * FROM ${t}`).toArray()]));
      state.storage.transactionSync(() => {
        for (const { name } of sql.exec<{ name: string }>(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%'`).toArray()) sql.exec(`DROP TABLE "${name}"`);
        migrate(sql, LEDGER_MIGRATIONS.slice(0, -1), 1);
        for (const [table, rows] of Object.entries(saved)) {
          for (const row of rows) {
            const columns = Object.keys(row);
            sql.exec(`INSERT INTO ${table} (${columns.join(", ")}) VALUES (${columns.map(() => "?").join(", ")})`, ...Object.values(row));
          }
        }
      });
    });
    await evictDurableObject(ledger);
    // Woken: migrated, the same key answered as a replay, settled, the books consistent.
    expect(await ledger.hold("old:s:1", 300_000)).toMatchObject({ status: "ok", replayed: true });
    expect(await ledger.settle("old:s:1", 100_000)).toMatchObject({ status: "settled", charged: 100_000, replayed: false });
    expect((await ledger.verify()).ok).toBe(true);
    const after = await runInDurableObject(ledger, (_: ClientLedger, state) => {
      const sql = state.storage.sql;
      const ddl = sql.exec<{ sql: string }>(`SELECT sql FROM sqlite_master WHERE name = 'keys'`).one().sql;
      const oneKey = sql.exec(`INSERT INTO keys (key, kind, amount, status, overrun, period, at) VALUES ('probe', 'hold', 1, 'settled', 0, '2026-12', 1)`).rowsWritten;
      sql.exec(`DELETE FROM keys WHERE key = 'probe'`);
      const oneEntry = sql.exec(`INSERT INTO entries (kind, key, amount, charged, period, at) VALUES ('hold', 'probe', 0, 0, '2026-12', 1)`).rowsWritten;
      return { ddl, oneKey, oneEntry, entries: sql.exec<{ seq: number; kind: string }>(`SELECT seq, kind FROM entries ORDER BY seq`).toArray() };
    });
    expect(after.ddl).toMatch(/WITHOUT ROWID/);
    expect(after.oneKey).toBe(1);
    expect(after.oneEntry).toBe(1);
    // The entries kept their sequence and the new ones follow it.
    expect(after.entries.map((e) => e.kind).slice(-3)).toEqual(["hold", "settle", "hold"]);
    expect(after.entries.map((e) => e.seq)).toEqual([...after.entries.map((e) => e.seq)].sort((a, b) => a - b));
  });
});
