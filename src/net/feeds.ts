import { parseFeed } from "@rowanmanning/feed-parser";
import { htmlToText } from "./html";
import { xmlProblem } from "./xml-check";

/** A document that claims to be a feed but is not well-formed XML. */
export class MalformedFeed extends Error {
  override readonly name = "MalformedFeed";
}

/** Which syndication format a document is. */
export type FeedFormat = "rss2" | "atom" | "rss1";

/** One article of a feed, normalised: text without markup, dates as ISO 8601. */
export interface FeedArticle {
  title: string; url: string | null; guid: string | null; published_at: string | null; author: string | null;
  summary: string; content: string; categories: string[];
}

/** A parsed feed. */
export interface ParsedFeed { format: FeedFormat; title: string | null; description: string | null; site_url: string | null; language: string | null; items: FeedArticle[] }

/** True when a document looks like a feed (cheap sniff before parsing). */
export function looksLikeFeed(text: string): boolean {
  const head = text.slice(0, 2_000);
  return /<rss[\s>]/i.test(head) || /<feed[\s>]/i.test(head) || /<rdf:RDF[\s>]/i.test(head);
}

/** The format of a feed document, from its root element. */
function formatOf(text: string): FeedFormat {
  const head = text.slice(0, 2_000);
  if (/<feed[\s>]/i.test(head)) return "atom";
  if (/<rdf:RDF[\s>]/i.test(head)) return "rss1";
  return "rss2";
}

/** A date as ISO 8601, or null when absent or unreadable. */
function isoDate(value: string | null): string | null {
  if (!value) return null;
  const t = Date.parse(value);
  return Number.isNaN(t) ? null : new Date(t).toISOString();
}

/**
 * CDATA sections written as escaped text. The parser decodes an element's text twice (its XML
 * reader, then html-entities): right for nothing, harmless for an escaped `<description>&lt;p&gt;…`,
 * destructive for CDATA, whose HTML is already literal: `Rc&lt;RefCell&lt;T&gt;&gt;` would come
 * out as tags and be lost. Escaped twice, a CDATA body comes out exactly as written.
 */
function cdataAsText(xml: string): string {
  const escape = (t: string) => t.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  return xml.replace(/<!\[CDATA\[([\s\S]*?)\]\]>/g, (_, body: string) => escape(escape(body)));
}

/**
 * Parses RSS 2.0, Atom 1.0 and RSS 1.0 (RDF) with @rowanmanning/feed-parser (one model for all
 * three, tolerant of the usual feed mistakes) and normalises each item: HTML reduced to text,
 * dates to ISO 8601. Throws when the document is not a feed.
 */
export function readFeed(text: string): ParsedFeed {
  // The parser is tolerant: a feed with an unclosed element would read as a feed of nothing, with its raw text as title.
  const problem = xmlProblem(text);
  if (problem !== null) throw new MalformedFeed(`malformed XML: ${problem}`);
  const feed = parseFeed(cdataAsText(text)).toJSON();
  return {
    format: formatOf(text),
    title: feed.title ? htmlToText(feed.title) : null,
    description: feed.description ? htmlToText(feed.description) : null,
    site_url: feed.url,
    language: feed.language,
    items: feed.items.map((item) => {
      const content = htmlToText(item.content ?? item.description ?? "");
      const summary = htmlToText(item.description ?? "") || content.slice(0, 500);
      return {
        title: htmlToText(item.title ?? "").trim() || "(untitled)",
        url: item.url,
        guid: item.id,
        published_at: isoDate(item.published ?? item.updated),
        author: item.authors.map((a) => a.name).filter((n): n is string => !!n).join(", ") || null,
        summary,
        content,
        categories: item.categories.map((c) => c.label ?? c.term).filter((c) => c.length > 0),
      };
    }),
  };
}
