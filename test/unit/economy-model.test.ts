import { describe, expect, it } from "vitest";
import { atLine, criticalPath, fitLine, mape, median, predictUnits, quantile, ridge } from "../../src/economy/model";

describe("economy model", () => {
  it("fits cost against input size, never with a negative slope or intercept", () => {
    const line = fitLine([1, 2, 3, 4].map((x) => ({ x, y: 100 + 20 * x })))!;
    expect(line.a).toBeCloseTo(100);
    expect(line.b).toBeCloseTo(20);
    expect(atLine(line, 10)).toBeCloseTo(300);
    // More input never costs less: a falling trend is flat at the mean.
    expect(fitLine([{ x: 1, y: 10 }, { x: 2, y: 5 }])).toEqual({ a: 7.5, b: 0, n: 2 });
    // One size: the mean. None: nothing to say.
    expect(fitLine([{ x: 3, y: 4 }, { x: 3, y: 6 }])).toEqual({ a: 5, b: 0, n: 2 });
    expect(fitLine([])).toBeNull();
    // A line through negative intercept passes through the origin instead.
    const origin = fitLine([{ x: 10, y: 10 }, { x: 20, y: 30 }])!;
    expect(origin.a).toBe(0);
    expect(atLine(origin, 0)).toBe(0);
  });

  it("predicts a step's input size: same parameters first, then a power law over the parameters that vary", () => {
    const history = [];
    for (const feeds of [2, 3, 4, 6]) for (const perFeed of [2, 5, 8]) history.push({ features: { max_feeds: feeds, per_feed: perFeed, fixed: 1 }, units: feeds * perFeed });
    // Not seen: the power law (articles ∝ feeds × per feed) extrapolates within a few percent.
    expect(predictUnits(history, { max_feeds: 5, per_feed: 4, fixed: 1 })! / 20).toBeCloseTo(1, 1);
    // Seen twice: their median, exactly.
    const repeated = [...history, { features: { max_feeds: 5, per_feed: 4, fixed: 1 }, units: 19 }, { features: { max_feeds: 5, per_feed: 4, fixed: 1 }, units: 21 }];
    expect(predictUnits(repeated, { max_feeds: 5, per_feed: 4, fixed: 1 })).toBe(20);
    // Too few runs for a fit: the median; none: unknown.
    expect(predictUnits(history.slice(0, 2), { max_feeds: 9, per_feed: 9, fixed: 1 })).toBe(median([4, 10]));
    expect(predictUnits([], { max_feeds: 1 })).toBeNull();
  });

  it("solves ridge least squares, refusing a singular system", () => {
    const beta = ridge([[1, 0], [1, 1], [1, 2]], [1, 3, 5], 0)!;
    expect(beta[0]).toBeCloseTo(1);
    expect(beta[1]).toBeCloseTo(2);
    expect(ridge([[1, 1], [1, 1]], [1, 2], 0)).toBeNull();
  });

  it("takes the critical path of a DAG, quantiles and the mean absolute percentage error", () => {
    expect(criticalPath([
      { id: "a", dependsOn: [], ms: 100 }, { id: "b", dependsOn: ["a"], ms: 50 }, { id: "c", dependsOn: ["a"], ms: 200 }, { id: "d", dependsOn: ["b", "c"], ms: 10 },
    ])).toBe(310);
    expect(criticalPath([])).toBe(0);
    expect(quantile([1, 2, 3, 4, 5], 0.5)).toBe(3);
    expect(quantile([1, 2], 0.25)).toBe(1.25);
    expect(mape([{ predicted: 110, actual: 100 }, { predicted: 90, actual: 100 }, { predicted: 5, actual: 0 }])).toBeCloseTo(10);
    expect(mape([])).toBeNull();
  });
});
