/** How the CLI writes money, times and progress for people. */

import { microsToUsd } from "../src/lib/money";

/** Dollars for people: cents from $1 up, four decimals below (six for amounts under $0.0001). */
export function usd(amount: number): string {
  const sign = amount < 0 ? "-" : "";
  const abs = Math.abs(amount);
  if (abs === 0) return "$0.00";
  if (abs >= 1) return `${sign}$${abs.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
  if (abs >= 0.0001) return `${sign}$${abs.toFixed(4)}`;
  return `${sign}$${abs.toFixed(6)}`;
}

/** Integer micro-USD (the wire's `*_micros`) for people, in dollars. */
export function micros(amount: number): string {
  return usd(microsToUsd(amount));
}

/** A duration for people: 850ms, 4.2s, 3m 05s, 2h 10m. */
export function duration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return "-";
  if (ms < 1_000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1_000).toFixed(1)}s`;
  const s = Math.round(ms / 1_000);
  if (s < 3_600) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, "0")}s`;
  return `${Math.floor(s / 3_600)}h ${String(Math.floor((s % 3_600) / 60)).padStart(2, "0")}m`;
}

/** A time as the API gives it (ms since the epoch or ISO text), in local time, to the second. */
export function when(at: number | string | null | undefined): string {
  if (at === null || at === undefined) return "-";
  const date = new Date(at);
  if (Number.isNaN(date.getTime())) return String(at);
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
}

/** The time of day (HH:MM:SS) of a timestamp, for event lines. */
export function clock(at: number): string {
  return when(at).slice(11);
}

/** A progress bar of `width` cells for `done` of `total` (full when total is 0 and done is too). */
export function bar(done: number, total: number, width = 12): string {
  const ratio = total > 0 ? Math.min(1, Math.max(0, done / total)) : 0;
  const full = Math.round(ratio * width);
  return "█".repeat(full) + "░".repeat(width - full);
}

/** Text cut to `width` characters, with an ellipsis when cut. */
export function clip(text: string, width: number): string {
  return text.length <= width ? text : `${text.slice(0, Math.max(0, width - 1))}…`;
}

/** Bytes for people. */
export function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}
