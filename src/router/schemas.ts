import * as v from "valibot";

/** An id in a path segment: letters, digits, `_` and `-`, 1..100 characters. */
export const IdString = v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{1,100}$/, "must be 1-100 letters, digits, '_' or '-'"));

/**
 * A whole number from a query string, within [min, max], defaulting to `fallback` when absent.
 * Query values arrive as strings; a repeated parameter arrives as an array and is refused.
 */
export function queryInt(min: number, max: number, fallback: number) {
  return v.optional(
    v.pipe(
      v.string(),
      v.description(`A whole number from ${min} to ${max} (default ${fallback}).`),
      v.regex(/^-?\d+$/, "must be a whole number"),
      v.transform(Number),
      v.number(),
      v.minValue(min, `must be at least ${min}`),
      v.maxValue(max, `must be at most ${max}`),
    ),
    String(fallback),
  );
}

/** `limit` and `offset` for list endpoints. */
export const PageQuery = {
  limit: queryInt(1, 200, 50),
  offset: queryInt(0, 1_000_000, 0),
};

/** True when the calendar date at the start of an ISO string exists (no 31 February). */
function realDate(text: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(text);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(Date.UTC(y, mo - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === mo - 1 && date.getUTCDate() === d;
}

const TIMESTAMP_RULE = "must be an ISO-8601 timestamp such as 2026-01-31T00:00:00Z";

/**
 * An ISO-8601 timestamp in a query string, normalised to the stored form (UTC with milliseconds)
 * so that string comparison in SQL is time comparison, whatever offset the caller used.
 */
export const QueryTimestamp = v.pipe(
  v.string(),
  v.isoTimestamp(TIMESTAMP_RULE),
  // valibot admits forms Date cannot read (`-05` offsets, a space before the offset) and dates
  // that do not exist; both are refused here rather than becoming a RangeError or a rolled-over day.
  v.check((text) => !Number.isNaN(Date.parse(text)) && realDate(text), TIMESTAMP_RULE),
  v.transform((text) => new Date(text).toISOString()),
);

// C0/C1 control characters other than tab, newline and carriage return; and UTF-16 halves that
// are not part of a pair (they cannot be stored as UTF-8 and would come back mangled).
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/;
const LINE_BREAK = /[\t\n\r]/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Free text from a caller: trimmed, `min`..`max` characters, no control characters (line breaks
 * only when `multiline`), no unpaired surrogates.
 */
export function Text(min: number, max: number, options: { multiline?: boolean } = {}) {
  return v.pipe(
    v.string(),
    v.trim(),
    v.check((s) => !CONTROL.test(s) && (options.multiline === true || !LINE_BREAK.test(s)),
      options.multiline ? "must not contain control characters" : "must be one line without control characters"),
    v.check((s) => !LONE_SURROGATE.test(s), "must be valid Unicode (an unpaired surrogate was found)"),
    v.minLength(min, min === 1 ? "must not be empty" : `must be at least ${min} characters`),
    v.maxLength(max, `must be at most ${max} characters`),
  );
}
