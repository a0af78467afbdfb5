import { env } from "cloudflare:workers";
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { PipelineActor } from "../src/actors/pipeline";
import { PIPELINE_MIGRATIONS } from "../src/actors/pipeline/schema";
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
});
