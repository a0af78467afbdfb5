// The API reference's renderer: copies what /docs needs from swagger-ui-dist into
// public/docs/vendor/ (gitignored), so the page works offline and loads nothing from a CDN.
// public/docs/index.html, docs.css and init.js are hand-written and committed. Run by
// `npm run build:ui`; `node scripts/build-docs.mjs` alone refreshes the copy.
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";

const require = createRequire(import.meta.url);
const ROOT = path.join(import.meta.dirname, "..");
const OUT = path.join(ROOT, "public", "docs", "vendor");

/** Swagger UI's browser bundle (no standalone preset: the page uses the base layout), its styles and licences. */
const FILES = ["swagger-ui-bundle.js", "swagger-ui-bundle.js.LICENSE.txt", "swagger-ui.css", "LICENSE", "NOTICE"];

const dist = path.dirname(require.resolve("swagger-ui-dist/package.json"));
const { version } = JSON.parse(readFileSync(path.join(dist, "package.json"), "utf8"));
// init.js is written against version 5's options (validatorUrl, queryConfigEnabled, BaseLayout).
if (!/^5\./.test(version)) throw new Error(`swagger-ui-dist ${version} is installed; public/docs/init.js is written for 5.x`);

rmSync(OUT, { recursive: true, force: true });
mkdirSync(OUT, { recursive: true });
for (const file of FILES) copyFileSync(path.join(dist, file), path.join(OUT, file));
// The source maps (2 MB) are not copied, so the stylesheet's pointer to its map goes too: a browser's
// developer tools would otherwise ask the Worker for a file that is not there.
const css = path.join(OUT, "swagger-ui.css");
writeFileSync(css, readFileSync(css, "utf8").replace(/\n?\/\*# sourceMappingURL=[^*]*\*\/\s*$/, "\n"));
writeFileSync(path.join(OUT, "VERSION"), `swagger-ui-dist ${version}\n`);
