import { describe, expect, it } from "vitest";
import { findThemes } from "../../src/ai/themes";
import { keyPoints, topSentences } from "../../src/ai/text";

const doc = (title: string, text: string) => ({ title, text });

describe("themes of a set of articles", () => {
  const docs = [
    doc("Sodium-ion cells enter budget cars", "Sodium-ion cells use no lithium. Cycles are never a problem, the maker says. The GPU maker was not involved. Reporters found the line near Gdańsk."),
    doc("A sodium-ion plant opens in Gdańsk", "The sodium-ion line ships its first cells. Cycles are never counted twice. Analysts found demand strong."),
    doc("Grid batteries and the evening peak", "Utilities cover the evening peak with four-hour batteries. Reporters found prices falling. The GPU shortage eased."),
    doc("Flow batteries cover the evening peak", "A flow battery covers the evening peak for ten hours. Analysts found the tanks cheap."),
  ];

  it("names themes by phrases of whole words: compounds whole, acronyms and title phrases, never function-word runs or lone common words", () => {
    const names = findThemes(docs, "energy storage", 6).map((t) => t.name);
    expect(names).toContain("Sodium-ion");
    expect(names).toContain("Evening peak");
    expect(names).toContain("GPU");
    expect(names.some((n) => /cycles are never/i.test(n))).toBe(false);
    expect(names.some((n) => /^(found|ion)$/i.test(n))).toBe(false);
  });

  it("keeps two themes off the same articles", () => {
    const themes = findThemes(docs, "energy storage", 6);
    for (const a of themes) for (const b of themes) if (a !== b) expect(a.docs).not.toEqual(b.docs);
  });
});

describe("extractive sentences", () => {
  it("prefers a sentence that stands on its own over one that leans on the one before", () => {
    const text = "Grid storage doubled this year. It was driven by cheaper cells and longer contracts. Cheaper cells and longer contracts drove grid storage, analysts said.";
    expect(topSentences(text, "grid storage", 2)).toEqual(["Grid storage doubled this year.", "Cheaper cells and longer contracts drove grid storage, analysts said."]);
  });

  it("keeps key points whole when the text has short enough sentences", () => {
    const long = `Battery storage ${"grew again in every region that reported figures, ".repeat(6)}analysts said.`;
    const text = `${long} Battery storage prices fell by a fifth. Battery storage mandates spread to six states. Battery storage queues grew longer.`;
    const points = keyPoints(text, "battery storage", 3);
    expect(points).toHaveLength(3);
    for (const p of points) expect(p.endsWith("…")).toBe(false);
  });
});
