import { beforeAll, describe, expect, it } from "vitest";
import { offlineAnalysis, offlineRecommendation, triggerMatches } from "../src/kam/analysis";
import { apiKeyHeaders, call, demoClient, sessionHeaders } from "./helpers";
import { testClient } from "./pipeline-helpers";
import { seedWithFeeds } from "./workers/fixtures";

beforeAll(async () => { await seedWithFeeds(); });

async function ask(tier: "basic" | "standard" | "premium" | "enterprise", message: string, extra: Record<string, unknown> = {}) {
  const res = await call("POST", "/requests", { headers: apiKeyHeaders(tier), body: { request_type: "pipeline_execution", message, ...extra } });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.request;
}

describe("request analysis (processed_request)", () => {
  it("cleans the message and reads its topic, intent, urgency and keywords; an explicit urgency wins", async () => {
    const request = await ask("standard", "Hello team,\nWe urgently need a research report on solid-state batteries for the board.\n> earlier mail quoted here\nBest regards,\nAnna");
    expect(request.original_message).toContain("Hello team");
    expect(request.processed_request).toBe("We urgently need a research report on solid-state batteries for the board.");
    expect(request.request_analysis).toMatchObject({ topic: "solid-state batteries", intent: "research", urgency: "high", engines: ["offline/offline-extractive-v1"] });
    expect(request.urgency_level).toBe("high");
    const calm = await ask("standard", "Whenever you can, a quick overview of carbon markets.", { urgency_level: "critical" });
    expect(calm.urgency_level).toBe("critical");
    expect(calm.request_analysis).toMatchObject({ intent: "brief", urgency: "low", topic: "carbon markets" });
  });

  it("reads intents and sentiment offline, deterministically", () => {
    expect(offlineAnalysis("Please teach our staff Rust: a course with lessons.").intent).toBe("course");
    expect(offlineAnalysis("Find new sources for marine biology").intent).toBe("discovery");
    expect(offlineAnalysis("My invoice is wrong and the login is broken, I am frustrated").intent).toBe("support");
    expect(offlineAnalysis("My invoice is wrong and the login is broken, I am frustrated").sentiment).toBe(-1);
    expect(offlineAnalysis("x y z")).toEqual(offlineAnalysis("x y z"));
    // A greeting goes, and only the greeting.
    expect(offlineAnalysis("Hi team, could you send a quick brief on energy storage news?").cleaned).toBe("Could you send a quick brief on energy storage news?");
    expect(offlineAnalysis("Hello could you brief me on AI?").cleaned).toBe("Hello could you brief me on AI?");
    expect(offlineAnalysis("Hello, we need a report on batteries. Thanks, Pat").cleaned).toBe("We need a report on batteries.");
    // Lines that only start like a sign-off are the request, not its end.
    expect(offlineAnalysis("We need a research report on tidal energy.\nBest practices for permitting must be covered.\nDeadline: Friday.").cleaned)
      .toBe("We need a research report on tidal energy. Best practices for permitting must be covered. Deadline: Friday.");
    expect(offlineAnalysis("Please prepare a brief.\nThanks to the new subsidy, the market changed: cover solar and wind.").cleaned)
      .toBe("Please prepare a brief. Thanks to the new subsidy, the market changed: cover solar and wind.");
    expect(offlineAnalysis("Please prepare a brief on solar.\n\nKind regards,\nAnna Smith\nHead of Research\nPhoton Energy").cleaned).toBe("Please prepare a brief on solar.");
    expect(triggerMatches("Research reports on market trends", ["research", "report", "market", "news", "trends"])).toEqual(["research", "report", "market", "trends"]);
    const pick = offlineRecommendation("a course to teach rust", [
      { template_name: "quick_brief", display_name: "Quick Brief", description: "A short brief from feeds.", category: "research", keyword_triggers: ["brief"] },
      { template_name: "course_builder", display_name: "Course Builder", description: "A structured course on a topic.", category: "content", keyword_triggers: ["course", "teach"] },
    ]);
    expect(pick.template_name).toBe("course_builder");
    expect(pick.reasoning).toContain("Course Builder");
  });
});

