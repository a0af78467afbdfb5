import { describe, expect, it } from "vitest";
import { deliverableFields, deliverablesFrom } from "../../src/deliverables/collect";

describe("deliverables from a finished run's context", () => {
  it("keeps discovered sources as CSV (quoted per RFC 4180, spreadsheet formulas defused) and JSON", () => {
    const sources = [
      { url: "https://a.example/feed", title: "Plain", domain: "a.example", format: "rss2", quality_score: 0.8, relevance: 0.9, reasoning: "on topic" },
      { url: "https://b.example/feed", title: "=HYPERLINK(\"x\")", domain: "b.example", format: "atom", quality_score: 0.7, relevance: 0.5, reasoning: "a, b and \"c\"" },
    ];
    const files = deliverablesFrom({ sources });
    expect(files.map((f) => [f.name, f.type, f.format, f.contentType])).toEqual([
      ["sources.csv", "dataset", "csv", "text/csv; charset=utf-8"],
      ["sources.json", "dataset", "json", "application/json"],
    ]);
    const lines = files[0]!.body.split("\r\n").filter((l) => l.length > 0);
    expect(lines[0]).toBe("url,title,domain,format,quality_score,relevance,reasoning");
    expect(lines[1]).toBe("https://a.example/feed,Plain,a.example,rss2,0.8,0.9,on topic");
    // A leading = is defused with a quote; a field with a comma or quote is quoted, quotes doubled.
    expect(lines[2]).toBe(`https://b.example/feed,"'=HYPERLINK(""x"")",b.example,atom,0.7,0.5,"a, b and ""c"""`);
    expect(JSON.parse(files[1]!.body)).toEqual(sources);
    // A course's curated sources are a step on the way, not a deliverable of their own.
    const pkg = { structure_type: "course", documents: { md: "# C" }, files: [{ name: "c.md", format: "md" }] };
    expect(deliverablesFrom({ sources, package: pkg }).map((f) => f.name)).toEqual(["c.md"]);
  });

  it("takes only the fields deliverables are made of, and nothing from a run without them", () => {
    const costs = { total_micros: 12, steps: { a: 12 } };
    expect(deliverableFields({ report: { title: "t" }, articles: [1, 2], sources: [] }, costs)).toEqual({ report: { title: "t" }, sources: [], run_costs: costs });
    expect(deliverableFields({ articles: [1, 2] }, costs)).toBeNull();
    expect(deliverablesFrom({ sources: [] })).toEqual([]);
  });
});
