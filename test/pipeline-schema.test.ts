import { env } from "cloudflare:workers";
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { PipelineActor } from "../src/actors/pipeline";
import { PIPELINE_MIGRATIONS } from "../src/actors/pipeline/schema";
import { loadState, saveState } from "../src/actors/pipeline/store";
import { scriptedSpec } from "./pipeline-helpers";
import { migrate } from "../src/actors/shared/sqlite";

/** Every table's columns, keys and indexes, as SQLite describes them (names sorted). */
function describeSchema(sql: SqlStorage): Record<string, unknown> {
  const tables = sql.exec<{ name: string }>(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT IN ('_migrations', '_cf_KV', '_cf_METADATA') ORDER BY name`).toArray();
  return Object.fromEntries(tables.map(({ name }) => [name, {
    columns: sql.exec(`SELECT name, type, "notnull", dflt_value, pk FROM pragma_table_info(?) ORDER BY cid`, name).toArray(),
    indexes: sql.exec(`SELECT "unique", origin, partial FROM pragma_index_list(?) ORDER BY name`, name).toArray(),
    withoutRowid: /WITHOUT ROWID/i.test(String(sql.exec<{ sql: string }>(`SELECT sql FROM sqlite_master WHERE name = ?`, name).one().sql)),
  }]));
}

describe("the PipelineActor's schema", () => {
  it("a new object creates directly the schema its migrations leave, at their version, in one record", async () => {
    // A new object: created from PIPELINE_SCHEMA.
    const fresh = await runInDurableObject(env.PipelineActor.getByName(`schema-fresh-${Date.now()}`), (_: PipelineActor, state) => ({
      schema: describeSchema(state.storage.sql),
      versions: state.storage.sql.exec<{ version: number }>(`SELECT version FROM _migrations`).toArray().map((r) => r.version),
    }));
    expect(fresh.versions).toEqual([PIPELINE_MIGRATIONS.length]);
    // An object that went through every migration, one after another.
    const migrated = await runInDurableObject(env.PipelineActor.getByName(`schema-migrated-${Date.now()}`), (_: PipelineActor, state) => {
      const sql = state.storage.sql;
      state.storage.transactionSync(() => {
        for (const { name } of sql.exec<{ name: string }>(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%'`).toArray()) sql.exec(`DROP TABLE "${name}"`);
        migrate(sql, PIPELINE_MIGRATIONS, Date.now());
      });
      return describeSchema(sql);
    });
    expect(fresh.schema).toEqual(migrated);
  });

  it("a run written by the previous code keeps its context, cleanup, steps and outputs through the migrations and later writes", async () => {
    const spec = scriptedSpec("client_schema", [{ id: "a" }, { id: "b", dependsOn: ["a"] }], { pipelineId: `schema-old-${Date.now()}` });
    const id = spec.pipelineId;
    const step = (sid: string, status: string, extra: object = {}) => ({
      id: sid, status, attempt: 1, attemptBase: 0, workerIndex: 0, held: false, queued: null, startedAt: 5, finishedAt: null, retryAt: null,
      timeoutAt: null, outputRef: null, costMicros: 0, error: null, skippedReason: null, ...extra,
    });
    const loaded = await runInDurableObject(env.PipelineActor.getByName(id), (_: PipelineActor, state) => {
      const sql = state.storage.sql;
      state.storage.transactionSync(() => {
        for (const { name } of sql.exec<{ name: string }>(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%'`).toArray()) sql.exec(`DROP TABLE "${name}"`);
        // The schema and rows as the code before issue 16 left them: ten migrations, the context
        // inside the meta document, full keys, a step table keyed by id, outputs and events.
        migrate(sql, PIPELINE_MIGRATIONS.slice(0, 10), 1);
        sql.exec(`INSERT INTO spec (id, data) VALUES (1, ?)`, JSON.stringify(spec));
        sql.exec(`INSERT INTO meta (id, data) VALUES (1, ?)`, JSON.stringify({
          status: "running", context: { report: { title: "Kept" } }, costMicros: 7, reason: null, notes: [],
          cleanup: [{ kind: "settle", key: `${id}:a:1`, actualMicros: 7 }], abandoned: [], createdAt: 1, startedAt: 2, finishedAt: null,
          heldAhead: true, registered: true, historyWritten: false, admission: "none", transfer: { actorBytes: 10, payloadBytes: 10 },
        }));
        sql.exec(`INSERT INTO steps (id, ord, data) VALUES ('a', 0, ?), ('b', 1, ?)`,
          JSON.stringify(step("a", "succeeded", { outputRef: "sqlite:outputs/a/1", costMicros: 7, finishedAt: 6 })), JSON.stringify(step("b", "running")));
        sql.exec(`INSERT INTO outputs (step_id, attempt, data) VALUES ('a', 1, '{"total":3}')`);
        sql.exec(`INSERT INTO events (seq, type, at, payload) VALUES (1, 'step_succeeded', 6, '{"step_id":"a"}')`);
        sql.exec(`INSERT INTO checkpoints (at, label, status, steps) VALUES (6, 'result:a', 'running', '{"a":"succeeded"}')`);
        // Then this code's migrations.
        migrate(sql, PIPELINE_MIGRATIONS, 2);
      });
      const before = loadState(sql)!;
      // A write that changes the meta but not the context, as the next answer would.
      saveState(sql, before, { ...before, costMicros: 9 });
      return { before, after: loadState(sql)!, events: sql.exec<{ n: number }>(`SELECT count(*) AS n FROM event_batches`).one().n };
    });
    for (const s of [loaded.before, loaded.after]) {
      expect(s.context).toEqual({ report: { title: "Kept" } });
      expect(s.cleanup).toEqual([{ kind: "settle", key: `${id}:a:1`, actualMicros: 7 }]);
      expect(s.heldAhead).toBe(true);
      expect(s.outputs).toEqual({ a: { total: 3 } });
      expect(s.steps.map((st) => [st.id, st.status])).toEqual([["a", "succeeded"], ["b", "running"]]);
    }
    expect(loaded.after.costMicros).toBe(9);
    // The old event and checkpoint are in the journal.
    expect(loaded.events).toBe(2);
  });
});
