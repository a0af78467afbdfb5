import { wordCount } from "../ai/text";
import { sha256Hex } from "../lib/crypto";
import { articleId, type Article, type ArticleInput } from "./schemas";

/**
 * An article in the runtime's full shape from what a caller sent (the seed's `{url, title,
 * content}` at least): the id is its own or its place (`a1`, `a2`…), the word count and content
 * hash are computed, the rest is empty or null. A full article passes through unchanged.
 */
export async function toArticle(a: ArticleInput, place: number): Promise<Article> {
  const url = a.url;
  return {
    id: articleId(a, place), title: a.title, url, canonical_url: a.canonical_url ?? url, source_url: a.source_url ?? url ?? "",
    source_title: a.source_title ?? null, published_at: a.published_at ?? a.published_date ?? null, author: a.author ?? null,
    summary: a.summary ?? "", content: a.content, word_count: a.word_count ?? wordCount(a.content),
    content_hash: a.content_hash ?? (await sha256Hex(a.content)), categories: a.categories ?? [],
  };
}
