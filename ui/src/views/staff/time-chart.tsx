import { useEffect, useRef } from "react";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import "./staff.css";

export interface ChartSeries {
  label: string;
  color: string;
  /** How a value reads in the legend. */
  format?: (value: number) => string;
  /** Draw on the right-hand axis. */
  right?: boolean;
}

/**
 * A time series chart (uPlot): `data[0]` is the x values in seconds since the epoch, then one
 * array per series. It sizes itself to its container.
 */
export function TimeChart({ data, series, height = 180, label, bars = false, yMax, minSpan = 0 }: {
  data: (number | null)[][]; series: ChartSeries[]; height?: number; label: string; bars?: boolean;
  /** A fixed top for the left axis (100 for a percentage); otherwise it follows the data. */
  yMax?: number;
  /** The shortest span the x axis shows, in seconds (0: the data's own). */
  minSpan?: number;
}) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const shape = series.map((s) => `${s.label}${s.right ? "r" : ""}`).join("|");

  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const hasRight = series.some((s) => s.right);
    const opts: uPlot.Options = {
      width: Math.max(200, el.clientWidth),
      height,
      scales: {
        // At least `minSpan` seconds, so a few points do not stretch over the whole width.
        x: { time: true, ...(minSpan > 0 ? { range: (_u: uPlot, min: number, max: number): uPlot.Range.MinMax => [Math.min(min, max - minSpan), max] } : {}) },
        y: { range: (_u, _min, max) => [0, yMax ?? (max > 0 ? max * 1.15 : 1)] },
        ...(hasRight ? { r: { range: (_u: uPlot, _min: number, max: number): uPlot.Range.MinMax => [0, Math.max(1, Math.ceil(max * 1.15))] } } : {}),
      },
      axes: [
        {},
        { size: 56, values: (_u, ticks) => ticks.map((t) => (series.find((s) => !s.right)?.format ?? String)(t)) },
        ...(hasRight ? [{ side: 1, scale: "r", size: 56, grid: { show: false }, values: (_u: uPlot, ticks: number[]) => ticks.map((t) => (series.find((s) => s.right)?.format ?? String)(t)) }] : []),
      ],
      series: [
        {},
        ...series.map((s) => ({
          label: s.label, stroke: s.color, width: 2, scale: s.right ? "r" : "y",
          fill: bars ? `${s.color}55` : undefined,
          ...(bars ? { paths: uPlot.paths.bars!({ size: [0.6, 40] }) } : {}),
          value: (_u: uPlot, v: number | null) => (v === null ? "—" : (s.format ?? String)(v)),
        })),
      ],
    };
    const u = new uPlot(opts, data as uPlot.AlignedData, el);
    plot.current = u;
    const resize = new ResizeObserver(() => u.setSize({ width: Math.max(200, el.clientWidth), height }));
    resize.observe(el);
    return () => { resize.disconnect(); u.destroy(); plot.current = null; };
    // Rebuilt only when the series change; data goes through setData below.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [shape, height, bars, yMax]);

  useEffect(() => {
    plot.current?.setData(data as uPlot.AlignedData);
  }, [data]);

  return <div ref={box} className="chart" role="img" aria-label={label} />;
}
