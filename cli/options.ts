/** Reading option values that commander hands over as text. */
import { CliError } from "./errors";

/** A number option: finite and within [min, max]; undefined when the option was not given. */
export function numberOption(name: string, text: string | undefined, min: number, max: number): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isFinite(n) || n < min || n > max) throw new CliError(`--${name} must be a number from ${min} to ${max}, not '${text}'`);
  return n;
}

/** A list command's `--limit` and `--offset` (declared by withPaging), as the API's page query. */
export interface PagingOptions { limit: string; offset: string }

/** The page asked for: 1-200 items from an offset, as every list route takes it. */
export function paging(options: PagingOptions): { limit: number | undefined; offset: number | undefined } {
  return { limit: numberOption("limit", options.limit, 1, 200), offset: numberOption("offset", options.offset, 0, 1_000_000) };
}
