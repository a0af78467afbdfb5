// `npm start`: the whole local stack with demo data, offline.
//   1. .dev.vars from .dev.vars.example on first run, with fresh random secrets;
//   2. local D1 migrations (summed up in one line);
//   3. `wrangler dev` (local D1, KV, R2, Durable Objects, static assets);
//   4. waits for /health, seeds the demo catalog (POST /dev/seed, worker auth), prints credentials
//      and what the catalog holds, as the running stack reports it (GET /capabilities).
// Ctrl-C stops wrangler. PORT (default 8787) picks the port.
import { spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";

const port = Number(process.env.PORT ?? 8787);
const origin = `http://127.0.0.1:${port}`;

/** @param {string} text */
function parseVars(text) {
  /** @type {Record<string, string>} */
  const vars = {};
  for (const line of text.split("\n")) {
    const m = /^\s*([A-Z0-9_]+)\s*=\s*(.*)\s*$/.exec(line);
    if (m) vars[m[1]] = m[2];
  }
  return vars;
}

if (!existsSync(".dev.vars")) {
  const example = readFileSync(".dev.vars.example", "utf8");
  writeFileSync(".dev.vars", example.replace(/=generate$/gm, () => `=${randomBytes(32).toString("hex")}`), { mode: 0o600 });
  console.log("created .dev.vars with fresh local secrets");
}
const vars = parseVars(readFileSync(".dev.vars", "utf8"));
if (vars.ENVIRONMENT === "production") {
  console.error(".dev.vars sets ENVIRONMENT=production; the local stack and its demo seed need development.");
  process.exit(1);
}

// wrangler redraws its migrations table after every migration it applies (ten tables for a fresh
// database); its output is kept and summed up in one line, and shown whole only if it fails.
const migrate = spawnSync("npx", ["--no-install", "wrangler", "d1", "migrations", "apply", "DB", "--local"], {
  stdio: ["ignore", "pipe", "pipe"],
  encoding: "utf8",
  env: { ...process.env, CI: "1" },
});
if (migrate.status !== 0) {
  process.stdout.write(migrate.stdout ?? "");
  process.stderr.write(migrate.stderr ?? "");
  console.error(`applying the local D1 migrations failed (wrangler exited with ${migrate.status ?? migrate.signal})`);
  process.exit(migrate.status ?? 1);
}
const known = readdirSync("migrations").filter((f) => f.endsWith(".sql")).length;
const applied = [...new Set([...(migrate.stdout ?? "").matchAll(/│ (\d{4}_[\w-]+)\.sql\s*│/g)].map((m) => m[1]))];
console.log(applied.length > 0
  ? `local D1: applied ${applied.length} of ${known} migrations (${applied[0]}${applied.length > 1 ? ` … ${applied[applied.length - 1]}` : ""})`
  : `local D1: all ${known} migrations already applied`);

// Its own process group, so stopping it stops workerd too (killing npx alone orphans workerd).
const wrangler = spawn("npx", ["--no-install", "wrangler", "dev", "--port", String(port), "--ip", "127.0.0.1"], {
  stdio: ["inherit", "inherit", "inherit"],
  detached: true,
});
/** @param {NodeJS.Signals} signal */
const stopWrangler = (signal) => { try { if (wrangler.pid) process.kill(-wrangler.pid, signal); } catch { /* gone */ } };
for (const signal of /** @type {const} */ (["SIGINT", "SIGTERM"])) process.on(signal, () => stopWrangler(signal));
wrangler.on("exit", (code) => process.exit(code ?? 0));

/** @param {number} ms */
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function waitForHealth() {
  for (let i = 0; i < 240; i++) {
    try {
      const res = await fetch(`${origin}/health`);
      if (res.ok) return;
    } catch { /* not up yet */ }
    await sleep(500);
  }
  throw new Error(`the local stack did not become healthy at ${origin}/health within 120 s`);
}

/** @param {string[]} names */
const list = (names) => names.join(", ");

/**
 * What the seeded catalog holds, from the running stack itself (`GET /capabilities` as a worker:
 * the active templates and registry entries), split the way a reader needs it: templates for
 * clients and diagnostics ones, the step workers and any others (the scripted test worker,
 * external workers). Falls back to the seed's row counts if the stack cannot say.
 * @param {{ templates: number; workers: number }} seeded
 * @returns {Promise<string[]>}
 */
async function describeCatalog(seeded) {
  const res = await fetch(`${origin}/capabilities`, {
    headers: { Authorization: `Bearer ${vars.WORKER_SHARED_SECRET}`, "X-Worker-ID": "dev-start-script" },
  });
  if (!res.ok) return [`Catalog: ${seeded.templates} templates, ${seeded.workers} workers (rows in D1; GET /capabilities answered ${res.status})`];
  /** @type {{ templates: { template_name: string; category: string }[]; workers: { worker_name: string; kind: string; version: string | null }[] }} */
  const caps = await res.json();
  const diagnostics = caps.templates.filter((t) => t.category === "diagnostics").map((t) => t.template_name);
  const offered = caps.templates.filter((t) => t.category !== "diagnostics").map((t) => t.template_name);
  const step = caps.workers.filter((w) => w.kind === "builtin" && w.version !== null).map((w) => w.worker_name);
  const other = caps.workers.filter((w) => !(w.kind === "builtin" && w.version !== null)).map((w) => `${w.worker_name}${w.kind === "external" ? " (external)" : ""}`);
  return [
    `Templates: ${offered.length} for clients (${list(offered)})${diagnostics.length > 0 ? ` + ${diagnostics.length} diagnostics (${list(diagnostics)})` : ""}`,
    `Workers: ${step.length} step workers (${list(step)})${other.length > 0 ? ` + ${other.length} more (${list(other)})` : ""}`,
  ];
}

try {
  await waitForHealth();
  const res = await fetch(`${origin}/dev/seed`, {
    method: "POST",
    headers: { Authorization: `Bearer ${vars.WORKER_SHARED_SECRET}`, "X-Worker-ID": "dev-start-script" },
  });
  const report = await res.json();
  if (!res.ok) throw new Error(`seeding failed: ${res.status} ${JSON.stringify(report)}`);
  const catalog = await describeCatalog(report);
  const line = "─".repeat(100);
  console.log(`\n${line}\nAI Factory is running at ${origin}  (dashboard: ${origin}/dashboard/, API reference: ${origin}/docs/)\n${line}`);
  console.log("Staff (POST /auth/login, then send x-bitware-session-token):");
  for (const s of report.staff) console.log(`  ${s.role.padEnd(10)} ${s.email.padEnd(36)} ${s.password}`);
  console.log("Demo clients (login as above, or send X-API-Key):");
  for (const c of report.clients) console.log(`  ${c.tier.padEnd(10)} ${c.email.padEnd(36)} ${c.password.padEnd(26)} ${c.api_key}`);
  console.log(`Worker-to-worker: Authorization: Bearer <WORKER_SHARED_SECRET from .dev.vars>, X-Worker-ID: <name>`);
  for (const line of catalog) console.log(line);
  console.log(`RSS catalog: ${report.rss_sources} sources (demo feeds under ${origin}/demo/feeds/)`);
  const url = origin === "http://127.0.0.1:8787" ? "" : `AIF_URL=${origin} `;
  console.log(`Try:  ${url}AIF_API_KEY=${report.clients[2].api_key} npx aif run research_report --topic "energy storage"`);
  console.log(`      curl -H 'X-API-Key: ${report.clients[1].api_key}' ${origin}/templates\n${line}\n`);
} catch (error) {
  console.error(String(error));
  stopWrangler("SIGTERM");
  process.exitCode = 1;
}
