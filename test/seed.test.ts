import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { BuiltinTemplates, RuntimeDemoTemplate } from "../src/catalog/template-defs";
import { ScriptedWorkerDef } from "../src/catalog/workers";
import { BuiltinWorkers } from "../src/workers/specs";
import { DemoClients, DemoFeeds, DemoStaff } from "../src/seed/demo-data";
import { seedDevelopment } from "../src/seed/seed";
import { call, workerHeaders } from "./helpers";

async function snapshot() {
  const tables = ["clients", "users", "api_keys", "pipeline_templates", "pipeline_steps", "pipeline_template_cache",
    "template_parameters", "worker_registry", "rss_sources"];
  const counts: Record<string, number> = {};
  for (const t of tables) counts[t] = (await env.DB.prepare(`SELECT count(*) AS n FROM ${t}`).first<{ n: number }>())!.n;
  const hashes = (await env.DB.prepare(`SELECT user_id, password_hash FROM users ORDER BY user_id`).all()).results;
  return { counts, hashes };
}

describe("development seed", () => {
  it("creates staff, one client per tier with a user and key, workers, templates and the RSS catalog", async () => {
    const report = await seedDevelopment(env, "http://localhost:8787", Date.now());
    const { counts } = await snapshot();
    expect(counts.users).toBe(DemoStaff.length + DemoClients.length);
    expect(counts.api_keys).toBe(DemoClients.length);
    // The built-in workers and templates, plus (development only) the scripted worker and the runtime demo.
    expect(counts.worker_registry).toBe([...BuiltinWorkers, ScriptedWorkerDef].length);
    expect(counts.pipeline_templates).toBe([...BuiltinTemplates, RuntimeDemoTemplate].length);
    expect(counts.pipeline_template_cache).toBe([...BuiltinTemplates, RuntimeDemoTemplate].length);
    expect(counts.rss_sources).toBe(DemoFeeds.length);
    const tiers = (await env.DB.prepare(`SELECT subscription_tier AS t FROM clients ORDER BY monthly_budget_micros`).all<{ t: string }>()).results.map((r) => r.t);
    expect(tiers).toEqual(["basic", "standard", "premium", "enterprise"]);
    expect(report.clients.map((c) => c.api_key)).toEqual(DemoClients.map((c) => c.api_key.key));
    const feed = await env.DB.prepare(`SELECT url, domain FROM rss_sources WHERE url LIKE '%energy-storage.xml'`).first();
    expect(feed).toEqual({ url: "http://localhost:8787/demo/feeds/energy-storage.xml", domain: "localhost:8787" });
    const steps = (await env.DB.prepare(`SELECT step_id FROM pipeline_steps WHERE template_name = 'research_report' ORDER BY step_order`).all<{ step_id: string }>()).results;
    expect(steps.map((s) => s.step_id)).toEqual(["librarian", "researcher", "fetcher", "classifier", "report"]);
  });

  it("is idempotent: a second run changes nothing, not even password hashes", async () => {
    await seedDevelopment(env, "http://localhost:8787", Date.now());
    const before = await snapshot();
    await seedDevelopment(env, "http://localhost:8787", Date.now() + 1000);
    expect(await snapshot()).toEqual(before);
  });

  it("refuses to run anywhere but development and test", async () => {
    for (const environment of ["production", "staging", "prod", ""]) {
      await expect(seedDevelopment({ ...env, ENVIRONMENT: environment }, "http://x", Date.now())).rejects.toThrow(/refuses to run/);
    }
  });

  it("runs over HTTP for the start script, with worker auth only", async () => {
    const ok = await call("POST", "/dev/seed", { headers: workerHeaders("dev-start-script") });
    expect(ok.status).toBe(200);
    expect(ok.body.staff.map((s: { role: string }) => s.role)).toEqual(["admin", "support"]);
    // The demo feeds follow the origin the stack now runs on.
    const feed = await env.DB.prepare(`SELECT url FROM rss_sources WHERE url LIKE '%energy-storage.xml'`).first();
    expect(feed).toEqual({ url: "http://localhost/demo/feeds/energy-storage.xml" });
    const anonymous = await call("POST", "/dev/seed");
    expect(anonymous.status).toBe(401);
  });
});
