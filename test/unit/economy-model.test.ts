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
    // Not seen: the power law (articles ∝ feeds × per feed) interpolates within a few percent.
    const fit = predictUnits(history, { max_feeds: 5, per_feed: 4, fixed: 1 })!;
    expect(fit.units / 20).toBeCloseTo(1, 1);
    expect(fit.extrapolated).toBe(false);
    // Seen twice: their median, exactly.
    const repeated = [...history, { features: { max_feeds: 5, per_feed: 4, fixed: 1 }, units: 19 }, { features: { max_feeds: 5, per_feed: 4, fixed: 1 }, units: 21 }];
    expect(predictUnits(repeated, { max_feeds: 5, per_feed: 4, fixed: 1 })).toEqual({ units: 20, extrapolated: false });
    // Too few runs for a fit: the median; none: unknown.
    expect(predictUnits(history.slice(0, 2), { max_feeds: 2, per_feed: 4, fixed: 1 })!.units).toBe(median([4, 10]));
    expect(predictUnits([], { max_feeds: 1 })).toBeNull();
  });

  it("does not extrapolate the fit: beyond what history saw, counts scale in proportion and the answer says so", () => {
    // History always ran 8 feeds (a default few clients may change): 25 asked scales 25/8, not the median of 8-feed runs.
    const constant = [40, 42, 44, 46].map((units, i) => ({ features: { max_feeds: 8, per_feed: 5 + i }, units }));
    const wide = predictUnits(constant, { max_feeds: 25, per_feed: 6 })!;
    expect(wide.extrapolated).toBe(true);
    expect(wide.units).toBeCloseTo(42 * 25 / 8, 0);
    // Far outside a varying range: linear beyond the largest seen, not the fit's exponent.
    const linear = [1, 2, 3, 4].map((a) => ({ features: { a }, units: 10 * a }));
    const far = predictUnits(linear, { a: 1000 })!;
    expect(far.extrapolated).toBe(true);
    expect(far.units / 10_000).toBeCloseTo(1, 1);
    // A fraction outside the range (a quality bar) is read at the nearest seen value, unscaled.
    const quality = [0.5, 0.6, 0.7].flatMap((q) => [{ features: { q }, units: 10 }, { features: { q }, units: 12 }]);
    expect(predictUnits(quality, { q: 0.9 })).toEqual({ units: 11, extrapolated: true });
    // Negative or non-finite parameters count as 0, never NaN.
    expect(Number.isFinite(predictUnits(linear, { a: -5 })!.units)).toBe(true);
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
