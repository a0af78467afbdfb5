import { apiKeyPrefix, hashPassword, insertApiKey } from "../auth";
import { BuiltinTemplates, RuntimeDemoTemplate } from "../catalog/template-defs";
import { installTemplateStatements } from "../catalog/templates";
import { installWorkerStatements, ScriptedWorkerDef } from "../catalog/workers";
import { BuiltinWorkers } from "../workers/specs";
import { sha256Hex } from "../lib/crypto";
import { AppError } from "../lib/errors";
import { isoTime } from "../lib/ids";
import { DemoClients, DemoFeeds, DemoStaff } from "./demo-data";

/** What the seed made, for the start script to print. */
export interface SeedReport {
  staff: { email: string; password: string; role: string }[];
  clients: { client_id: string; tier: string; email: string; password: string; api_key: string }[];
  templates: number;
  workers: number;
  rss_sources: number;
}

/** Environments where the demo seed (with its published passwords) may run. */
const SEEDABLE = new Set(["development", "test"]);

/** True where the demo seed may run: only an explicit development or test environment. */
export function isSeedable(env: Pick<Env, "ENVIRONMENT">): boolean {
  return SEEDABLE.has(env.ENVIRONMENT);
}

/**
 * Seeds the local-development catalog: staff, one demo client per tier (each with a user and an
 * API key), the built-in workers and templates, and an RSS catalog pointing at the demo feeds
 * served by the stack at `baseUrl`. Idempotent: existing rows are kept (passwords are hashed only
 * for users that do not exist yet); built-in definitions are refreshed. Refuses unless ENVIRONMENT
 * is development or test, so production, staging or an unset value never gets demo accounts.
 */
export async function seedDevelopment(env: Env, baseUrl: string, now: number): Promise<SeedReport> {
  if (!isSeedable(env)) {
    throw new AppError("forbidden", `the development seed refuses to run when ENVIRONMENT is '${env.ENVIRONMENT}' (only development or test)`);
  }
  const db = env.DB;
  const at = isoTime(now);
  const existing = new Set((await db.prepare(`SELECT user_id FROM users`).all<{ user_id: string }>()).results.map((r) => r.user_id));

  const statements: D1PreparedStatement[] = [];
  for (const c of DemoClients) {
    statements.push(db.prepare(
      `INSERT INTO clients (client_id, company_name, contact_email, contact_name, industry, subscription_tier,
         account_status, monthly_budget_micros, address, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, 'active', ?, ?, ?, ?) ON CONFLICT (client_id) DO NOTHING`,
    ).bind(c.client_id, c.company_name, c.contact_email, c.contact_name, c.industry, c.tier, c.monthly_budget_micros,
      JSON.stringify({ city: "Berlin", country: "DE" }), at, at));
  }
  const users = [
    ...DemoStaff.map((s) => ({ ...s, client_id: null as string | null })),
    ...DemoClients.map((c) => ({ ...c.user, role: "client" as const, client_id: c.client_id })),
  ];
  for (const u of users.filter((u) => !existing.has(u.user_id))) {
    statements.push(db.prepare(
      `INSERT INTO users (user_id, email, full_name, password_hash, role, client_id, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
    ).bind(u.user_id, u.email, u.full_name, await hashPassword(u.password), u.role, u.client_id, at, at));
  }
  // Development also gets the scripted worker and the runtime demo template built on it.
  statements.push(...installWorkerStatements(db, now, [...BuiltinWorkers, ScriptedWorkerDef]));
  statements.push(...installTemplateStatements(db, now, [...BuiltinTemplates, RuntimeDemoTemplate]));
  // The demo feeds follow the stack's current origin (the port may change between runs).
  const origin = baseUrl.replace(/\/+$/, "");
  statements.push(...sourceStatements(db, now, DemoFeeds.map((f) => ({
    source_id: `src_demo_${f.file.replace(/\W+/g, "_")}`, url: `${origin}/demo/feeds/${f.file}`, title: f.title, description: f.description,
    topics: f.topics, quality_score: f.quality, feed_format: f.format,
  }))));
  // The topic researcher's demo directory (sites announcing feeds, one of them not catalogued).
  const directory = `${origin}/demo/sites/index.html`;
  statements.push(db.prepare(`DELETE FROM discovery_directories WHERE url LIKE '%/demo/sites/index.html' AND url <> ?`).bind(directory));
  statements.push(db.prepare(`INSERT INTO discovery_directories (url, title, created_at) VALUES (?, 'Demo web directory', ?) ON CONFLICT (url) DO NOTHING`).bind(directory, at));
  await db.batch(statements);
  // Keys after clients exist (foreign key); insertApiKey ignores keys already present.
  for (const c of DemoClients) {
    await insertApiKey(db, {
      key_id: c.api_key.key_id, client_id: c.client_id, name: c.api_key.name, key_prefix: apiKeyPrefix(c.api_key.key)!,
      created_at: at, last_used_at: null, revoked_at: null,
    }, await sha256Hex(c.api_key.key), null);
  }

  const count = async (table: string) => (await db.prepare(`SELECT count(*) AS n FROM ${table}`).first<{ n: number }>())!.n;
  return {
    staff: DemoStaff.map((s) => ({ email: s.email, password: s.password, role: s.role })),
    clients: DemoClients.map((c) => ({ client_id: c.client_id, tier: c.tier, email: c.user.email, password: c.user.password, api_key: c.api_key.key })),
    templates: await count("pipeline_templates"),
    workers: await count("worker_registry"),
    rss_sources: await count("rss_sources"),
  };
}

/** A feed for the catalog (`rss_sources`), as the seed and the benchmarks install them. */
export interface CatalogFeed { source_id: string; url: string; title: string; description: string; topics: readonly string[]; quality_score: number; feed_format: string }

/** Statements that install feeds in the catalog; a feed already there follows its new URL (the stack's port may change). */
export function sourceStatements(db: D1Database, now: number, feeds: readonly CatalogFeed[]): D1PreparedStatement[] {
  const at = new Date(now).toISOString();
  return feeds.map((f) => db.prepare(
    `INSERT INTO rss_sources (source_id, url, domain, title, description, topics, quality_score, feed_format,
       discovered_by, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'seed', ?, ?)
     ON CONFLICT (source_id) DO UPDATE SET url = excluded.url, domain = excluded.domain, updated_at = excluded.updated_at
       WHERE url <> excluded.url`,
  ).bind(f.source_id, f.url, new URL(f.url).host, f.title, f.description, JSON.stringify(f.topics), f.quality_score, f.feed_format, at, at));
}
