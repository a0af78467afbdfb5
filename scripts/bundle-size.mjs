// The dashboard's JavaScript and CSS, as a browser first loads it, gzipped: the entry (index.html's
// script and stylesheet) plus, for each view, the chunks Vite preloads when it opens
// (`__vite__mapDeps`). `npm run size` prints the table (after `npm run build:ui`); the browser
// tests hold every view's first load under the budget.
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { gzipSync } from "node:zlib";

export const BUDGET_GZIP_BYTES = 250 * 1024;

/**
 * @param {string} dir the built dashboard (public/dashboard)
 * @returns {{ entry: { files: string[], gzip: number }, views: { view: string, files: string[], gzip: number }[] }}
 */
export function measure(dir) {
  const html = readFileSync(path.join(dir, "index.html"), "utf8");
  const entryFiles = [...html.matchAll(/(?:src|href)="\/dashboard\/(assets\/[^"]+\.(?:js|css))"/g)].map((m) => m[1]);
  const entryJs = entryFiles.find((f) => f.endsWith(".js"));
  if (!entryJs) throw new Error(`no entry script in ${dir}/index.html: build the dashboard first (npm run build:ui)`);
  const gz = (/** @type {string} */ file) => gzipSync(readFileSync(path.join(dir, file)), { level: 9 }).length;
  const code = readFileSync(path.join(dir, entryJs), "utf8");
  const table = /m\.f\|\|\(m\.f=(\[[^\]]*\])\)/.exec(code);
  /** @type {string[]} */
  const deps = table ? JSON.parse(table[1]) : [];
  const entryGzip = entryFiles.reduce((n, f) => n + gz(f), 0);
  // Each lazy view: `import(`./home-….js`)`, then (when it has any) the chunks preloaded with it.
  const views = [...code.matchAll(/import\([`"']\.\/([^`"']+\.js)[`"']\)\)?(?:,__vite__mapDeps\(\[([\d,]*)\]\))?/g)].map((m) => {
    const own = `assets/${m[1]}`;
    const preloaded = m[2] ? m[2].split(",").map((i) => deps[Number(i)]).filter((f) => f !== undefined) : [];
    const files = [...new Set([own, ...preloaded])];
    const view = path.basename(own).replace(/-[\w-]{8}\.js$/, "");
    return { view, files, gzip: entryGzip + files.reduce((n, f) => n + gz(f), 0) };
  });
  return { entry: { files: entryFiles, gzip: entryGzip }, views };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const dir = path.join(import.meta.dirname, "..", "public", "dashboard");
  const { entry, views } = measure(dir);
  const kb = (/** @type {number} */ n) => `${(n / 1024).toFixed(1)} KB`;
  console.log(`dashboard first load, gzipped (budget ${kb(BUDGET_GZIP_BYTES)})`);
  console.log(`  entry (${entry.files.join(", ")}): ${kb(entry.gzip)}`);
  for (const v of views.sort((a, b) => b.gzip - a.gzip)) console.log(`  ${v.view.padEnd(16)} ${kb(v.gzip).padStart(9)}`);
  console.log(`all ${readdirSync(path.join(dir, "assets")).length} files built; largest first load ${kb(Math.max(entry.gzip, ...views.map((v) => v.gzip)))}`);
}
