import { env } from "cloudflare:workers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compileParameters } from "../src/catalog/parameters";
import type { ParameterDef } from "../src/catalog/template-defs";
import { AppError } from "../src/lib/errors";
import { apiKeyHeaders, call, sessionHeaders } from "./helpers";
import { quiesce } from "./pipeline-helpers";
import { seedWithFeeds } from "./workers/fixtures";

const started = new Set<string>();
beforeAll(async () => { await seedWithFeeds(); });
afterAll(async () => { await quiesce(started); });

const param = (p: Partial<ParameterDef> & Pick<ParameterDef, "parameter_name" | "parameter_type">): ParameterDef => ({
  display_name: p.parameter_name, description: "", is_required: false, default_value: null, options: null, validation_rules: {},
  available_tiers: ["basic", "standard", "premium", "enterprise"], editable_tiers: ["basic", "standard", "premium", "enterprise"], ...p,
});

const DEFS: ParameterDef[] = [
  param({ parameter_name: "title", parameter_type: "text", is_required: true, validation_rules: { min_length: 3, max_length: 20, pattern: "^[A-Za-z ]+$" } }),
  param({ parameter_name: "count", parameter_type: "number", default_value: 5, validation_rules: { min: 1, max: 10, integer: true } }),
  param({ parameter_name: "style", parameter_type: "select", default_value: "short", options: ["short", "long"] }),
  param({ parameter_name: "draft", parameter_type: "boolean" }),
  param({ parameter_name: "tags", parameter_type: "array", validation_rules: { max_items: 2, items: "string" } }),
  param({ parameter_name: "brief", parameter_type: "file" }),
  param({ parameter_name: "extra", parameter_type: "object", validation_rules: { max_keys: 1 } }),
  param({ parameter_name: "depth", parameter_type: "number", default_value: 2, validation_rules: { min: 1, max: 5 }, available_tiers: ["standard", "premium"], editable_tiers: ["premium"] }),
  param({ parameter_name: "secret", parameter_type: "text", available_tiers: ["enterprise"], editable_tiers: ["enterprise"] }),
];

/** The error a compile throws: status, and the message (which names the field and the rule). */
function refusal(given: Record<string, unknown>, tier: "basic" | "standard" | "premium" = "premium") {
  try {
    compileParameters(DEFS, "t", tier, given as never);
  } catch (error) {
    if (error instanceof AppError) return { status: error.status, message: error.message };
    throw error;
  }
  return null;
}

describe("template parameters compile into validation at run time", () => {
  it("checks every type and rule, fills defaults the tier can see, and names the field and rule when refusing", () => {
    expect(compileParameters(DEFS, "t", "premium", { title: "Tidal power", tags: ["a"], extra: { k: 1 }, draft: true, brief: "file_123" }))
      .toEqual({ title: "Tidal power", count: 5, style: "short", draft: true, tags: ["a"], brief: "file_123", extra: { k: 1 }, depth: 2 });
    // A basic client does not see `depth`, so it gets no default for it.
    expect(compileParameters(DEFS, "t", "basic", { title: "Tidal power" })).toEqual({ title: "Tidal power", count: 5, style: "short" });
    const cases: [Record<string, unknown>, RegExp][] = [
      [{}, /^template_parameters\.title: is required$/],
      [{ title: "ab" }, /title: must be at least 3 characters/],
      [{ title: "Tidal 1" }, /title: must match/],
      [{ title: "Tidal\u0007" }, /title: must not contain control characters/],
      [{ title: "Tidal", count: 11 }, /count: must be at most 10/],
      [{ title: "Tidal", count: 2.5 }, /count: must be a whole number/],
      [{ title: "Tidal", count: "3" }, /count: must be a number/],
      [{ title: "Tidal", style: "medium" }, /style: must be one of "short", "long"/],
      [{ title: "Tidal", draft: "yes" }, /draft: must be true or false/],
      [{ title: "Tidal", tags: ["a", "b", "c"] }, /tags: must have at most 2 items/],
      [{ title: "Tidal", tags: [1] }, /tags: must be an array of strings/],
      [{ title: "Tidal", extra: [1] }, /extra: must be an object/],
      [{ title: "Tidal", extra: { a: 1, b: 2 } }, /extra: must have at most 1 keys/],
      [{ title: "Tidal", brief: "" }, /brief: must be at least 1 characters/],
      [{ title: "Tidal", colour: "red" }, /colour: is not a parameter of template 't'/],
    ];
    for (const [given, message] of cases) {
      const r = refusal(given);
      expect(r?.status, JSON.stringify(given)).toBe(422);
      expect(r?.message).toMatch(message);
    }
  });

  it("refuses, naming the parameter and the tier, what the tier may not see or change", () => {
    expect(refusal({ title: "Tidal", secret: "x" })).toEqual({ status: 403, message: expect.stringMatching(/^template_parameters\.secret: not available on the premium tier/) });
    expect(refusal({ title: "Tidal", depth: 4 }, "basic")).toEqual({ status: 403, message: expect.stringMatching(/depth: not available on the basic tier/) });
    expect(refusal({ title: "Tidal", depth: 4 }, "standard")).toEqual({ status: 403, message: expect.stringMatching(/depth: fixed at 2 on the standard tier \(premium may change it\)/) });
    // Its own default is not a change.
    expect(refusal({ title: "Tidal", depth: 2 }, "standard")).toBeNull();
  });

  it("applies the catalog's rules to /orchestrate: tier rights and ranges name the parameter", async () => {
    const run = (tier: "basic" | "standard" | "premium", body: Record<string, unknown>) =>
      call("POST", "/orchestrate", { headers: apiKeyHeaders(tier), body: { topic: "energy storage", ...body } });
    // quick_brief: max_feeds is open to every tier, but only standard and up may change it.
    const basic = await run("basic", { pipeline_template: "quick_brief", template_parameters: { max_feeds: 6 } });
    expect(basic.status).toBe(403);
    expect(basic.body.error.message).toMatch(/^body\.template_parameters\.max_feeds: fixed at 4 on the basic tier/);
    // research_report: source_discovery_depth (a seed field) only premium and up may change.
    const standard = await run("standard", { pipeline_template: "research_report", source_discovery_depth: 5 });
    expect(standard.status).toBe(403);
    expect(standard.body.error.message).toMatch(/source_discovery_depth: fixed at 3 on the standard tier/);
    const range = await run("premium", { pipeline_template: "research_report", template_parameters: { max_articles_per_feed: 500 } });
    expect(range.status).toBe(422);
    expect(range.body.error.details.issues[0]).toMatchObject({ field: "body.template_parameters.max_articles_per_feed", message: "must be at most 50" });
    const unknown = await run("premium", { pipeline_template: "quick_brief", template_parameters: { colour: "red" } });
    expect(unknown.status).toBe(422);
    expect(unknown.body.error.message).toMatch(/^body\.template_parameters\.colour: is not a parameter of template 'quick_brief'/);
    const ok = await run("premium", { pipeline_template: "quick_brief", template_parameters: { max_feeds: 2 } });
    expect(ok.status).toBe(202);
    started.add(ok.body.pipeline.id);
  });

  it("shows a template's parameters as the caller's tier sees them (GET /templates/:name)", async () => {
    const standard = await call("GET", "/templates/research_report", { headers: apiKeyHeaders("standard") });
    expect(standard.status).toBe(200);
    const params = Object.fromEntries(standard.body.template.parameters.map((p: { name: string }) => [p.name, p]));
    expect(params.max_feeds).toMatchObject({ type: "number", default: 8, editable: false, rules: { min: 1, max: 25, integer: true } });
    expect(params.max_articles_per_feed).toMatchObject({ editable: true });
    expect(params.analysis_depth).toMatchObject({ type: "select", options: ["basic", "standard", "detailed"] });
    // Not open to the basic tier: as if it did not exist.
    expect((await call("GET", "/templates/research_report", { headers: apiKeyHeaders("basic") })).status).toBe(404);
    const staff = await call("GET", "/templates/course_builder", { headers: await sessionHeaders("admin") });
    expect(staff.body.template.parameters.find((p: { name: string }) => p.name === "granularity")).toMatchObject({ editable: ["enterprise"], available_tiers: ["premium", "enterprise"] });
  });
});

