/**
 * The dashboard's first load stays under 250 KB of gzipped JavaScript and CSS, whichever view a
 * person opens first (the entry plus the chunks that view preloads). Reads the build `npm test`
 * makes before the suites run.
 */
import path from "node:path";
import { describe, expect, it } from "vitest";
import { BUDGET_GZIP_BYTES, measure } from "../../scripts/bundle-size.mjs";

describe("the dashboard's bundle", () => {
  it("loads every view first in under 250 KB gzipped, with the heavy parts (graph, charts) split off", () => {
    const { entry, views } = measure(path.join(import.meta.dirname, "..", "..", "public", "dashboard"));
    expect(views.length).toBeGreaterThanOrEqual(10);
    for (const v of views) expect(v.gzip, `${v.view}: ${(v.gzip / 1024).toFixed(1)} KB`).toBeLessThan(BUDGET_GZIP_BYTES);
    // The sign-in page and the client's home load neither the DAG's graph library nor the charts.
    const home = views.find((v) => v.view === "home")!;
    expect(home.files.some((f) => /pipeline-live|pools|uplot/.test(f))).toBe(false);
    expect(entry.gzip).toBeLessThan(120 * 1024);
  });
});