describe("POST /recommend-template (seed phase 2)", () => {
  it("recommends among the templates the client's tier may use, with estimate, budget check and runners-up", async () => {
    const request = await ask("standard", "Could you prepare a research report with market analysis of grid energy storage?");
    const res = await call("POST", "/recommend-template", { headers: await sessionHeaders("support"), body: { request_id: request.request_id } });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({
      success: true, client_id: demoClient("standard").client_id, request_id: request.request_id, template_name: "research_report",
      estimated_cost: expect.any(Number), estimated_duration_ms: expect.any(Number), estimate_basis: expect.any(String),
      budget_check: { approved: true, estimated_cost: res.body.estimated_cost },
      ai: { provider: "offline", error: null },
    });
    expect(res.body.reasoning).toMatch(/'research'.*trigger research_report/);
    expect(res.body.alternatives.map((a: { template_name: string }) => a.template_name)).toContain("quick_brief");
    expect(res.body.alternatives.find((a: { ai_pick: boolean }) => a.ai_pick).template_name).toBe("research_report");

    // The same words from a basic client: research_report is not open to its tier.
    const basic = await call("POST", "/recommend-template", { headers: apiKeyHeaders("basic"), body: { message: "A research report with market analysis of grid energy storage, please." } });
    expect(basic.status).toBe(200);
    expect(basic.body.template_name).toBe("quick_brief");
    expect(basic.body.alternatives.map((a: { template_name: string }) => a.template_name)).not.toContain("research_report");

    const course = await call("POST", "/recommend-template", { headers: apiKeyHeaders("premium"), body: { message: "We want a training course to teach Rust ownership." } });
    expect(course.body.template_name).toBe("course_builder");
  });

  it("warns before a run when no catalogued source covers the request's topic", async () => {
    const covered = await call("POST", "/recommend-template", { headers: apiKeyHeaders("premium"), body: { message: "A research report on grid energy storage, please." } });
    expect(covered.body).toMatchObject({ template_name: "research_report", warnings: [] });
    const uncovered = await call("POST", "/recommend-template", { headers: apiKeyHeaders("premium"), body: { message: "A research report on underwater basket weaving, please." } });
    expect(uncovered.status).toBe(200);
    expect(uncovered.body.template_name).toBe("research_report");
    expect(uncovered.body.warnings).toHaveLength(1);
    expect(uncovered.body.warnings[0]).toMatch(/^No source in the catalog covers '.*basket weaving.*'\. The catalog covers: .*To add a source, run Topic Discovery/);
  });

  it("says when the client's ledger cannot cover the recommendation", async () => {
    const poor = await testClient(1);
    const res = await call("POST", "/recommend-template", { headers: await sessionHeaders("admin"), body: { client_id: poor, message: "A quick brief on energy storage news" } });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.budget_check).toMatchObject({ approved: false, remaining_micros: 1 });
    expect(res.body.budget_check.estimated_micros).toBeGreaterThan(1);
  });

  it("keeps clients to their own requests and names what is wrong in the body", async () => {
    const other = await ask("premium", "A research report on tidal energy");
    expect((await call("POST", "/recommend-template", { headers: apiKeyHeaders("standard"), body: { request_id: other.request_id } })).status).toBe(404);
    expect((await call("POST", "/recommend-template", { headers: apiKeyHeaders("standard"), body: { message: "brief me", client_id: demoClient("premium").client_id } })).status).toBe(404);
    const both = await call("POST", "/recommend-template", { headers: apiKeyHeaders("premium"), body: { request_id: other.request_id, message: "a brief" } });
    expect(both.status).toBe(422);
    expect(both.body.error.message).toContain("either request_id or message");
    expect((await call("POST", "/recommend-template", { headers: apiKeyHeaders("premium"), body: {} })).status).toBe(422);
    expect((await call("POST", "/recommend-template", { headers: await sessionHeaders("admin"), body: { message: "a brief" } })).status).toBe(422);
  });
});
