import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";

const at = "2026-01-01T00:00:00.000Z";

async function tables(): Promise<string[]> {
  const { results } = await env.DB.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`).all<{ name: string }>();
  return results.map((r) => r.name);
}

function insertClient(id: string, tier = "basic", budget = 0) {
  return env.DB.prepare(
    `INSERT INTO clients (client_id, company_name, contact_email, subscription_tier, monthly_budget_micros, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, ?)`,
  ).bind(id, `Company ${id}`, `${id}@example.com`, tier, budget, at, at).run();
}

describe("D1 migrations", () => {
  it("apply from empty and create every catalog table", async () => {
    const names = await tables();
    for (const t of [
      "clients", "users", "sessions", "api_keys", "client_requests", "pipeline_template_cache", "template_parameters",
      "pipeline_worker_sessions", "pipeline_executions", "worker_execution_results", "pipeline_templates",
      "pipeline_steps", "worker_registry", "cost_tracking", "deliverables", "rss_sources", "login_throttle", "actor_failures", "live_tickets",
    ]) expect(names).toContain(t);
    const applied = await env.DB.prepare(`SELECT name FROM d1_migrations ORDER BY id`).all<{ name: string }>();
    expect(applied.results.map((r) => r.name)).toEqual(["0001_kam.sql", "0002_orchestrator.sql", "0003_login_throttle.sql", "0004_ai_prices.sql", "0005_discovery.sql", "0006_object_parameters.sql", "0007_economy.sql", "0008_hardening.sql", "0009_live_tickets.sql", "0010_unused_indexes.sql"]);
  });

  it("index the columns the API filters and sorts by", async () => {
    const { results } = await env.DB.prepare(`SELECT name FROM sqlite_master WHERE type = 'index' AND name LIKE 'idx_%'`).all<{ name: string }>();
    const names = results.map((r) => r.name);
    for (const i of ["idx_requests_client_created", "idx_requests_status_created", "idx_api_keys_client", "idx_sessions_user",
      "idx_executions_client_created", "idx_deliverables_client_created", "idx_rss_sources_active_quality"]) {
      expect(names).toContain(i);
    }
    const plan = await env.DB.prepare(
      `EXPLAIN QUERY PLAN SELECT * FROM client_requests WHERE client_id = 'x' ORDER BY created_at DESC LIMIT 10`,
    ).all<{ detail: string }>();
    expect(plan.results.map((r) => r.detail).join(" ")).toContain("idx_requests_client_created");
    // No index that no query reads: each is a row written with every run (D1 bills rows written).
    expect(names).not.toContain("idx_executions_request");
    expect(names).not.toContain("idx_worker_sessions_client");
    const sessions = await env.DB.prepare(
      `EXPLAIN QUERY PLAN SELECT * FROM pipeline_worker_sessions WHERE request_id = 'r' AND client_id = 'c' ORDER BY step_order`,
    ).all<{ detail: string }>();
    expect(sessions.results.map((r) => r.detail).join(" ")).toContain("idx_worker_sessions_request");
  });

  it("refuse enum values outside their CHECK lists", async () => {
    await expect(insertClient("mig_bad_tier", "platinum")).rejects.toThrow(/CHECK constraint/);
    await insertClient("mig_ok");
    await expect(env.DB.prepare(
      `INSERT INTO client_requests (request_id, client_id, request_type, original_message, request_status, created_by, created_at, updated_at)
       VALUES ('r1', 'mig_ok', 'pipeline_execution', 'm', 'exploded', 'test', ?, ?)`,
    ).bind(at, at).run()).rejects.toThrow(/CHECK constraint/);
    await expect(env.DB.prepare(
      `INSERT INTO template_parameters (template_name, parameter_name, display_name, parameter_type, available_tiers, editable_tiers)
       VALUES ('none', 'p', 'P', 'color', '[]', '[]')`,
    ).run()).rejects.toThrow(/constraint/);
  });

  it("store money as integer micro-USD: negative, fractional and text amounts are refused", async () => {
    await expect(insertClient("mig_negative", "basic", -1)).rejects.toThrow(/CHECK constraint/);
    await expect(insertClient("mig_fraction", "basic", 1.5)).rejects.toThrow(/cannot store REAL value in INTEGER column/);
    await expect(env.DB.prepare(
      `INSERT INTO clients (client_id, company_name, contact_email, monthly_budget_micros, created_at, updated_at) VALUES ('mig_text', 'T', 't@example.com', 'lots', ?, ?)`,
    ).bind(at, at).run()).rejects.toThrow(/cannot store TEXT value in INTEGER column/);
    await expect(env.DB.prepare(`UPDATE clients SET budget_period = '2026-13' WHERE client_id = 'mig_ok'`).run()).rejects.toThrow(/CHECK constraint/);
    await insertClient("mig_money", "basic", 12_345_678);
    const row = await env.DB.prepare(`SELECT typeof(monthly_budget_micros) AS t, monthly_budget_micros AS m FROM clients WHERE client_id = 'mig_money'`).first();
    expect(row).toEqual({ t: "integer", m: 12_345_678 });
  });

  it("require client_id exactly for client users", async () => {
    await insertClient("mig_users");
    const insert = (id: string, role: string, clientId: string | null) => env.DB.prepare(
      `INSERT INTO users (user_id, email, password_hash, role, client_id, created_at, updated_at) VALUES (?, ?, 'pbkdf2-sha256$1$a$b', ?, ?, ?, ?)`,
    ).bind(id, `${id}@example.com`, role, clientId, at, at).run();
    await expect(insert("u_client_without", "client", null)).rejects.toThrow(/CHECK constraint/);
    await expect(insert("u_admin_with", "admin", "mig_users")).rejects.toThrow(/CHECK constraint/);
    await expect(insert("u_role", "superuser", null)).rejects.toThrow(/CHECK constraint/);
    await insert("u_client_ok", "client", "mig_users");
    await insert("u_support_ok", "support", null);
  });

  it("enforce foreign keys", async () => {
    await expect(env.DB.prepare(
      `INSERT INTO api_keys (key_id, client_id, name, key_prefix, key_hash, created_at) VALUES ('k', 'no_such_client', 'n', 'p', 'h', ?)`,
    ).bind(at).run()).rejects.toThrow(/FOREIGN KEY/);
  });

  it("keep child rows in their parent's tenant (composite foreign keys)", async () => {
    await insertClient("mig_tenant_a");
    await insertClient("mig_tenant_b");
    await env.DB.prepare(
      `INSERT INTO client_requests (request_id, client_id, request_type, original_message, created_by, created_at, updated_at)
       VALUES ('req_a', 'mig_tenant_a', 'pipeline_execution', 'm', 'test', ?, ?)`,
    ).bind(at, at).run();
    const execution = (pipelineId: string, clientId: string) => env.DB.prepare(
      `INSERT INTO pipeline_executions (pipeline_id, template_name, client_id, request_id, status, created_at) VALUES (?, 't', ?, 'req_a', 'pending', ?)`,
    ).bind(pipelineId, clientId, at).run();
    await expect(execution("pip_wrong", "mig_tenant_b")).rejects.toThrow(/FOREIGN KEY/);
    await execution("pip_right", "mig_tenant_a");
    const deliverable = (clientId: string) => env.DB.prepare(
      `INSERT INTO deliverables (deliverable_id, pipeline_id, client_id, name, content_type, file_size_bytes, checksum, storage_location,
         storage_backend, deliverable_type, format, created_at) VALUES (?, 'pip_right', ?, 'r', 'text/html', 1, 'c', 'k', 'R2', 'report', 'html', ?)`,
    ).bind(`del_${clientId}`, clientId, at).run();
    await expect(deliverable("mig_tenant_b")).rejects.toThrow(/FOREIGN KEY/);
    await deliverable("mig_tenant_a");
  });

  it("refuse external workers without an http(s) endpoint", async () => {
    const insert = (name: string, kind: string, binding: string | null, endpoint: string | null) => env.DB.prepare(
      `INSERT INTO worker_registry (worker_name, display_name, kind, binding, endpoint, input_format, output_format, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, 'a', 'b', ?, ?)`,
    ).bind(name, name, kind, binding, endpoint, at, at).run();
    await expect(insert("ext-bad", "external", null, "ftp://x")).rejects.toThrow(/CHECK constraint/);
    await expect(insert("builtin-bad", "builtin", null, null)).rejects.toThrow(/CHECK constraint/);
    await insert("ext-ok", "external", null, "https://worker.example/api");
  });
});
