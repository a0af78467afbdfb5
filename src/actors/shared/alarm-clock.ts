/**
 * An actor's one alarm, mirrored in memory so that commands never await storage for it and a
 * write happens only when the alarm really changes. Writes are not awaited: the output gate
 * holds every outgoing message until they are durable.
 */
export class AlarmClock {
  private at: number | null = null;
  /** Alarm writes (sets and deletes) since the object started: each is a storage write. */
  writes = 0;

  constructor(private readonly storage: DurableObjectStorage) {}

  /** Reads the stored alarm (once, on wake). */
  async load(): Promise<void> {
    this.at = await this.storage.getAlarm();
  }

  /** When the alarm is set to fire (null: none). */
  get scheduled(): number | null {
    return this.at;
  }

  /** Sets the alarm to `at` (null clears it); no write when it is unchanged. */
  set(at: number | null): void {
    if (at === this.at) return;
    this.at = at;
    this.writes += 1;
    if (at === null) void this.storage.deleteAlarm();
    else void this.storage.setAlarm(at);
  }

  /**
   * Moves the alarm earlier to `next` when that is sooner than the one set. A later `next` leaves
   * the earlier alarm in place: it fires, finds nothing due, and reschedules. That saves a write
   * on the common change (a new lease that expires after the earliest one).
   */
  keepEarliest(next: number | null): void {
    if (next !== null && (this.at === null || next < this.at)) this.set(next);
  }

  /** Call first thing in the alarm handler: the alarm has fired and is no longer scheduled. */
  fired(): void {
    this.at = null;
  }
}
