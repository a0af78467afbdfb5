/**
 * An actor's SQLite schema as an ordered, append-only list of migrations, applied on wake.
 * Never edit a released entry: append a new one.
 */
export function migrate(sql: SqlStorage, migrations: readonly string[], now: number): void {
  sql.exec(`CREATE TABLE IF NOT EXISTS _migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)`);
  const row = sql.exec<{ v: number }>(`SELECT coalesce(max(version), 0) AS v FROM _migrations`).one();
  for (let i = row.v; i < migrations.length; i++) {
    sql.exec(migrations[i]!);
    sql.exec(`INSERT INTO _migrations (version, applied_at) VALUES (?, ?)`, i + 1, now);
  }
}

/** Rows of a query as plain objects of the given row type. */
export function rows<T extends Record<string, SqlStorageValue>>(sql: SqlStorage, query: string, ...binds: SqlStorageValue[]): T[] {
  return sql.exec<T>(query, ...binds).toArray();
}

/** The first row of a query, or null. */
export function first<T extends Record<string, SqlStorageValue>>(sql: SqlStorage, query: string, ...binds: SqlStorageValue[]): T | null {
  return sql.exec<T>(query, ...binds).toArray()[0] ?? null;
}
