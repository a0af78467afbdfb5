/** How large a free-form JSON value may be: nesting depth, object keys in all, and serialised bytes. */
export interface JsonLimits { maxDepth: number; maxKeys: number; maxBytes?: number }

/** What a value broke: where (a path under the value, `.a[2].b`), which rule, and the limit. */
export interface JsonBoundsViolation { at: string; rule: "max_depth" | "max_keys" | "max_bytes"; limit: number; message: string }

/**
 * The limits every JSON body meets before any schema sees it: deeper nesting than this is refused
 * (deep values overflow the stack of code that walks them recursively, and SQLite's json_valid
 * refuses past 1000 levels), and more keys than a 1 MiB body needs for real content.
 */
export const BODY_JSON_LIMITS: JsonLimits = { maxDepth: 32, maxKeys: 50_000 };

/** Limits of a free-form parameter map (a template's parameters, a worker's params): small documents. */
export const PARAMETER_JSON_LIMITS: Required<JsonLimits> = { maxDepth: 16, maxKeys: 1_000, maxBytes: 64 * 1024 };

/**
 * Checks a parsed JSON value against `limits` without recursion (so a value nested 10,000 deep is
 * measured, not overflowed): the first violation found, or null.
 */
export function checkJsonBounds(value: unknown, limits: JsonLimits): JsonBoundsViolation | null {
  // Each entry: the value, its depth (the root is 1) and how to name it (built only on a violation).
  type Frame = { value: unknown; depth: number; parent: Frame | null; key: string | number | null };
  const stack: Frame[] = [{ value, depth: 1, parent: null, key: null }];
  let keys = 0;
  while (stack.length > 0) {
    const frame = stack.pop()!;
    const v = frame.value;
    if (v === null || typeof v !== "object") continue;
    if (frame.depth > limits.maxDepth) {
      return { at: pathOf(frame), rule: "max_depth", limit: limits.maxDepth, message: `nested deeper than ${limits.maxDepth} levels (the limit)` };
    }
    if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push({ value: v[i], depth: frame.depth + 1, parent: frame, key: i });
      continue;
    }
    const entries = Object.entries(v as Record<string, unknown>);
    keys += entries.length;
    if (keys > limits.maxKeys) {
      return { at: pathOf(frame), rule: "max_keys", limit: limits.maxKeys, message: `has more than ${limits.maxKeys} object keys in all (the limit)` };
    }
    for (let i = entries.length - 1; i >= 0; i--) stack.push({ value: entries[i]![1], depth: frame.depth + 1, parent: frame, key: entries[i]![0] });
  }
  if (limits.maxBytes !== undefined) {
    const bytes = new TextEncoder().encode(JSON.stringify(value) ?? "").byteLength;
    if (bytes > limits.maxBytes) return { at: "", rule: "max_bytes", limit: limits.maxBytes, message: `is ${bytes} bytes as JSON, more than the ${limits.maxBytes}-byte limit` };
  }
  return null;
}

/** `.a[2].b` for a frame (empty for the root); long paths keep their start and end. */
function pathOf(frame: { parent: unknown; key: string | number | null }): string {
  const parts: string[] = [];
  for (let f = frame as { parent: unknown; key: string | number | null } | null; f && f.key !== null; f = f.parent as typeof f) {
    parts.push(typeof f.key === "number" ? `[${f.key}]` : /^[A-Za-z_$][\w$]*$/.test(f.key) ? `.${f.key}` : `[${JSON.stringify(f.key)}]`);
  }
  parts.reverse();
  return parts.length > 12 ? `${parts.slice(0, 6).join("")}…(${parts.length - 10} more)…${parts.slice(-4).join("")}` : parts.join("");
}
