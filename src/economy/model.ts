/**
 * The estimator's pure statistics: least-squares lines (cost and duration against input size),
 * a log-linear model of a step's input size against the run's numeric parameters, quantiles,
 * the DAG's critical path and the mean absolute percentage error. No I/O.
 */

/** y = a + b·x, fitted by least squares over `n` points. */
export interface Line { a: number; b: number; n: number }

/**
 * Fits y = a + b·x. With fewer than two distinct x (or a negative slope, which more input
 * cannot cause) the line is flat at the mean. Null without points.
 */
export function fitLine(points: readonly { x: number; y: number }[]): Line | null {
  const n = points.length;
  if (n === 0) return null;
  const mx = points.reduce((s, p) => s + p.x, 0) / n;
  const my = points.reduce((s, p) => s + p.y, 0) / n;
  let sxx = 0;
  let sxy = 0;
  for (const p of points) {
    sxx += (p.x - mx) ** 2;
    sxy += (p.x - mx) * (p.y - my);
  }
  if (sxx === 0 || sxy <= 0) return { a: my, b: 0, n };
  const b = sxy / sxx;
  const a = my - b * mx;
  // A negative intercept would predict negative cost for small inputs: pass through the origin instead.
  if (a < 0) return { a: 0, b: points.reduce((s, p) => s + p.x * p.y, 0) / points.reduce((s, p) => s + p.x * p.x, 0), n };
  return { a, b, n };
}

export function atLine(line: Line, x: number): number {
  return Math.max(0, line.a + line.b * x);
}

/** One earlier run of a step: the run's numeric parameters and the step's input size. */
export interface SizeSample { features: Readonly<Record<string, number>>; units: number }

/** A predicted input size, and whether the parameters asked for lie outside what history has seen. */
export interface UnitsPrediction { units: number; extrapolated: boolean }

/**
 * Predicts a step's input size from the run's numeric parameters, learned from earlier runs:
 * 1. runs with exactly these parameters (at least two): their median;
 * 2. enough runs: log(1 + units) = c + Σ βᵢ·log(1 + xᵢ) by ridge least squares over the
 *    parameters that vary in the history (a power law: articles ∝ feeds × articles per feed);
 * 3. otherwise the median of every run.
 * A parameter outside the range history has seen (or different from a value it never varied
 * from) is not extrapolated by the fit: the fit is read at the nearest seen value and, for
 * whole-number parameters (counts: feeds, articles, depth), scaled in proportion beyond it; the
 * answer says it extrapolated. Negative or non-finite values count as 0. Null without history.
 */
export function predictUnits(history: readonly SizeSample[], features: Readonly<Record<string, number>>): UnitsPrediction | null {
  if (history.length === 0) return null;
  const clean = (x: number | undefined) => (x !== undefined && Number.isFinite(x) ? Math.max(0, x) : 0);
  const names = Object.keys(features).filter((k) => history.every((h) => typeof h.features[k] === "number")).sort();
  const same = history.filter((h) => names.every((k) => h.features[k] === features[k]));
  if (same.length >= 2) return { units: median(same.map((h) => h.units)), extrapolated: false };
  // Each parameter read within the seen range; beyond it, a count scales the answer in proportion.
  let scale = 1;
  let extrapolated = false;
  const within: Record<string, number> = {};
  for (const k of names) {
    const seen = history.map((h) => clean(h.features[k]));
    const lo = Math.min(...seen);
    const hi = Math.max(...seen);
    const x = clean(features[k]);
    const nearest = Math.min(hi, Math.max(lo, x));
    within[k] = nearest;
    if (nearest !== x) {
      extrapolated = true;
      if (Number.isInteger(x) && Number.isInteger(nearest) && nearest > 0) scale *= x / nearest;
    }
  }
  const varying = names.filter((k) => new Set(history.map((h) => h.features[k])).size > 1);
  let units = median(history.map((h) => h.units));
  const close = history.filter((h) => names.every((k) => clean(h.features[k]) === within[k]));
  if (extrapolated && close.length >= 2) units = median(close.map((h) => h.units));
  else if (varying.length > 0 && history.length >= varying.length + 3) {
    const rows = history.map((h) => [1, ...varying.map((k) => Math.log1p(clean(h.features[k])))]);
    const beta = ridge(rows, history.map((h) => Math.log1p(h.units)), 1e-3);
    if (beta) {
      const x = [1, ...varying.map((k) => Math.log1p(within[k]!))];
      units = Math.max(0, Math.expm1(x.reduce((s, xi, i) => s + xi * beta[i]!, 0)));
    }
  }
  return { units: units * scale, extrapolated };
}

/** Solves (XᵀX + λI)β = Xᵀy (the intercept unpenalised) by Gaussian elimination; null if singular. */
export function ridge(x: readonly number[][], y: readonly number[], lambda: number): number[] | null {
  const k = x[0]?.length ?? 0;
  const m = Array.from({ length: k }, (_, i) => Array.from({ length: k + 1 }, (_, j) => {
    if (j === k) return x.reduce((s, row, r) => s + row[i]! * y[r]!, 0);
    return x.reduce((s, row) => s + row[i]! * row[j]!, 0) + (i === j && i > 0 ? lambda : 0);
  }));
  for (let c = 0; c < k; c++) {
    let pivot = c;
    for (let r = c + 1; r < k; r++) if (Math.abs(m[r]![c]!) > Math.abs(m[pivot]![c]!)) pivot = r;
    if (Math.abs(m[pivot]![c]!) < 1e-12) return null;
    [m[c], m[pivot]] = [m[pivot]!, m[c]!];
    for (let r = 0; r < k; r++) {
      if (r === c) continue;
      const f = m[r]![c]! / m[c]![c]!;
      for (let j = c; j <= k; j++) m[r]![j]! -= f * m[c]![j]!;
    }
  }
  return m.map((row, i) => row[k]! / row[i]!);
}

/** The q-quantile (0..1) by linear interpolation; NaN for no values. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

export function median(values: readonly number[]): number {
  return quantile(values, 0.5);
}

/** The longest path through a DAG of steps (each taking `ms`): a run's duration when steps run as soon as they can. */
export function criticalPath(steps: readonly { id: string; dependsOn: readonly string[]; ms: number }[]): number {
  const finish = new Map<string, number>();
  const byId = new Map(steps.map((s) => [s.id, s]));
  const visit = (id: string, seen: Set<string>): number => {
    const done = finish.get(id);
    if (done !== undefined) return done;
    const step = byId.get(id);
    if (!step || seen.has(id)) return 0;
    seen.add(id);
    const start = Math.max(0, ...step.dependsOn.map((d) => visit(d, seen)));
    finish.set(id, start + step.ms);
    return start + step.ms;
  };
  return Math.max(0, ...steps.map((s) => visit(s.id, new Set())));
}

/** Mean absolute percentage error (percent) of predictions against actuals; pairs with a zero actual are skipped. Null when none is left. */
export function mape(pairs: readonly { predicted: number; actual: number }[]): number | null {
  const usable = pairs.filter((p) => p.actual > 0);
  if (usable.length === 0) return null;
  return (usable.reduce((s, p) => s + Math.abs(p.predicted - p.actual) / p.actual, 0) / usable.length) * 100;
}
