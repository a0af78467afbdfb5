import * as v from "valibot";

/** A topic as workers take it: 2 to 200 characters of text. */
export const Topic = v.pipe(v.string(), v.trim(), v.minLength(2, "must be at least 2 characters"), v.maxLength(200, "must be at most 200 characters"));

/** A score in 0..1. */
export const Score = v.pipe(v.number(), v.minValue(0), v.maxValue(1));

/** An http(s) URL. */
export const HttpUrl = v.pipe(v.string(), v.url("must be a URL"), v.regex(/^https?:\/\//i, "must be an http or https URL"));

/** A feed source as the librarian and the researcher return it. */
export const SourceSchema = v.object({
  url: HttpUrl,
  title: v.string(),
  domain: v.string(),
  quality_score: Score,
  relevance: Score,
  format: v.picklist(["rss2", "atom", "rss1", "unknown"]),
  reasoning: v.string(),
});
export type Source = v.InferOutput<typeof SourceSchema>;

/** An article as the feed fetcher returns it (text only, dates ISO 8601). */
/** What happened to one feed of a fetch: read, unchanged since the last read, or failed (and why). */
export const FeedReportSchema = v.object({
  url: v.string(),
  status: v.picklist(["ok", "not_modified", "failed"]),
  format: v.nullable(v.picklist(["rss2", "atom", "rss1"])),
  title: v.nullable(v.string()),
  items: v.number(),
  error: v.nullable(v.object({ code: v.string(), message: v.string() })),
});

export const ArticleSchema = v.object({
  id: v.string(),
  title: v.string(),
  url: v.nullable(v.string()),
  canonical_url: v.nullable(v.string()),
  source_url: v.string(),
  source_title: v.nullable(v.string()),
  published_at: v.nullable(v.string()),
  author: v.nullable(v.string()),
  summary: v.string(),
  content: v.string(),
  word_count: v.pipe(v.number(), v.integer(), v.minValue(0)),
  content_hash: v.string(),
  categories: v.array(v.string()),
});
export type Article = v.InferOutput<typeof ArticleSchema>;

const Nullable = (max: number) => v.optional(v.nullable(v.pipe(v.string(), v.maxLength(max))));

/**
 * An article as a caller may send it to the classifier: the seed's `{url, title, content}`, with
 * everything else optional (a feed fetcher's article, with all its fields, fits too). What is
 * left out is derived by `toArticle` (workers/articles.ts).
 */
export const ArticleInputSchema = v.object({
  url: v.nullable(v.pipe(v.string(), v.maxLength(2_000))),
  title: v.pipe(v.string(), v.maxLength(1_000)),
  content: v.pipe(v.string(), v.maxLength(200_000)),
  id: v.optional(v.pipe(v.string(), v.minLength(1), v.maxLength(200))),
  summary: v.optional(v.pipe(v.string(), v.maxLength(5_000))),
  /** The seed's name for `published_at`. */
  published_date: Nullable(100),
  published_at: Nullable(100),
  canonical_url: Nullable(2_000),
  source_url: v.optional(v.pipe(v.string(), v.maxLength(2_000))),
  source_title: Nullable(500),
  author: Nullable(500),
  word_count: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0))),
  content_hash: v.optional(v.pipe(v.string(), v.maxLength(200))),
  categories: v.optional(v.pipe(v.array(v.pipe(v.string(), v.maxLength(200))), v.maxLength(50))),
});
export type ArticleInput = v.InferOutput<typeof ArticleInputSchema>;

/** An article's id: its own, else its place in the list (`a1`, `a2`…). */
export function articleId(a: { id?: string | undefined }, place: number): string {
  return a.id ?? `a${place + 1}`;
}

/** Refuses a list of articles in which two have one id (their own or their place's), naming the second: `[i].id`. */
export function uniqueArticleIds<T extends { id?: string | undefined }>() {
  return v.rawCheck<T[]>(({ dataset, addIssue }) => {
    if (!dataset.typed) return;
    const seen = new Set<string>();
    dataset.value.forEach((a, i) => {
      const id = articleId(a, i);
      if (seen.has(id)) {
        addIssue({
          message: `'${id}' is used by an earlier article; ids must be unique`,
          path: [
            { type: "array", origin: "value", input: dataset.value, key: i, value: a },
            { type: "object", origin: "value", input: a as Record<string, unknown>, key: "id", value: a.id },
          ],
        });
      }
      seen.add(id);
    });
  });
}

/** A list of articles with unique ids. */
export const ArticleInputsSchema = v.pipe(
  v.array(ArticleInputSchema),
  v.maxLength(1_000, "at most 1000 articles per step"),
  uniqueArticleIds(),
);

/** An article with the classifier's reading of it. */
export const AnalyzedArticleSchema = v.object({
  ...ArticleSchema.entries,
  relevance_score: Score,
  quality_score: Score,
  analysis_summary: v.string(),
  key_points: v.array(v.string()),
});
export type AnalyzedArticle = v.InferOutput<typeof AnalyzedArticleSchema>;
