// The README's dashboard screenshots, taken from a running local stack (`npm start` first):
//   node scripts/screenshots.mjs [origin]      (default http://127.0.0.1:8787)
// Debian's chromium through playwright-core; PNGs of the viewport into docs/screenshots/.
import { mkdirSync } from "node:fs";
import path from "node:path";
import { chromium } from "playwright-core";

const origin = process.argv[2] ?? "http://127.0.0.1:8787";
const out = path.join(import.meta.dirname, "..", "docs", "screenshots");
mkdirSync(out, { recursive: true });
const PREMIUM = { email: "premium@demo.ai-factory.local", password: "premium-demo-password", key: "aif_demoprem00_Vx3NqM7bLk1RzS5wPc9tGf2HjD8yUe4A" };
const ADMIN = { email: "admin@ai-factory.local", password: "admin-demo-password" };

/** @param {string} method @param {string} p @param {unknown} [body] */
async function api(method, p, body) {
  const res = await fetch(`${origin}${p}`, { method, headers: { "X-API-Key": PREMIUM.key, "Content-Type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) });
  return await res.json();
}

const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium", args: ["--no-sandbox", "--disable-gpu", "--no-first-run"] });
/** @param {{email: string, password: string}} user @param {number} width @param {number} height */
async function signIn(user, width = 1200, height = 760) {
  const context = await browser.newContext({ viewport: { width, height }, baseURL: origin });
  const page = await context.newPage();
  await page.goto("/dashboard/");
  await page.getByLabel("Email").fill(user.email);
  await page.getByLabel("Password").fill(user.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("button", { name: "Sign out" }).waitFor();
  return page;
}
/** @param {import("playwright-core").Page} page @param {string} name */
const shot = async (page, name) => { await page.screenshot({ path: path.join(out, `${name}.png`) }); console.log(`docs/screenshots/${name}.png`); };

// A run with a retry and slow steps, to catch it mid-flight.
const scripts = {
  collect: { mode: "succeed", delay_ms: 1500 }, analyse: { mode: "fail_times", times: 1, delay_ms: 1200 },
  enrich: { mode: "succeed", delay_ms: 4000 }, compose: { mode: "succeed", delay_ms: 3000 }, deliver: { mode: "succeed", delay_ms: 1000 },
};
const run = await api("POST", "/orchestrate", { pipeline_template: "runtime_demo", topic: "grid-scale storage", template_parameters: { scripts } });
const id = run.pipeline.id;

const client = await signIn(PREMIUM);
await client.goto(`/dashboard/pipelines/${id}`);
await client.waitForTimeout(4_500);
await shot(client, "pipeline-live");
await client.goto("/dashboard/");
await client.waitForTimeout(1_500);
await shot(client, "client-home");
await client.goto("/dashboard/run?template=research_report");
await client.getByLabel("Topic").first().fill("energy storage");
await client.waitForTimeout(2_000);
await shot(client, "start-run");

const admin = await signIn(ADMIN);
await admin.goto("/dashboard/pools");
await admin.waitForTimeout(2_000);
await shot(admin, "staff-pools");
await admin.goto(`/dashboard/inspect/${id}`);
await admin.waitForTimeout(2_000);
await shot(admin, "staff-inspector");

const phone = await signIn(PREMIUM, 390, 844);
await phone.goto(`/dashboard/pipelines/${id}`);
await phone.waitForTimeout(2_000);
await shot(phone, "phone-pipeline");
await browser.close();
