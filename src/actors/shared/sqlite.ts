/**
 * An actor's SQLite schema as an ordered, append-only list of migrations, applied on wake.
 * Never edit a released entry: append a new one.
 */
export function migrate(sql: SqlStorage, migrations: readonly string[], now: number, current: string | null = null): void {
  sql.exec(`CREATE TABLE IF NOT EXISTS _migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)`);
  const row = sql.exec<{ v: number }>(`SELECT coalesce(max(version), 0) AS v FROM _migrations`).one();
  if (row.v >= migrations.length) return;
  if (row.v === 0 && current !== null) {
    // A new object: the schema as the migrations leave it, created directly (no tables made to be
    // dropped, no rows copied), and one record of the version it is at. An actor made per run
    // (the PipelineActor) pays its schema on every run: rows written are what storage bills.
    sql.exec(`${current.trim().replace(/;+$/, "")};\nINSERT INTO _migrations (version, applied_at) VALUES (${migrations.length}, ${Math.trunc(now)})`);
    return;
  }
  // Every pending migration and its record in one multi-statement exec: a new actor (one per
  // pipeline) applies them all, and each statement call has a fixed cost.
  const pending = migrations.slice(row.v).map((m) => m.trim().replace(/;+$/, ""));
  const records = pending.map((_, i) => `(${row.v + i + 1}, ${Math.trunc(now)})`).join(", ");
  sql.exec(`${pending.join(";\n")};\nINSERT INTO _migrations (version, applied_at) VALUES ${records}`);
}

/** Rows of a query as plain objects of the given row type. */
export function rows<T extends Record<string, SqlStorageValue>>(sql: SqlStorage, query: string, ...binds: SqlStorageValue[]): T[] {
  return sql.exec<T>(query, ...binds).toArray();
}

/** The first row of a query, or null. */
export function first<T extends Record<string, SqlStorageValue>>(sql: SqlStorage, query: string, ...binds: SqlStorageValue[]): T | null {
  return sql.exec<T>(query, ...binds).toArray()[0] ?? null;
}

/** The most values one statement may bind (workerd's SQLite refuses more). */
export const MAX_BOUND_VALUES = 100;

/**
 * Inserts rows (each the same number of values) with as few statements as the binding limit
 * allows. `head` is the statement up to VALUES, e.g. `INSERT INTO t (a, b)`; `tail` what follows
 * the values, e.g. an upsert's `ON CONFLICT … DO UPDATE` (then no two rows may share a key).
 */
export function insertRows(sql: SqlStorage, head: string, values: readonly (readonly SqlStorageValue[])[], tail = ""): void {
  if (values.length === 0) return;
  const width = values[0]!.length;
  const perStatement = Math.max(1, Math.floor(MAX_BOUND_VALUES / width));
  const tuple = `(${Array.from({ length: width }, () => "?").join(", ")})`;
  for (let i = 0; i < values.length; i += perStatement) {
    const chunk = values.slice(i, i + perStatement);
    sql.exec(`${head} VALUES ${chunk.map(() => tuple).join(", ")}${tail ? ` ${tail}` : ""}`, ...chunk.flat());
  }
}

/** Rows whose column is in `keys`, in as many queries as the binding limit needs. `query` gets the placeholder list. */
export function rowsIn<T extends Record<string, SqlStorageValue>>(sql: SqlStorage, query: (placeholders: string) => string, keys: readonly SqlStorageValue[]): T[] {
  const out: T[] = [];
  for (let i = 0; i < keys.length; i += MAX_BOUND_VALUES) {
    const chunk = keys.slice(i, i + MAX_BOUND_VALUES);
    out.push(...rows<T>(sql, query(chunk.map(() => "?").join(", ")), ...chunk));
  }
  return out;
}
