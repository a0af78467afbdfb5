/** Reading option values that commander hands over as text. */
import { CliError } from "./errors";

/** A number option: finite and within [min, max]; undefined when the option was not given. */
export function numberOption(name: string, text: string | undefined, min: number, max: number): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isFinite(n) || n < min || n > max) throw new CliError(`--${name} must be a number from ${min} to ${max}, not '${text}'`);
  return n;
}
