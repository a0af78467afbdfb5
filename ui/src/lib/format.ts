/** Formatting for people: money as USD, times in the browser's locale, sizes and durations. */

const usdFormat = new Intl.NumberFormat(undefined, { style: "currency", currency: "USD", minimumFractionDigits: 2, maximumFractionDigits: 2 });
const usdFine = new Intl.NumberFormat(undefined, { style: "currency", currency: "USD", minimumFractionDigits: 4, maximumFractionDigits: 4 });

/** Integer micro-USD as dollars: $12.34, or $0.0042 for amounts under a dollar cent. */
export function usd(micros: number | null | undefined): string {
  if (micros === null || micros === undefined || !Number.isFinite(micros)) return "—";
  const dollars = micros / 1_000_000;
  return Math.abs(dollars) > 0 && Math.abs(dollars) < 0.01 ? usdFine.format(dollars) : usdFormat.format(dollars);
}

/** A dollar amount as the API gives it (`cost_usd`). */
export function dollars(value: number | null | undefined): string {
  return value === null || value === undefined ? "—" : usd(Math.round(value * 1_000_000));
}

const dateTimeFormat = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "medium" });
const timeFormat = new Intl.DateTimeFormat(undefined, { timeStyle: "medium" });

/** ms since the epoch, or an ISO string, as a date/time in the browser's locale. */
export function dateTime(value: number | string | null | undefined): string {
  const d = toDate(value);
  return d ? dateTimeFormat.format(d) : "—";
}

/** Time of day only. */
export function clock(value: number | string | null | undefined): string {
  const d = toDate(value);
  return d ? timeFormat.format(d) : "—";
}

const relativeFormat = new Intl.RelativeTimeFormat(undefined, { numeric: "auto" });

/** "3 minutes ago", "in 20 seconds". */
export function relative(value: number | string | null | undefined, now = Date.now()): string {
  const d = toDate(value);
  if (!d) return "—";
  const seconds = Math.round((d.getTime() - now) / 1000);
  const abs = Math.abs(seconds);
  if (abs < 60) return relativeFormat.format(seconds, "second");
  if (abs < 3600) return relativeFormat.format(Math.round(seconds / 60), "minute");
  if (abs < 86_400) return relativeFormat.format(Math.round(seconds / 3600), "hour");
  return relativeFormat.format(Math.round(seconds / 86_400), "day");
}

/** A duration in ms: 850 ms, 4.2 s, 3 min 5 s. */
export function duration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return "—";
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const minutes = Math.floor(ms / 60_000);
  return `${minutes} min ${Math.round((ms % 60_000) / 1000)} s`;
}

/** Bytes as B, KB, MB. */
export function bytes(n: number | null | undefined): string {
  if (n === null || n === undefined) return "—";
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

/** A share as a percentage. */
export function percent(part: number, whole: number): string {
  return whole > 0 ? `${Math.round((part / whole) * 100)} %` : "—";
}

function toDate(value: number | string | null | undefined): Date | null {
  if (value === null || value === undefined || value === "") return null;
  // D1 timestamps ("2026-12-05 03:41:59") are UTC.
  const d = typeof value === "number" ? new Date(value) : new Date(/^\d{4}-\d\d-\d\d \d/.test(value) ? `${value.replace(" ", "T")}Z` : value);
  return Number.isNaN(d.getTime()) ? null : d;
}
