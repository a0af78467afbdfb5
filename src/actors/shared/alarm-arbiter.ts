import type { AlarmClock } from "./alarm-clock";

/**
 * What one capability of an actor needs its alarm for: the time it is next due (null: nothing).
 * Each capability (timers, the watchdog, owed effects, the history writer…) says when, and
 * `arbitrate` alone sets the alarm: one alarm per actor, decided in one place.
 */
export type Due = number | null;

/**
 * Sets the actor's one alarm to the earliest time its capabilities are due, or clears it when
 * none is. An alarm already set up to `slackMs` before that time is kept: it fires a little
 * early, finds nothing due and reschedules, which saves a storage write on most changes.
 */
export function arbitrate(clock: AlarmClock, due: readonly Due[], now: number, slackMs = 0): void {
  let wanted = Infinity;
  for (const t of due) if (t !== null && t < wanted) wanted = t;
  if (wanted === Infinity) return clock.set(null);
  const at = clock.scheduled;
  if (at !== null && at > now && at <= wanted && wanted - at <= slackMs) return;
  clock.set(wanted);
}
