import { describe, expect, it } from "vitest";

/** The source, as text (Vite's glob import): rules of the layout that no behaviour test can see. */
const sources = import.meta.glob("../../src/**/*.ts", { query: "?raw", import: "default", eager: true }) as Record<string, string>;
const files = (under: string) => Object.entries(sources).filter(([path]) => path.startsWith(`../../src/${under}`));

describe("the source's layout rules", () => {
  it("reads the source it checks", () => {
    expect(files("actors/").length).toBeGreaterThan(20);
    expect(files("workers/").length).toBeGreaterThan(10);
  });

  it("the worker harness and the workers import nothing from the router", () => {
    for (const [path, text] of [...files("workers/"), ...files("lib/")]) expect(text, path).not.toMatch(/from "(\.\.\/)+router\//);
  });

  it("an actor's alarm is written in one place (AlarmClock), and no actor keeps an interval timer", () => {
    for (const [path, text] of files("actors/")) {
      if (!path.endsWith("shared/alarm-clock.ts")) expect(text, path).not.toMatch(/\b(setAlarm|deleteAlarm)\(/);
      expect(text, path).not.toMatch(/\bsetInterval\(/);
    }
  });
});
