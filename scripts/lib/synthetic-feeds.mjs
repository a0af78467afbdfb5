// Synthetic RSS 2.0 feeds of any size, deterministic from their number: what the payload
// benchmark (`npm run bench`) and the by-reference tests fetch when they need a research report
// over many feeds of many articles (10 feeds of 20 articles). Articles are on one topic (tidal
// and wave energy) with varied wording, a few off-topic ones among them, so relevance ranking
// has something to do. Served over HTTP by the bench script and the test stub server.

export const SYNTHETIC_TOPIC = "tidal energy";
export const SYNTHETIC_TOPICS = ["tidal energy", "wave energy", "marine renewables", "ocean power"];

const SUBJECTS = ["Tidal stream turbines", "A wave energy converter", "The tidal lagoon project", "Ocean power developers", "Marine renewable engineers", "A floating tidal platform", "The national grid operator", "Offshore test sites", "Tidal range schemes", "Coastal utilities"];
const VERBS = ["reported", "demonstrated", "announced", "measured", "delivered", "commissioned", "published", "modelled"];
const OBJECTS = ["a capacity factor above 40 percent", "record output during spring tides", "lower maintenance costs for subsea cables", "predictable generation that complements wind", "a levelised cost falling below 150 per megawatt hour", "blade designs that withstand cavitation", "environmental monitoring of seabirds and fish", "grid connection agreements for new arrays", "power electronics rated for salt water", "storage pairing to shift tidal output"];
const CLAUSES = ["after a winter of storms", "in the Pentland Firth", "at the Bay of Fundy test berth", "despite supply chain delays", "with support from a contract for difference", "according to independent engineers", "ahead of a larger commercial array", "while regulators reviewed marine licences"];
const OFF_TOPIC = ["Sourdough bakers debate rye flour hydration", "A guide to alpine hiking boots", "Chess engines and the endgame tablebase", "Restoring a vintage typewriter"];

/** A small deterministic pseudo-random generator (mulberry32). @param {number} seed */
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** @template T @param {() => number} r @param {readonly T[]} xs @returns {T} */
const pick = (r, xs) => xs[Math.floor(r() * xs.length)];

/** @param {string} s */
const escape = (s) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

/**
 * One synthetic feed as RSS 2.0 XML.
 * @param {number} feed feed number (0-based)
 * @param {{ items?: number, sentences?: number, base?: string }} [options] items per feed (20), sentences per article (14), link base
 */
export function syntheticFeed(feed, options = {}) {
  const items = options.items ?? 20;
  const sentences = options.sentences ?? 14;
  const base = options.base ?? "https://marine-power.example";
  const r = rng(1000 + feed);
  const out = [];
  for (let i = 0; i < items; i++) {
    const offTopic = i % 10 === 9;
    const title = offTopic ? `${pick(r, OFF_TOPIC)} (${feed}-${i})` : `${pick(r, SUBJECTS)} ${pick(r, VERBS)} ${pick(r, OBJECTS)} (${feed}-${i})`;
    const body = [];
    for (let s = 0; s < sentences; s++) {
      body.push(offTopic
        ? `${pick(r, OFF_TOPIC)} remains a matter of taste, and readers sent ${Math.floor(r() * 90) + 10} letters about it.`
        : `${pick(r, SUBJECTS)} ${pick(r, VERBS)} ${pick(r, OBJECTS)} ${pick(r, CLAUSES)}.`);
    }
    const day = 1 + ((feed * items + i) % 28);
    out.push(`    <item>
      <title>${escape(title)}</title>
      <link>${base}/feed-${feed}/article-${i}</link>
      <guid isPermaLink="true">${base}/feed-${feed}/article-${i}</guid>
      <pubDate>${new Date(Date.UTC(2026, 9, day, 8, i)).toUTCString()}</pubDate>
      <category>${offTopic ? "miscellany" : pick(r, SYNTHETIC_TOPICS)}</category>
      <description><![CDATA[<p>${body.slice(0, sentences / 2).join(" ")}</p><p>${body.slice(sentences / 2).join(" ")}</p>]]></description>
    </item>`);
  }
  return `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0">
  <channel>
    <title>Marine Power Report ${feed + 1}</title>
    <link>${base}/feed-${feed}</link>
    <description>Tidal, wave and ocean energy: projects, engineering and markets.</description>
    <language>en</language>
    <lastBuildDate>${new Date(Date.UTC(2026, 9, 28)).toUTCString()}</lastBuildDate>
${out.join("\n")}
  </channel>
</rss>
`;
}

/**
 * The catalog rows (`rss_sources`) for `count` synthetic feeds served at `<origin>/synthetic/feeds/<n>.xml`.
 * @param {string} origin @param {number} count
 */
export function syntheticSources(origin, count) {
  return Array.from({ length: count }, (_, n) => ({
    source_id: `src_synthetic_${n}`, url: `${origin}/synthetic/feeds/${n}.xml`, title: `Marine Power Report ${n + 1}`,
    description: "Tidal, wave and ocean energy: projects, engineering and markets.", topics: SYNTHETIC_TOPICS, quality_score: 0.8, feed_format: "rss2",
  }));
}