describe("POST /templates/sync", () => {
  it("installs the built-ins and rebuilds the cache from the orchestrator's definitions (admin only)", async () => {
    const admin = await sessionHeaders("admin");
    expect((await call("POST", "/templates/sync", { headers: apiKeyHeaders("enterprise") })).status).toBe(403);
    // The cache lost a row and holds one the orchestrator no longer has; a template was switched off.
    await env.DB.batch([
      env.DB.prepare(`DELETE FROM pipeline_template_cache WHERE template_name = 'topic_discovery'`),
      // runtime_demo is the development seed's, not a built-in sync installs: only the rebuild brings its row back.
      env.DB.prepare(`DELETE FROM pipeline_template_cache WHERE template_name = 'runtime_demo'`),
      env.DB.prepare(`INSERT INTO pipeline_template_cache (template_name, display_name, worker_flow, allowed_tiers, synced_at) VALUES ('retired_flow', 'Retired', '[]', '["basic"]', '2026-01-01T00:00:00.000Z')`),
      env.DB.prepare(`UPDATE pipeline_templates SET is_active = 0 WHERE name = 'quick_brief'`),
    ]);
    const synced = await call("POST", "/templates/sync", { headers: admin });
    expect(synced.status, JSON.stringify(synced.body)).toBe(200);
    expect(synced.body).toMatchObject({ success: true, workers: 8, builtin_templates: 4, deactivated: 1 });
    // The cache follows the orchestrator's rows: topic_discovery is back, an admin's switch-off is kept.
    const names = (await call("GET", "/templates", { headers: admin })).body.templates.map((t: { template_name: string }) => t.template_name);
    expect(names).toEqual(expect.arrayContaining(["topic_discovery", "research_report", "course_builder", "runtime_demo"]));
    expect(names).not.toContain("retired_flow");
    expect(names).not.toContain("quick_brief");
    await env.DB.prepare(`UPDATE pipeline_templates SET is_active = 1 WHERE name = 'quick_brief'`).run();
    await call("POST", "/templates/sync", { headers: admin });
    expect((await call("GET", "/templates", { headers: admin })).body.templates.map((t: { template_name: string }) => t.template_name)).toContain("quick_brief");
    const flow = (await call("GET", "/templates/research_report", { headers: admin })).body.template.worker_flow;
    expect(flow.map((s: { step_id: string }) => s.step_id)).toEqual(["librarian", "researcher", "fetcher", "classifier", "report"]);
    // Required: with nothing from the catalog and nothing discovered, it stops the run before the fetch (no_coverage).
    expect(flow[1]).toMatchObject({ worker_name: "topic-researcher", depends_on: ["librarian"], optional: false });
  });
});
