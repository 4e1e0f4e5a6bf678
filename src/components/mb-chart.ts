import * as Plot from "@observablehq/plot";
import type { ProtocolPage } from "../../loaders/site/experiments.ts";
import { phaseTypes } from "./phase-chart.js";

const DAY = 86_400_000;
const date = (iso: string) => new Date(`${iso}T00:00:00Z`);

/**
 * The classic figure of a multiple-baseline design across participants: one panel per participant, stacked in the
 * order their interventions start, on one shared time axis, each with its own phase bands and a dashed line where
 * its phase changes, so the staggered starts read as a staircase. Days without events are gaps, never zeros.
 */
export function mbChart(page: ProtocolPage, options: { width?: number } = {}): SVGSVGElement | HTMLElement {
  const mb = page.multipleBaseline!;
  const order = mb.participants.map((p) => p.participant);
  const points = mb.participants.flatMap((p) =>
    p.series.map((s) => ({ ...s, participant: p.participant, date: date(s.date) })),
  );
  const lastDay = points.length ? Math.max(...points.map((p) => +p.date)) + DAY : Date.now();
  const bands = mb.participants.flatMap((p) =>
    p.phases.map((ph) => ({
      ...ph,
      participant: p.participant,
      start: date(ph.start),
      end: ph.end ? date(ph.end) : new Date(Math.max(lastDay, +date(ph.start) + DAY)),
    })),
  );
  // A phase change: every phase start of a participant after their first.
  const changes = bands.filter((b, i) => i > 0 && bands[i - 1]!.participant === b.participant);
  const line = mb.participants.flatMap((p) => withGaps(points.filter((s) => s.participant === p.participant)));
  return Plot.plot({
    width: options.width,
    height: 40 + 130 * order.length,
    marginTop: 30,
    marginRight: 110,
    className: "labbook-mb-figure",
    x: { type: "utc", label: null },
    y: { label: `${page.protocol.primaryOutcome} (daily mean)`, grid: true, nice: true },
    fy: { domain: order, label: "participant" },
    color: { legend: true, domain: phaseTypes(bands.map((b) => b.type)) },
    marks: [
      Plot.frame({ strokeOpacity: 0.2 }),
      Plot.rectX(bands, {
        x1: "start",
        x2: "end",
        fy: "participant",
        fill: "type",
        fillOpacity: 0.15,
        title: (d) => d.label,
      }),
      Plot.ruleX(changes, {
        x: "start",
        fy: "participant",
        stroke: "currentColor",
        strokeWidth: 1.5,
        strokeDasharray: "4,3",
      }),
      Plot.lineY(line, {
        x: "date",
        y: "value",
        fy: "participant",
        z: "phaseLabel",
        stroke: "currentColor",
        strokeOpacity: 0.6,
      }),
      Plot.dot(points, {
        x: "date",
        y: "value",
        fy: "participant",
        fill: "phaseType",
        stroke: "currentColor",
        strokeWidth: 0.5,
        r: 3,
        tip: true,
        title: (d) =>
          `${d.participant} · ${d.date.toISOString().slice(0, 10)} · ${d.phaseLabel}\n${d.value.toFixed(1)} (${d.events} events)`,
      }),
    ],
  });
}

function withGaps<T extends { date: Date; phaseLabel: string; value: number }>(points: T[]): T[] {
  const out: T[] = [];
  points.forEach((p, i) => {
    const prev = points[i - 1];
    if (prev && prev.phaseLabel === p.phaseLabel && +p.date - +prev.date > DAY)
      out.push({ ...prev, date: new Date(+prev.date + DAY), value: NaN });
    out.push(p);
  });
  return out;
}
