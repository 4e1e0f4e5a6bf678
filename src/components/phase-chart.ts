import * as Plot from "@observablehq/plot";
import type { ProtocolPage } from "../../loaders/site/experiments.ts";

const DAY = 86_400_000;
const date = (iso: string) => new Date(`${iso}T00:00:00Z`);

export interface PhaseChartOptions {
  width?: number;
  height?: number;
  /** Extra marks drawn over the series (e.g. fitted regression lines); x is a Date, y the outcome. */
  marks?: Plot.Markish[];
}

/**
 * A protocol's daily outcome with its phases as shaded bands. Days without events are gaps: the line breaks there
 * and no dot is drawn, so a missing day never reads as zero.
 */
export function phaseChart(page: ProtocolPage, options: PhaseChartOptions = {}): SVGSVGElement | HTMLElement {
  const points = page.series.map((p) => ({ ...p, date: date(p.date) }));
  const lastDay = points.length ? +points[points.length - 1]!.date + DAY : Date.now();
  const bands = page.phases.map((ph) => ({
    ...ph,
    start: date(ph.start),
    // An open phase runs to the last observed day; at least one day when the data ends before it starts.
    end: ph.end ? date(ph.end) : new Date(Math.max(lastDay, +date(ph.start) + DAY)),
  }));
  // One entry per calendar day with NaN on missing days: Plot breaks a line at a non-finite value.
  const line = withGaps(points);
  return Plot.plot({
    width: options.width,
    height: options.height ?? 320,
    marginTop: 40,
    x: { type: "utc", label: null },
    y: { label: `${page.protocol.primaryOutcome} (daily mean)`, grid: true, nice: true },
    // Only the phase types this design has, in the usual order (then any other).
    color: { legend: true, domain: phaseTypes(page.phases.map((ph) => ph.type)) },
    marks: [
      Plot.rectX(bands, { x1: "start", x2: "end", fill: "type", fillOpacity: 0.15, title: (d) => d.label }),
      Plot.ruleX(bands.slice(1), { x: "start", stroke: "currentColor", strokeOpacity: 0.4, strokeDasharray: "3,3" }),
      Plot.text(bands, {
        x: (d) => new Date((+d.start + +d.end) / 2),
        frameAnchor: "top",
        dy: -14,
        text: "label",
        fontSize: 10,
      }),
      Plot.lineY(line, { x: "date", y: "value", z: "phaseLabel", stroke: "currentColor", strokeOpacity: 0.6 }),
      Plot.dot(points, {
        x: "date",
        y: "value",
        fill: "phaseType",
        stroke: "currentColor",
        strokeWidth: 0.5,
        r: 3.5,
        tip: true,
        title: (d) =>
          `${d.date.toISOString().slice(0, 10)} · ${d.phaseLabel}\n${d.value.toFixed(1)} (${d.events} events)`,
      }),
      ...(options.marks ?? []),
    ],
  });
}

function withGaps<T extends { date: Date; phaseLabel: string }>(points: T[]): (Omit<T, "value"> & { value: number })[] {
  const out: (Omit<T, "value"> & { value: number })[] = [];
  points.forEach((p, i) => {
    const prev = points[i - 1];
    if (prev && prev.phaseLabel === p.phaseLabel && +p.date - +prev.date > DAY)
      out.push({ ...prev, date: new Date(+prev.date + DAY), value: NaN });
    out.push(p as T & { value: number });
  });
  return out;
}

const TYPE_ORDER = ["BASELINE", "INTERVENTION_A", "INTERVENTION_B", "WASHOUT"];

/** The distinct phase types, known ones in TYPE_ORDER and then the others as they come. */
export function phaseTypes(types: readonly string[]): string[] {
  const present = new Set(types);
  return [...TYPE_ORDER.filter((t) => present.has(t)), ...[...present].filter((t) => !TYPE_ORDER.includes(t))];
}
