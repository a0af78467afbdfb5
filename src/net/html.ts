import { Parser } from "htmlparser2";

/** Elements whose text is never content. */
const SKIP = new Set(["script", "style", "noscript", "template", "svg", "nav", "header", "footer", "aside", "form", "iframe", "button", "select"]);
/** Elements that end a line of text. */
const BLOCK = new Set(["p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "table", "section", "article", "blockquote", "pre", "figure", "figcaption", "hr", "dd", "dt"]);

/**
 * HTML reduced to clean text with htmlparser2 (a tolerant streaming parser: feed HTML is often
 * broken): entities decoded, scripts, styles and page chrome dropped, block elements as line
 * breaks, whitespace collapsed. Plain text passes through with its whitespace normalised.
 */
export function htmlToText(html: string): string {
  const parts: string[] = [];
  let skipping = 0;
  const parser = new Parser({
    onopentag(name) {
      if (SKIP.has(name)) skipping++;
      else if (BLOCK.has(name)) parts.push("\n");
    },
    ontext(text) {
      if (skipping === 0) parts.push(text);
    },
    onclosetag(name) {
      if (SKIP.has(name)) skipping = Math.max(0, skipping - 1);
      else if (BLOCK.has(name)) parts.push("\n");
    },
  }, { decodeEntities: true, lowerCaseTags: true });
  parser.write(html);
  parser.end();
  return parts.join("")
    .split("\n")
    .map((line) => line.replace(/\s+/g, " ").trim())
    .filter((line) => line.length > 0)
    .join("\n");
}

/** A feed a web page announces with `<link rel="alternate" type="application/rss+xml|atom+xml">`. */
export interface AnnouncedFeed { url: string; type: "rss" | "atom"; title: string | null }

/** Feeds a page announces, as absolute URLs against the page's own URL; also the page title. */
export function discoverFeeds(html: string, pageUrl: string): { title: string | null; feeds: AnnouncedFeed[] } {
  const feeds: AnnouncedFeed[] = [];
  let title: string | null = null;
  let inTitle = false;
  const parser = new Parser({
    onopentag(name, attrs) {
      if (name === "title") inTitle = true;
      if (name !== "link" || !attrs.href) return;
      const rel = (attrs.rel ?? "").toLowerCase().split(/\s+/);
      const type = (attrs.type ?? "").toLowerCase();
      if (!rel.includes("alternate")) return;
      const kind = type.includes("atom") ? "atom" : type.includes("rss") || type.includes("rdf") ? "rss" : null;
      if (!kind) return;
      try {
        feeds.push({ url: new URL(attrs.href, pageUrl).toString(), type: kind, title: attrs.title ?? null });
      } catch { /* an unusable href is skipped */ }
    },
    ontext(text) {
      if (inTitle) title = `${title ?? ""}${text}`;
    },
    onclosetag(name) {
      if (name === "title") inTitle = false;
    },
  }, { decodeEntities: true, lowerCaseTags: true, lowerCaseAttributeNames: true });
  parser.write(html);
  parser.end();
  return { title: title === null ? null : (title as string).replace(/\s+/g, " ").trim() || null, feeds };
}

/** Links of an HTML page with their text, as absolute URLs. */
export function pageLinks(html: string, base: string): { url: string; text: string }[] {
  const out: { url: string; text: string }[] = [];
  let current: { url: string; text: string } | null = null;
  const parser = new Parser({
    onopentag(name, attrs) {
      if (name !== "a" || !attrs.href) return;
      try { current = { url: new URL(attrs.href, base).toString(), text: attrs.title ?? "" }; } catch { current = null; }
    },
    ontext(text) { if (current) current.text += text; },
    onclosetag(name) {
      if (name === "a" && current) { out.push({ url: current.url, text: current.text.replace(/\s+/g, " ").trim() }); current = null; }
    },
  }, { decodeEntities: true, lowerCaseTags: true, lowerCaseAttributeNames: true });
  parser.write(html);
  parser.end();
  return out;
}
