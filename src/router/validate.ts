import { AppError } from "../lib/errors";
import { BODY_JSON_LIMITS, checkJsonBounds } from "../lib/json-bounds";
import { readCapped } from "../lib/read-capped";
import { fieldError } from "../lib/validate";

/**
 * Reads a JSON body (undefined when empty), refusing more than `maxBytes` (413) even when Content-Length is absent or
 * lies, a content type other than JSON (415), and text that is not JSON (400 `invalid_json`).
 */
export async function readJsonBody(request: Request, maxBytes: number): Promise<unknown> {
  const type = request.headers.get("Content-Type");
  if (type !== null && !/^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i.test(type)) {
    throw new AppError("unsupported_media_type", `body must be JSON: send 'Content-Type: application/json' (got '${type.slice(0, 80)}')`);
  }
  const text = await readTextCapped(request, maxBytes);
  // No body at all: the route's schema decides whether that is allowed ("body: is required").
  if (text.trim() === "") return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    const reason = error instanceof SyntaxError ? error.message : "unparseable";
    throw new AppError("invalid_json", `body: malformed JSON (${reason})`);
  }
  // Bounded before any schema or handler walks it.
  const violation = checkJsonBounds(value, BODY_JSON_LIMITS);
  if (violation) throw fieldError(`body${violation.at}`, violation.rule, violation.message);
  return value;
}

async function readTextCapped(request: Request, maxBytes: number): Promise<string> {
  // Read to its end (up to 16 × the limit) before the 413: see readCapped.
  const bytes = await readCapped(request.body, maxBytes, maxBytes * 16);
  if (bytes === null) throw tooLarge(maxBytes);
  try {
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    throw new AppError("invalid_json", "body: not valid UTF-8");
  }
}

/** The 413 for a body over the limit. */
export function tooLarge(maxBytes: number): AppError {
  return new AppError("payload_too_large", `body is larger than the ${maxBytes}-byte limit`, { max_bytes: maxBytes });
}
