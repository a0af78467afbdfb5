import * as v from "valibot";

/** An id in a path segment: letters, digits, `_` and `-`, 1..100 characters. */
export const IdString = v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{1,100}$/, "must be 1-100 letters, digits, '_' or '-'"));

/**
 * A whole number from a query string, within [min, max], defaulting to `fallback` when absent.
 * Query values arrive as strings; a repeated parameter (an array) is refused.
 */
export function queryInt(min: number, max: number, fallback: number) {
  return v.optional(
    v.pipe(
      v.string(),
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

/**
 * An ISO-8601 timestamp in a query string, normalised to the stored form (UTC with milliseconds)
 * so that string comparison in SQL is time comparison, whatever offset the caller used.
 */
export const QueryTimestamp = v.pipe(
  v.string(),
  v.isoTimestamp("must be an ISO-8601 timestamp such as 2026-01-31T00:00:00Z"),
  v.transform((text) => new Date(text).toISOString()),
);
