import { env } from "cloudflare:workers";
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { PipelineActor } from "../src/actors/pipeline";
import { PIPELINE_MIGRATIONS } from "../src/actors/pipeline/schema";
import { Checkpoints } from "../src/actors/pipeline/checkpoints";
import { EventLog } from "../src/actors/shared/event-log";
import { finished, quiesce, scriptedSpec, testClient, testWorker, waitFor, type ScriptedStep } from "./pipeline-helpers";
import { SNAPSHOT_EVERY_WRITES } from "../src/actors/pipeline/checkpoints";
import { migrate } from "../src/actors/shared/sqlite";
import type { JsonObject } from "../src/lib/json";

/** Every table's columns, keys and indexes, as SQLite describes them (names sorted). */
function describeSchema(sql: SqlStorage): Record<string, unknown> {
  const tables = sql.exec<{ name: string }>(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT IN ('_migrations', '_cf_KV', '_cf_METADATA') ORDER BY name`).toArray();
  return Object.fromEntries(tables.map(({ name }) => [name, {
    columns: sql.exec(`SELECT name, type, "notnull", dflt_value, pk FROM pragma_table_info(?) ORDER BY cid`, name).toArray(),
    indexes: sql.exec<{ name: string }>(`SELECT name, "unique", origin, partial FROM pragma_index_list(?) ORDER BY name`, name).toArray().map(({ name: index, ...rest }) => ({
      ...rest, columns: sql.exec(`SELECT name FROM pragma_index_info(?) ORDER BY seqno`, index).toArray().map((c) => c.name),
    })),
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
      const open = () => new Checkpoints(state.storage, sql, new EventLog(sql), { written: () => {}, flushed: () => {}, flushFailed: () => {} });
      const checkpoints = open();
      const before = checkpoints.state!;
      // A write that changes the meta but not the context, as the next answer would: carried in
      // the journal, replayed on top of the old rows by the next load.
      checkpoints.commit({ ...before, costMicros: 9 }, "test");
      return { before, after: open().state!, events: sql.exec<{ n: number }>(`SELECT count(*) AS n FROM event_batches`).one().n };
    });
    for (const s of [loaded.before, loaded.after]) {
      expect(s.context).toEqual({ report: { title: "Kept" } });
      expect(s.cleanup).toEqual([{ kind: "settle", key: `${id}:a:1`, actualMicros: 7 }]);
      expect(s.heldAhead).toBe(true);
      expect(s.outputs).toEqual({ a: { total: 3 } });
      expect(s.steps.map((st) => [st.id, st.status])).toEqual([["a", "succeeded"], ["b", "running"]]);
    }
    expect(loaded.after.costMicros).toBe(9);
    // The old event and checkpoint are in the journal, and the new write's row after them.
    expect(loaded.events).toBe(3);
  });

  it("the journal replays to the state in memory, mid-run and at the end, across snapshots", async () => {
    const client = await testClient();
    const worker = await testWorker(100);
    // Long enough for several snapshots; retries (attempts, errors, a retry time set then cleared),
    // a mapped output (the context) and outputs on the way.
    const n = SNAPSHOT_EVERY_WRITES + 8;
    const steps: ScriptedStep[] = Array.from({ length: n }, (_, i) => ({
      id: `s${i + 1}`, dependsOn: i === 0 ? [] : [`s${i}`], estimateMicros: 10,
      script: (i % 7 === 3 ? { mode: "fail_times", times: 1, kind: "transient", cost_micros: 3 } : { output: { n: i }, cost_micros: 2 }) as JsonObject,
      ...(i === 5 ? { output: { sixth: "$.n" } } : {}),
    }));
    const spec = scriptedSpec(client, steps, { admissionMicros: n * 20 }, worker);
    const stub = env.PipelineActor.getByName(spec.pipelineId);
    await stub.create(spec);
    const reload = () => runInDurableObject(stub, (instance: PipelineActor, state) => {
      const inMemory = (instance as unknown as { checkpoints: Checkpoints }).checkpoints;
      // Only what is written: a round applied in memory and not yet written is not compared.
      if (!inMemory.allWritten) return null;
      const loaded = new Checkpoints(state.storage, state.storage.sql, new EventLog(state.storage.sql), { written: () => {}, flushed: () => {}, flushFailed: () => {} }).state;
      return { inMemory: JSON.parse(JSON.stringify(inMemory.state)), loaded: JSON.parse(JSON.stringify(loaded)), snapshotAt: state.storage.sql.exec<{ journal: number }>(`SELECT journal FROM meta`).one().journal };
    });
    // Mid-run: once a step past the first snapshot has started.
    const mid = await waitFor(async () => {
      const r = await reload();
      return r && r.snapshotAt > 1 ? r : undefined;
    }, 20_000, "a snapshot after the first");
    expect(mid.loaded).toEqual(mid.inMemory);
    expect((await finished(spec.pipelineId, 30_000)).status).toBe("completed");
    await quiesce([spec.pipelineId]);
    const end = (await reload())!;
    expect(end.loaded).toEqual(end.inMemory);
    expect(end.loaded.context).toEqual({ sixth: 5 });
    expect(end.loaded.attempts.length).toBeGreaterThan(n);
  });

  it("the journal stays bounded: old rows are trimmed, except those a replay needs, and a failed write gives its row ids back", async () => {
    const counts = await runInDurableObject(env.PipelineActor.getByName(`schema-bounded-${Date.now()}`), (_: PipelineActor, state) => {
      const sql = state.storage.sql;
      const log = new EventLog(sql, 100);
      // A snapshot as of row 10: rows after it that carry state are kept, whatever their age.
      for (let i = 0; i < 10; i++) log.appendMany([{ type: "step_progress", payload: { i } }], i, null, { state: null });
      log.keep(11);
      for (let i = 0; i < 5; i++) log.appendMany([{ type: "step_started", payload: { i } }], 100 + i, "running ~R:a", { state: `{"m":{"costMicros":${i + 1}}}` });
      // A long-running step's progress: many rows without state.
      for (let i = 0; i < 600; i++) log.appendMany([{ type: "step_progress", payload: { done: i } }], 200 + i, null, { state: null });
      const kept = sql.exec<{ n: number; withState: number }>(`SELECT count(*) AS n, count(state) AS withState FROM event_batches`).one();
      // A write that fails after appending: its ids are given back, and the next row takes them.
      const before = log.mark();
      try {
        state.storage.transactionSync(() => {
          log.appendMany([{ type: "cost_updated", payload: {} }], 900, "running x", { state: "{}" });
          throw new Error("fails after appending");
        });
      } catch {
        log.restore(before);
      }
      log.appendMany([{ type: "cost_updated", payload: {} }], 901, "running y", { state: "{}" });
      const newest = sql.exec<{ id: number; note: string }>(`SELECT id, note FROM event_batches ORDER BY id DESC LIMIT 1`).one();
      return { ...kept, before, newest, since: log.since(0) };
    });
    // At most the limit and the hundred before it trimming waits for, plus the 5 rows with state.
    expect(counts.n).toBeLessThanOrEqual(200 + 5);
    expect(counts.withState).toBe(5);
    expect(counts.newest).toEqual({ id: counts.before.lastRow + 1, note: "running y" });
    // The old rows are gone from a replay: a client asking from the start gets a snapshot instead.
    expect(counts.since).toBeNull();
  });
});
