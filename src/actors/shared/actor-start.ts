import { AlarmClock } from "./alarm-clock";
import { EventLog } from "./event-log";
import { meteredSql, newMeter, type StorageMeter } from "./metered-sql";
import { migrate } from "./sqlite";

/** What every actor opens when it wakes: its SQLite (migrated, writes metered), its event log and its one alarm. */
export interface ActorBasics {
  sql: SqlStorage;
  /** What the actor has written since it woke (rows as SQLite counts them, bytes bound); counted only when asked for (`metered`). */
  meter: StorageMeter;
  events: EventLog;
  clock: AlarmClock;
}

/**
 * The start-up the three actors share (call inside the constructor's `blockConcurrencyWhile`):
 * applies the actor's pending migrations (a new object with a `current` schema creates that
 * directly), opens its event log and reads its alarm. Each actor
 * then loads its own state and greets subscribers with `greet` (live.ts).
 */
export async function openActor(ctx: DurableObjectState, migrations: readonly string[], current: string | null = null, metered = false): Promise<ActorBasics> {
  const meter = newMeter();
  // Only an actor that reports its writes (the PipelineActor's storage_written) pays for counting them.
  const sql = metered ? meteredSql(ctx.storage.sql, meter) : ctx.storage.sql;
  migrate(sql, migrations, Date.now(), current);
  const clock = new AlarmClock(ctx.storage);
  await clock.load();
  return { sql, meter, events: new EventLog(sql), clock };
}
