/** What an actor has written to its SQLite since it started: rows (as SQLite counts them, indexes included), bound bytes, statements. */
export interface StorageMeter {
  rows: number;
  bytes: number;
  statements: number;
  /** Rows and bytes by table, for `npm run profile` and the inspector. */
  byTable: Record<string, { rows: number; bytes: number }>;
}

export function newMeter(): StorageMeter {
  return { rows: 0, bytes: 0, statements: 0, byTable: {} };
}

const WRITE = /^\s*(?:INSERT(?:\s+OR\s+\w+)?\s+INTO|REPLACE\s+INTO|UPDATE|DELETE\s+FROM)\s+(\w+)/i;

/** What a statement writes: its table, "(schema)" for a schema change, null for a read. */
function writtenTable(query: string): string | null {
  return WRITE.exec(query)?.[1] ?? (/^\s*(?:CREATE|DROP|ALTER)\b/i.test(query) ? "(schema)" : null);
}

/**
 * The actor's SQLite with every write metered: rows written as SQLite reports them (what
 * Cloudflare bills) and the bytes of the values bound. Reads pass through untouched.
 */
export function meteredSql(sql: SqlStorage, meter: StorageMeter): SqlStorage {
  // An actor runs a small fixed set of statements: each is classified once, not on every call.
  const tables = new Map<string, string | null>();
  const exec = <T extends Record<string, SqlStorageValue>>(query: string, ...binds: unknown[]): SqlStorageCursor<T> => {
    const cursor = sql.exec<T>(query, ...binds);
    // A read writes nothing; a schema change (migrations) writes SQLite's own rows: counted too.
    let table = tables.get(query);
    if (table === undefined) {
      table = writtenTable(query);
      // Bounded, in case some statement carries its values in its text.
      if (tables.size < 256) tables.set(query, table);
    }
    if (table === null) return cursor;
    let bytes = 0;
    for (const b of binds) bytes += typeof b === "string" ? b.length : b instanceof ArrayBuffer ? b.byteLength : 8;
    // A write runs when it is executed; its cursor already knows the rows it wrote.
    const rows = cursor.rowsWritten;
    meter.rows += rows;
    meter.bytes += bytes;
    meter.statements += 1;
    const t = (meter.byTable[table] ??= { rows: 0, bytes: 0 });
    t.rows += rows;
    t.bytes += bytes;
    return cursor;
  };
  return new Proxy(sql, {
    get(target, prop, receiver) {
      if (prop === "exec") return exec;
      const value = Reflect.get(target, prop, receiver) as unknown;
      return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}
