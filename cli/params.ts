/**
 * Template parameters from the command line: `--param name=value`, repeated. A value that reads
 * as JSON is taken as JSON (`max_articles=20`, `deep=true`, `tags=["a","b"]`,
 * `scripts={"collect":{"mode":"fail"}}`), anything else as text (`tone=plain words`); quote a
 * number meant as text as JSON (`code="007"`). A dotted name sets a field of an object
 * parameter: `scripts.collect.mode=fail_times`.
 */
import { CliError } from "./errors";

/** A parameter map, as the API takes it. */
export type Params = Record<string, unknown>;

const NAME = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/** The value of `name=value`'s right side. */
export function parseValue(text: string): unknown {
  const trimmed = text.trim();
  if (trimmed === "") return "";
  // Only what is unmistakably JSON: a number, true/false/null, a quoted string, an object or array.
  if (/^(-?\d+(\.\d+)?([eE][+-]?\d+)?|true|false|null)$/.test(trimmed) || /^["[{]/.test(trimmed)) {
    try {
      return JSON.parse(trimmed);
    } catch {
      if (/^[[{]/.test(trimmed)) throw new CliError(`'${text}' starts like JSON but is not valid JSON`, `quote it for your shell, e.g. --param 'scripts={"collect":{"mode":"fail"}}'`);
    }
  }
  return text;
}

/** Names that would reach an object's prototype instead of a parameter. */
const FORBIDDEN = new Set(["__proto__", "constructor", "prototype"]);

/** Folds `--param` options into a parameter map (later ones win; a dotted name nests). */
export function parseParams(pairs: readonly string[], into: Params = {}): Params {
  const out: Params = structuredClone(into);
  for (const pair of pairs) {
    const eq = pair.indexOf("=");
    if (eq <= 0) throw new CliError(`--param '${pair}' is not name=value`, "e.g. --param max_articles=20 or --param scripts.collect.mode=fail");
    const path = pair.slice(0, eq).trim().split(".");
    for (const segment of path) {
      if (FORBIDDEN.has(segment)) throw new CliError(`--param '${pair}': '${segment}' is not a parameter name`, "no parameter is called that");
      if (!NAME.test(segment)) throw new CliError(`--param '${pair}': '${segment}' is not a parameter name`, "names are letters, digits and '_' (dots nest into an object parameter)");
    }
    let target: Params = out;
    for (const [i, segment] of path.slice(0, -1).entries()) {
      const next = target[segment];
      if (next === undefined) target = target[segment] = {};
      else if (typeof next === "object" && next !== null && !Array.isArray(next)) target = next as Params;
      else throw new CliError(`--param '${pair}': '${path.slice(0, i + 1).join(".")}' is already set to a value that is not an object`);
    }
    target[path[path.length - 1]!] = parseValue(pair.slice(eq + 1));
  }
  return out;
}

/** Commander's collector for a repeatable option. */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}
