/**
 * The API reference at /docs in a real browser against the real local stack: Swagger UI, served
 * from the Worker's assets, renders the document the Worker serves at /openapi.json, under the
 * page's own security policy, and sends nothing beyond this origin.
 */
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DemoClients } from "../../src/seed/demo-data";
import { appErrors, launchBrowser, shot } from "./browser";
import { LocalStack } from "./local-stack";

const premium = DemoClients.find((c) => c.tier === "premium")!;

let stack: LocalStack;
let browser: Browser;
let context: BrowserContext;

beforeAll(async () => {
  stack = await LocalStack.seeded();
  browser = await launchBrowser();
});

afterAll(async () => {
  await context?.close().catch(() => {});
  await browser?.close();
  await stack?.dispose();
});

/** The operation block for `method path`, as Swagger UI renders it. */
function operation(page: Page, method: string, path: string) {
  return page.locator(`.opblock-${method.toLowerCase()}`).filter({ has: page.locator(`.opblock-summary-path[data-path="${path}"]`) });
}

describe("the API reference (/docs)", () => {
  it("renders /openapi.json offline: the title and operations, one opened and tried with an API key, with no console error, no policy violation and no request off this origin", async () => {
    context = await browser.newContext({ viewport: { width: 1280, height: 800 }, baseURL: stack.origin });
    // Offline: every request that leaves this origin is refused and remembered.
    const offsite: string[] = [];
    await context.route(() => true, (route) => {
      if (new URL(route.request().url()).origin === stack.origin) return route.fallback();
      offsite.push(route.request().url());
      return route.abort();
    });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on("console", (m) => { if (m.type() === "error") errors.push(`console: ${m.text()}`); });
    page.on("pageerror", (e) => errors.push(`page error: ${e.message}`));
    // A violation also reaches the console, but the event names the directive.
    await page.addInitScript(() => document.addEventListener("securitypolicyviolation", (e) => console.error(`CSP violation: ${e.effectiveDirective} ${e.blockedURI}`)));

    // /docs answers with the page at /docs/, under the policy public/_headers gives it.
    const response = await page.goto("/docs");
    expect(page.url()).toBe(`${stack.origin}/docs/`);
    const policy = (await response!.allHeaders())["content-security-policy"];
    expect(policy).toContain("script-src 'self';");
    expect(policy).toContain("connect-src 'self';");
    expect(policy).not.toContain("'unsafe-");
    expect(await page.title()).toBe("AI Factory API");

    // Swagger UI parses and resolves the whole document first: seconds on a busy two-core machine.
    await operation(page, "POST", "/orchestrate").waitFor({ timeout: 30_000 });
    expect(await page.locator(".info .title").textContent()).toContain("AI Factory API");
    for (const [method, path] of [["POST", "/orchestrate"], ["GET", "/pipeline/{id}"], ["POST", "/requests"], ["GET", "/health"], ["POST", "/auth/login"]] as const) {
      expect(await operation(page, method, path).count(), `${method} ${path}`).toBe(1);
    }
    expect(await page.getByRole("navigation", { name: "Site" }).getByRole("link", { name: "Dashboard" }).getAttribute("href")).toBe("/dashboard/");
    await shot(page, "api-docs");

    // The reader signs in with an API key under "Authorize"…
    await page.getByRole("button", { name: "Authorize" }).first().click();
    const apiKey = page.locator(".auth-container").filter({ hasText: "X-API-Key" });
    await apiKey.locator("input").fill(premium.api_key.key);
    await apiKey.getByRole("button", { name: "Apply credentials" }).click();
    await page.locator(".modal-ux").getByRole("button", { name: "Close" }).first().click();

    // …opens GET /pipeline/{id}, tries it, and the API answers past authentication: a 404 for an unknown run, not a 401.
    const op = operation(page, "GET", "/pipeline/{id}");
    await op.locator(".opblock-summary").click();
    await op.getByRole("button", { name: "Try it out" }).click();
    await op.locator("tr[data-param-name=id] input").fill("pip_docs_unknown");
    const [request] = await Promise.all([
      page.waitForRequest((r) => new URL(r.url()).pathname === "/pipeline/pip_docs_unknown"),
      op.getByRole("button", { name: "Execute" }).click(),
    ]);
    expect(request.headers()["x-api-key"]).toBe(premium.api_key.key);
    await expect.poll(() => op.locator(".live-responses-table .response .response-col_status").first().textContent()).toContain("404");
    expect(await op.locator(".live-responses-table .response .response-col_description").first().textContent()).toContain("not_found");

    expect(offsite).toEqual([]);
    // The one error the page may log: the browser reporting the 404 the test asked for.
    expect(appErrors(errors, [/status of 404/])).toEqual([]);
  });
});
