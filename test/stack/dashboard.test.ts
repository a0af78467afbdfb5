/**
 * The dashboard in a real browser (Debian's Chromium through playwright-core) against the real
 * local stack, as `npm start` runs it (`wrangler dev` serving the built SPA from its assets, the
 * demo catalog seeded). Clients and staff sign in through the form and use the views as people
 * do; the tests read what the page shows, not the API behind it.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DemoClients, DemoStaff } from "../../src/seed/demo-data";
import { appErrors, launchBrowser, shot, signIn, type UserTab } from "./browser";
import { LocalStack } from "./local-stack";

const premium = DemoClients.find((c) => c.tier === "premium")!;
const enterprise = DemoClients.find((c) => c.tier === "enterprise")!;
const standard = DemoClients.find((c) => c.tier === "standard")!;
const admin = DemoStaff.find((s) => s.role === "admin")!;
const support = DemoStaff.find((s) => s.role === "support")!;

let stack: LocalStack;
let browser: Browser;
const tabs: UserTab[] = [];

async function as(user: { email: string; password: string }, width = 1280): Promise<UserTab> {
  const tab = await signIn(browser, stack.origin, user.email, user.password, width);
  tabs.push(tab);
  return tab;
}

/** An API call as a demo client (its API key) or with a session token. */
async function api(method: string, path: string, body?: unknown, auth: Record<string, string> = { "X-API-Key": premium.api_key.key }) {
  const res = await fetch(`${stack.origin}${path}`, {
    method, headers: { ...auth, ...(body === undefined ? {} : { "Content-Type": "application/json" }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, body: (await res.json()) as Record<string, any> };
}

/** A runtime_demo run whose steps take `delayMs` each (the scripted worker), its first step `firstMs`. */
async function slowDemo(delayMs: number, topic = "live dashboard", firstMs = delayMs): Promise<string> {
  const script = (ms: number) => ({ mode: "succeed", delay_ms: ms, cost_micros: 1_000 });
  const scripts = Object.fromEntries(["collect", "analyse", "enrich", "compose", "deliver"].map((s) => [s, script(s === "collect" ? firstMs : delayMs)]));
  const res = await api("POST", "/orchestrate", { pipeline_template: "runtime_demo", topic, template_parameters: { scripts } });
  expect(res.status, JSON.stringify(res.body)).toBe(202);
  return res.body.pipeline.id as string;
}

/**
 * Records every DAG node's data-status change from now on, in this document and in any the page
 * navigates to: `window.dagChanges`, [step, status] in the order seen.
 */
async function watchDag(page: Page): Promise<void> {
  await page.addInitScript(OBSERVE_DAG);
  await page.evaluate(OBSERVE_DAG);
}

/** As a string: the test runner's transpiler would add helpers a page does not have. */
const OBSERVE_DAG = `(() => {
  const seen = [];
  window.dagChanges = seen;
  const note = (el) => {
    const id = (el.getAttribute("data-testid") || "").replace(/^dag-step-/, "");
    const status = el.getAttribute("data-status");
    const last = seen.filter((s) => s[0] === id).pop();
    if (id && status && (!last || last[1] !== status)) seen.push([id, status]);
  };
  const observer = new MutationObserver((records) => {
    for (const r of records) {
      if (r.type === "attributes" && r.target.matches && r.target.matches("[data-testid^=dag-step-]")) note(r.target);
      for (const n of r.addedNodes) {
        if (!(n instanceof Element)) continue;
        if (n.matches("[data-testid^=dag-step-]")) note(n);
        n.querySelectorAll("[data-testid^=dag-step-]").forEach(note);
      }
    }
  });
  observer.observe(document, { subtree: true, childList: true, attributes: true, attributeFilter: ["data-status"] });
})()`;

const ORDER = ["pending", "waiting_budget", "waiting_capacity", "running", "retry_wait", "succeeded", "failed", "skipped"];
/** True when each step's statuses only move forward (a retry may go back to running once). */
function forwardOnly(changes: [string, string][]): boolean {
  const byStep = new Map<string, string[]>();
  for (const [id, status] of changes) byStep.set(id, [...(byStep.get(id) ?? []), status]);
  return [...byStep.values()].every((list) => list.every((s, i) => i === 0 || ORDER.indexOf(s) >= ORDER.indexOf(list[i - 1]!) || list[i - 1] === "retry_wait"));
}

beforeAll(async () => {
  stack = await LocalStack.seeded();
  browser = await launchBrowser();
});

afterAll(async () => {
  for (const t of tabs) await t.context.close().catch(() => {});
  await browser?.close();
  await stack?.dispose();
});

describe("the dashboard, for a client", () => {
  it("signs in, starts a research report through the parameters form, watches it complete live, reads the report and downloads a deliverable whose checksum matches", async () => {
    const { page, errors } = await as(premium.user);
    await shot(page, "client-home");
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Start a run" }).click();
    await page.getByTestId("template-select").selectOption("research_report");
    await page.getByLabel("Topic", { exact: false }).first().fill("energy storage");
    await shot(page, "client-start-run");
    await watchDag(page);
    const marker = await page.evaluate(() => ((window as any).sameDocument = Math.random()));
    await page.getByTestId("start-run").click();
    await page.waitForURL(/\/dashboard\/pipelines\/pip_/);
    await expect.poll(() => page.getByTestId("pipeline-live").getAttribute("data-status"), { timeout: 60_000 }).toBe("completed");
    // No reload: the same document followed the run from the form to the end.
    expect(await page.evaluate(() => (window as any).sameDocument)).toBe(marker);
    const changes = (await page.evaluate(() => (window as any).dagChanges)) as [string, string][];
    // The observer saw the DAG (every step at least once), and no step's state went backwards.
    for (const step of ["librarian", "researcher", "fetcher", "classifier", "report"]) expect(changes.some(([s]) => s === step), `${step}: ${JSON.stringify(changes)}`).toBe(true);
    expect(forwardOnly(changes), JSON.stringify(changes)).toBe(true);
    for (const step of ["librarian", "fetcher", "classifier", "report"]) expect(await page.getByTestId(`dag-step-${step}`).getAttribute("data-status")).toBe("succeeded");

    // The report, rendered in its sandboxed frame.
    const frame = page.frameLocator("[data-testid=report-frame]");
    await expect.poll(() => frame.locator("h1").textContent(), { timeout: 20_000 }).toContain("energy storage");
    expect(await page.getByTestId("report-frame").getAttribute("sandbox")).toBe("");
    await shot(page, "client-pipeline-completed");

    // A deliverable, through its signed URL: the bytes match the checksum shown.
    const button = page.getByTestId("deliverable-download").first();
    const shown = (await button.getAttribute("data-checksum"))!;
    const [download] = await Promise.all([page.waitForEvent("download"), button.click()]);
    const bytes = readFileSync((await download.path())!);
    expect(`sha256:${createHash("sha256").update(bytes).digest("hex")}`).toBe(shown);
    // The one message allowed: the sandbox refusing the test driver's own script in the report's frame.
    expect(appErrors(errors, [/Blocked script execution in 'about:srcdoc'/])).toEqual([]);
  });

  it("a dropped socket reconnects and catches up: the event list ends with every sequence number exactly once", async () => {
    const { page, errors } = await as(premium.user);
    let drops = 0;
    let proxied = 0;
    // Every pipeline socket goes through the test, which cuts the first one after a few frames.
    await page.routeWebSocket(/\/parties\/pipeline-actor\//, (ws) => {
      const server = ws.connectToServer();
      const first = proxied++ === 0;
      let frames = 0;
      server.onMessage((message) => {
        ws.send(message);
        if (first && ++frames === 4) {
          drops++;
          ws.close({ code: 4000, reason: "dropped by the test" });
          server.close();
        }
      });
      ws.onMessage((message) => server.send(message));
    });
    // The first step outlasts the page's load, so the view sees every step start.
    const id = await slowDemo(1_000, "dropped socket", 3_000);
    await watchDag(page);
    await page.goto(`/dashboard/pipelines/${id}`);
    await expect.poll(() => page.getByTestId("live-status").getAttribute("data-state"), { timeout: 15_000 }).toBe("live");
    await expect.poll(() => drops, { timeout: 15_000 }).toBe(1);
    await expect.poll(() => page.getByTestId("pipeline-live").getAttribute("data-status"), { timeout: 60_000 }).toBe("completed");
    expect(proxied).toBeGreaterThanOrEqual(2);
    expect(await page.getByTestId("live-status").textContent()).toMatch(/reconnected/);
    const seqs = (await page.evaluate((pid) => (window as any).aifDebug[`pipeline:${pid}`], id)) as number[];
    const last = seqs.at(-1)!;
    expect(seqs).toEqual(Array.from({ length: last }, (_, i) => i + 1));
    expect(await page.getByTestId("event-count").getAttribute("data-last-seq")).toBe(String(last));
    // The steps were seen changing, in the DAG's order: collect, then analyse and enrich, then compose, then deliver.
    const changes = (await page.evaluate(() => (window as any).dagChanges)) as [string, string][];
    expect(forwardOnly(changes), JSON.stringify(changes)).toBe(true);
    const firstRun = (step: string) => changes.findIndex(([s, st]) => s === step && st === "running");
    const done = (step: string) => changes.findIndex(([s, st]) => s === step && st === "succeeded");
    for (const step of ["collect", "analyse", "enrich", "compose", "deliver"]) expect(firstRun(step), `${step}: ${JSON.stringify(changes)}`).toBeGreaterThanOrEqual(0);
    expect(done("collect")).toBeLessThan(firstRun("analyse"));
    expect(done("collect")).toBeLessThan(firstRun("enrich"));
    expect(Math.max(done("analyse"), done("enrich"))).toBeLessThan(firstRun("compose"));
    expect(done("compose")).toBeLessThan(firstRun("deliver"));
    await shot(page, "pipeline-live-after-drop");
    expect(appErrors(errors, [/WebSocket/i])).toEqual([]);
  });

  it("another client opening the pipeline's URL sees 'not found'", async () => {
    const id = await slowDemo(0, "private run");
    const { page } = await as(enterprise.user);
    await page.goto(`/dashboard/pipelines/${id}`);
    await expect.poll(() => page.getByRole("alert").first().textContent(), { timeout: 15_000 }).toMatch(/not found/i);
    expect(await page.getByTestId("pipeline-live").count()).toBe(0);
  });
});

describe("the pipeline view at scale", () => {
  it("a pipeline of 50 steps and 5,000 events: every event counted, a few dozen rows in the page, the view still answers", async () => {
    const { page, errors } = await as(premium.user);
    const id = "pip_scale_demo_50";
    const steps = Array.from({ length: 50 }, (_, i) => ({
      id: `s${String(i).padStart(2, "0")}`, status: "succeeded", attempt: 1, worker: `worker-${i % 7}`,
      depends_on: i < 5 ? [] : [`s${String(i - 5).padStart(2, "0")}`, ...(i % 5 > 0 ? [`s${String(i - 6).padStart(2, "0")}`] : [])],
      estimate_micros: 1_000, queued: null, cost_micros: 1_000, error: null, skipped_reason: null, output_ref: null,
      started_at: Date.now() + i * 100, finished_at: Date.now() + i * 100 + 90, retry_at: null,
    }));
    const messages: object[] = [];
    const at = Date.now();
    const push = (type: string, payload: object) => messages.push({ seq: messages.length + 1, type, at: at + messages.length, payload });
    push("pipeline_created", { pipeline_id: id, template: "scale_demo", steps: steps.map((s) => s.id) });
    for (const s of steps) {
      const base = { step_id: s.id, attempt: 1, worker: s.worker };
      push("step_started", base);
      for (let done = 1; done <= 96; done++) push("step_progress", { ...base, done, total: 96 });
      push("step_succeeded", { ...base, cost_micros: 1_000, output_ref: null });
    }
    while (messages.length < 5_000) push("cost_updated", { cost_micros: messages.length });
    const summary = {
      pipeline_id: id, template: "scale_demo", client_id: premium.client_id, status: "running", reason: null, notes: [], cost_micros: 50_000,
      bytes_through_actor: 0, payload_bytes: 0, created_at: at, started_at: at, finished_at: null, steps,
      admission: { status: "held", amount_micros: 60_000 }, queue: null,
    };
    // The actor is played by the test: it answers the ticket and the socket itself.
    // Only the pipeline's ticket is the test's; the client's ledger socket gets a real one.
    await page.route("**/live/tickets", (route) => {
      const asked = route.request().postDataJSON() as { party?: string };
      if (asked?.party !== "pipeline-actor") return route.continue();
      return route.fulfill({ status: 201, contentType: "application/json", body: JSON.stringify({ ticket: "lt_scaletest", expires_at: Date.now() + 60_000, party: "pipeline-actor", name: id }) });
    });
    await page.routeWebSocket(/\/parties\/pipeline-actor\//, (ws) => {
      for (const m of messages) ws.send(JSON.stringify(m));
      ws.send(JSON.stringify({ seq: 5_000, type: "snapshot", at: Date.now(), payload: summary }));
    });
    await page.goto(`/dashboard/pipelines/${id}`);
    await expect.poll(() => page.getByTestId("event-count").getAttribute("data-last-seq"), { timeout: 30_000 }).toBe("5000");
    expect(await page.getByTestId("event-count").textContent()).toMatch(/^5000 events/);
    const seqs = (await page.evaluate((pid) => (window as any).aifDebug[`pipeline:${pid}`], id)) as number[];
    expect(seqs).toEqual(Array.from({ length: 5_000 }, (_, i) => i + 1));
    // Virtualised: the page holds a window of rows, not 5,000.
    const rows = await page.locator(".ev").count();
    expect(rows).toBeGreaterThan(5);
    expect(rows).toBeLessThan(100);
    expect(await page.locator("[data-testid^=dag-step-]").count()).toBe(50);
    expect(await page.locator("[data-testid^=dag-step-][data-status=succeeded]").count()).toBe(50);
    // Still answering: a click selects a step and its panel follows.
    await page.getByTestId("dag-step-s00").click();
    await expect.poll(() => page.getByTestId("step-panel").locator("h2").textContent()).toContain("s00");
    await page.getByTestId("dag-step-s17").click();
    await expect.poll(() => page.getByTestId("step-panel").locator("h2").textContent()).toContain("s17");
    await shot(page, "pipeline-50-steps-5000-events");
    expect(appErrors(errors)).toEqual([]);
  });
});

describe("the dashboard, for staff", () => {
  it("an admin pauses a running pipeline from the inspector, sees it paused live, resumes it and it completes", async () => {
    // A first step long enough to pause during it, however slow the machine.
    const id = await slowDemo(300, "pause me", 12_000);
    const { page, errors } = await as(admin);
    await page.goto(`/dashboard/inspect/${id}`);
    const status = () => page.getByTestId("inspector-status").locator("[data-status]").getAttribute("data-status");
    const stepStatus = (step: string) => page.locator(`[data-testid=inspector-step][data-step=${step}] [data-status]`).first().getAttribute("data-status");
    await expect.poll(status, { timeout: 15_000 }).toBe("running");
    await page.getByRole("button", { name: "Pause", exact: true }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Pause", exact: true }).click();
    await expect.poll(status, { timeout: 15_000 }).toBe("paused");
    await shot(page, "staff-inspector-paused");
    // Paused: the running step finishes, and nothing after it starts.
    await expect.poll(() => stepStatus("collect"), { timeout: 30_000 }).toBe("succeeded");
    expect(await status()).toBe("paused");
    expect(await stepStatus("analyse")).toBe("pending");
    expect(await stepStatus("enrich")).toBe("pending");
    await page.getByRole("button", { name: "Resume", exact: true }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Resume", exact: true }).click();
    await expect.poll(status, { timeout: 60_000 }).toBe("completed");
    expect(appErrors(errors)).toEqual([]);
  });

  it("an admin changes a pool's limit and sees the card change; adjusts a ledger and sees the balance change", async () => {
    const { page, errors } = await as(admin);
    await page.goto("/dashboard/pools");
    const card = page.getByTestId("pool-scripted");
    await expect.poll(() => card.getByTestId("pool-limit").textContent(), { timeout: 15_000 }).toMatch(/\d/);
    const before = (await card.getByTestId("pool-limit").textContent())!;
    const next = before.trim().startsWith("3") ? "5" : "3";
    await card.getByRole("button", { name: "Edit capacity" }).click();
    await card.getByLabel("Concurrency limit").fill(next);
    await card.getByRole("button", { name: "Save" }).click();
    await expect.poll(() => card.getByTestId("pool-limit").textContent(), { timeout: 15_000 }).toMatch(new RegExp(`^\\s*${next}\\b`));
    await shot(page, "staff-pools");

    // The standard client: no other test here runs anything for it, so only this adjustment moves its balance.
    await page.goto(`/dashboard/ledgers/${standard.client_id}`);
    const available = page.getByTestId("ledger-available");
    await expect.poll(() => available.textContent(), { timeout: 15_000 }).toMatch(/\$/);
    const dollars = async () => Number((await available.textContent())!.replace(/[^0-9.-]/g, ""));
    const start = await dollars();
    await page.getByLabel("Amount (USD)").fill("2.50");
    await page.getByLabel("Reason").fill("goodwill credit for a slow run");
    // A debit (positive, as the API takes it): available goes down by exactly $2.50, live.
    await page.getByRole("button", { name: "Apply adjustment" }).click();
    await expect.poll(dollars, { timeout: 15_000 }).not.toBe(start);
    expect(Math.round(((await dollars()) - start) * 100)).toBe(-250);
    await shot(page, "staff-ledger");
    expect(appErrors(errors)).toEqual([]);
  });

  it("staff assign and execute a pending request from the desk, and the client sees it complete", async () => {
    const created = await api("POST", "/requests", { request_type: "pipeline_execution", message: "Please prepare a research report on energy storage for our board", urgency_level: "high" });
    expect(created.status, JSON.stringify(created.body)).toBeLessThan(300);
    const requestId = (created.body.request_id ?? created.body.request?.request_id ?? created.body.id) as string;
    expect(requestId).toBeTruthy();
    const { page, errors } = await as(admin);
    await page.goto("/dashboard/desk");
    const row = page.getByTestId("desk-row").filter({ hasText: "energy storage for our board" });
    await row.waitFor({ timeout: 15_000 });
    await row.getByRole("button", { name: "Recommend" }).click();
    await row.getByTestId("desk-recommendation").waitFor({ timeout: 15_000 });
    await shot(page, "staff-desk");
    // The recommendation filled the form: the template, and the topic the analysis extracted.
    expect(await row.getByRole("combobox", { name: "Template" }).inputValue()).toBe("research_report");
    expect(await row.getByRole("textbox", { name: "Topic" }).inputValue()).toMatch(/energy storage/i);
    await row.getByRole("button", { name: "Assign" }).click();
    await expect.poll(() => row.getByRole("button", { name: "Execute" }).isEnabled(), { timeout: 15_000 }).toBe(true);
    await row.getByRole("button", { name: "Execute" }).click();
    await expect.poll(async () => (await api("GET", `/requests/${requestId}`)).body.request.status, { timeout: 15_000 }).not.toBe("pending");

    const client = await as(premium.user);
    await client.page.goto(`/dashboard/requests/${requestId}`);
    await expect.poll(() => client.page.getByTestId("pipeline-live").getAttribute("data-status"), { timeout: 60_000 }).toBe("completed");
    await shot(client.page, "client-request-completed");
    expect(appErrors(errors)).toEqual([]);
    expect(appErrors(client.errors)).toEqual([]);
  });

  it("support is offered no admin action, and the server refuses one sent directly", async () => {
    const { page } = await as(support);
    await page.goto("/dashboard/pools");
    await page.getByTestId("pool-scripted").waitFor({ timeout: 15_000 });
    expect(await page.getByRole("button", { name: "Edit capacity" }).count()).toBe(0);
    expect(await page.getByRole("button", { name: "Release" }).count()).toBe(0);
    await page.goto(`/dashboard/ledgers/${premium.client_id}`);
    await page.getByTestId("ledger-available").waitFor({ timeout: 15_000 });
    expect(await page.getByRole("button", { name: "Apply adjustment" }).count()).toBe(0);
    await page.goto("/dashboard/clients");
    await page.getByTestId("client-row").first().waitFor({ timeout: 15_000 });
    // The admin's "New client" (seen in the every-view test) is not offered to support.
    expect(await page.getByRole("button", { name: "New client" }).count()).toBe(0);
    await shot(page, "support-clients");
    // Sent directly with support's own session: refused.
    const refused = await page.evaluate(async () => {
      const res = await fetch("/admin/actors/pools/scripted", {
        method: "PUT", headers: { "Content-Type": "application/json", "x-bitware-session-token": localStorage.getItem("aif.session") ?? "" },
        body: JSON.stringify({ max_concurrent: 9 }),
      });
      return { status: res.status, body: await res.json() };
    });
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe("forbidden");
  });
});

describe("every view", () => {
  const clientViews = ["/", "/requests", "/requests?new=1", "/run", "/deliverables"];
  const staffViews = ["/pipelines", "/desk", "/pools", "/ledgers", "/clients", "/economy", "/health"];

  /** Opens each view, waits for its content, and checks the page itself never scrolls sideways. */
  async function visit(tab: UserTab, views: string[], prefix: string, width: number) {
    for (const view of views) {
      await tab.page.goto(`/dashboard${view}`);
      await tab.page.locator("main h1").first().waitFor({ timeout: 15_000 });
      // Loaded: no "Loading…" line left (each view fetches on open).
      await expect.poll(() => tab.page.locator(".loading").count(), { timeout: 15_000 }).toBe(0);
      const overflow = await tab.page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      expect(overflow, `${view} at ${width} px scrolls sideways by ${overflow} px`).toBeLessThanOrEqual(0);
      await shot(tab.page, `${prefix}${view.replace(/[/?=]+/g, "-").replace(/^-|-$/g, "") || "home"}-${width}`);
    }
  }

  it("opens every client and staff view, on a wide screen and a 390 px phone, with no console error and no sideways scroll", async () => {
    for (const width of [1280, 390]) {
      const client = await as(premium.user, width);
      await visit(client, clientViews, "view-client-", width);
      const staff = await as(admin, width);
      await visit(staff, staffViews, "view-staff-", width);
      // What the support test checks is absent is here for an admin.
      await staff.page.goto("/dashboard/clients");
      await staff.page.getByRole("button", { name: "New client" }).waitFor({ timeout: 15_000 });
      expect(appErrors(client.errors)).toEqual([]);
      expect(appErrors(staff.errors)).toEqual([]);
    }
  });
});

