/** A file-name-safe slug of a title or topic (lowercase letters, digits and dashes, at most 60), or `fallback` when nothing is left. */
export function slug(text: string, fallback: string): string {
  return text.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "").slice(0, 60) || fallback;
}
