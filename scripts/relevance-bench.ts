// The relevance part of `npm run bench` (BENCH_ONLY=relevance runs it alone): the offline
// classifier's ranking against a plain keyword matcher on the labelled development corpus
// (test/fixtures/relevance/), per topic: precision@10, average precision, near misses in the top 10.
// Run through tsx (TypeScript, no build step). Prints a table and returns the figures.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { keywordBaseline, rankRelevance } from "../src/ai/relevance";
import { byScore, evaluate, loadCorpus, type CorpusArticle, type TopicLabels } from "../test/fixtures/relevance/corpus";

const DIR = join(import.meta.dirname, "..", "test", "fixtures", "relevance");

const docs = (articles: readonly CorpusArticle[]) => articles.map((a) => ({ title: a.title, body: a.content || a.summary, categories: a.categories }));

export async function relevanceBench() {
  const feeds = Object.fromEntries(readdirSync(join(DIR, "feeds")).map((f) => [f, readFileSync(join(DIR, "feeds", f), "utf8")]));
  const labels: TopicLabels[] = readdirSync(join(DIR, "labels")).sort().map((f) => JSON.parse(readFileSync(join(DIR, "labels", f), "utf8")));
  const corpus = loadCorpus(feeds, labels);
  const ours = await evaluate(corpus, (articles, topic) => byScore(articles, rankRelevance(docs(articles), topic)));
  const baseline = await evaluate(corpus, (articles, topic) => byScore(articles, keywordBaseline(docs(articles), topic)));
  const f = (x: number) => x.toFixed(3);
  console.log(`\nrelevance ranking: ${corpus.articles.length} articles in ${Object.keys(feeds).length} feeds (RSS 2.0, Atom, RSS 1.0), ${corpus.topics.length} topics, each ranked against the whole corpus`);
  console.log("| topic | format | P@10 ours | P@10 keyword | AP ours | AP keyword | near misses in top 10 (ours / keyword) |");
  console.log("| --- | --- | --- | --- | --- | --- | --- |");
  ours.topics.forEach((t, i) => {
    const b = baseline.topics[i]!;
    console.log(`| ${t.topic} | ${t.format} | ${f(t.p10)} | ${f(b.p10)} | ${f(t.ap)} | ${f(b.ap)} | ${t.near_miss_in_top10} / ${b.near_miss_in_top10} |`);
  });
  console.log(`| **mean** | | ${f(ours.mean_p10)} | ${f(baseline.mean_p10)} | ${f(ours.map)} | ${f(baseline.map)} | max ${ours.worst_near_miss} / ${baseline.worst_near_miss} |`);
  // The harder reading: each topic against its own feed alone (about half of it relevant, the rest near misses and news).
  const alone = await Promise.all(labels.map(async (l) => {
    const one = loadCorpus({ [l.feed]: feeds[l.feed]! }, [l]);
    const [o, b] = await Promise.all([evaluate(one, (a, t) => byScore(a, rankRelevance(docs(a), t))), evaluate(one, (a, t) => byScore(a, keywordBaseline(docs(a), t)))]);
    return { topic: l.topic, ours: o.topics[0]!, keyword: b.topics[0]! };
  }));
  const mean = (xs: number[]) => xs.reduce((a, x) => a + x, 0) / xs.length;
  const aloneMap = mean(alone.map((x) => x.ours.ap));
  console.log(`
each topic against its own feed only: MAP ${f(aloneMap)} (keyword ${f(mean(alone.map((x) => x.keyword.ap)))}), P@10 ${f(mean(alone.map((x) => x.ours.p10)))} (keyword ${f(mean(alone.map((x) => x.keyword.p10)))}), near misses in a top 10 at most ${Math.max(...alone.map((x) => x.ours.near_miss_in_top10))} (keyword ${Math.max(...alone.map((x) => x.keyword.near_miss_in_top10))})`);
  const targets: [string, boolean][] = [
    ["MAP >= 0.90", ours.map >= 0.9],
    ["at most one near miss in any topic's top 10", ours.worst_near_miss <= 1],
    ["MAP above the keyword baseline", ours.map > baseline.map],
  ];
  for (const [name, ok] of targets) console.log(`${ok ? "PASS" : "MISS"}  ${name}`);
  return { articles: corpus.articles.length, topics: ours.topics, baseline: baseline.topics, map: ours.map, baseline_map: baseline.map, mean_p10: ours.mean_p10, baseline_mean_p10: baseline.mean_p10, own_feed_map: aloneMap, targets: Object.fromEntries(targets) };
}

if (process.argv[1] && import.meta.filename === process.argv[1]) await relevanceBench();
