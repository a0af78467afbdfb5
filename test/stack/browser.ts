/**
 * The dashboard's end-to-end harness: Debian's Chromium (never a downloaded browser) driven by
 * playwright-core, one browser per test file and a fresh context per user. Every page's console
 * errors and uncaught exceptions are collected, so a test can require none. Screenshots of the
 * main views go to test/stack/out/ (not committed).
 */
import { mkdirSync } from "node:fs";
import path from "node:path";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
export const SHOTS = path.join(import.meta.dirname, "out");

/** Chromium without sandbox (CI containers), GPU, network chatter or first-run pages. */
export async function launchBrowser(): Promise<Browser> {
  return await chromium.launch({
    executablePath: CHROMIUM,
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"],
  });
}

/** A signed-in user's browser tab, with its console errors. */
export interface UserTab { context: BrowserContext; page: Page; errors: string[] }

/** Opens the dashboard in a new context and signs in through the form, as a person would. */
export async function signIn(browser: Browser, origin: string, email: string, password: string, width = 1280): Promise<UserTab> {
  const context = await browser.newContext({ viewport: { width, height: 900 }, acceptDownloads: true, baseURL: origin });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on("console", (m) => { if (m.type() === "error") errors.push(`console: ${m.text()}`); });
  page.on("pageerror", (e) => errors.push(`page error: ${e.message}`));
  await page.goto("/dashboard/");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("button", { name: "Sign out" }).waitFor();
  return { context, page, errors };
}

/** Saves a screenshot of the page as it is now (test/stack/out/<name>.png). */
export async function shot(page: Page, name: string): Promise<void> {
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
}

/** Console errors that come from the test's own doing (a refused action it provoked), not from the app. */
export function appErrors(errors: readonly string[], expected: RegExp[] = []): string[] {
  // The browser logs a failed resource load (a 4xx the test asked for) as a console error.
  return errors.filter((e) => !expected.some((x) => x.test(e)));
}
