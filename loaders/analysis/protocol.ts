import { lrr } from "./lrr.ts";
import { nap, pnd, tau } from "./nonoverlap.ts";
import { piecewiseRegression, type PiecewiseResult } from "./piecewise.ts";
import { randomizationTest, type RandomizationResult } from "./randomization.ts";
import { smd } from "./smd.ts";
import { phaseSummary, type PhaseSummary } from "./summary.ts";
import { tauU } from "./tau-u.ts";
import type { Direction, EffectSize } from "./types.ts";

/** One observed day of a protocol's primary outcome. Days without events are absent, never zero. */
export interface SeriesPoint {
  /** YYYY-MM-DD */
  date: string;
  /** Days since the protocol's first day: the time axis, so missing days keep their place. */
  day: number;
  value: number;
  phaseLabel: string;
  phaseType: string;
}

/** A phase's descriptive statistics; a phase without observations has n = 0 and null statistics. */
export type PhaseSummaryRow = { label: string; type: string } & (
  PhaseSummary | { n: 0; mean: null; median: null; sd: null; min: null; max: null; slope: null }
);

export interface ProtocolAnalysis {
  effects: { name: string; estimate: number; se?: number; ci?: [number, number] }[];
  randomization: RandomizationResult & { design: "AB" | "ABAB"; statistic: string };
  piecewise: PiecewiseResult;
  interpretation: string;
}

export interface AnalyzeOptions {
  direction?: Direction;
  /** Seed of the Monte Carlo randomization test, so the numbers are reproducible. */
  seed?: number;
  samples?: number;
  /** Shortest admissible phase in the randomization test (the design's own minimum). */
  minPhaseLength?: number;
}

/** Baseline phases are "A"; every intervention (and washout-free treatment) phase is "B". */
export const abOf = (phaseType: string): "A" | "B" => (phaseType === "BASELINE" ? "A" : "B");

/**
 * Summarises each phase of a series: one row per planned phase, in the given order (a phase without observed days
 * gets n = 0), then any label the plan lacks. Without a plan, one row per label in order of first appearance. A
 * label that recurs after another phase is pooled into one row.
 */
export function summarizePhases(
  series: readonly Pick<SeriesPoint, "value" | "phaseLabel" | "phaseType">[],
  planned: readonly { label: string; type: string }[] = [],
): PhaseSummaryRow[] {
  const phases = new Map(planned.map((p) => [p.label, p.type]));
  for (const p of series) if (!phases.has(p.phaseLabel)) phases.set(p.phaseLabel, p.phaseType);
  return [...phases].map(([label, type]) => {
    const values = series.filter((p) => p.phaseLabel === label).map((p) => p.value);
    if (values.length === 0)
      return { label, type, n: 0, mean: null, median: null, sd: null, min: null, max: null, slope: null };
    return { label, type, ...phaseSummary(values) };
  });
}

/**
 * The single-case comparison of one protocol's series: effect sizes of all baseline versus all intervention days, a
 * randomization test on the phase start points and the piecewise regression. The per-phase summaries are
 * `summarizePhases`, kept apart because they exist even when a comparison cannot be made. `labbook analyze` and the
 * experiment pages both get these numbers from one `analyzeProtocols` call per pin set.
 */
export function analyzeSeries(series: SeriesPoint[], options: AnalyzeOptions = {}): ProtocolAnalysis {
  const direction = options.direction ?? "increase";
  const values = series.map((p) => p.value);
  const ab = series.map((p) => abOf(p.phaseType));
  const a = values.filter((_, i) => ab[i] === "A");
  const b = values.filter((_, i) => ab[i] === "B");

  const effect = (name: string, e: EffectSize) => ({ name, estimate: e.estimate, se: e.se, ci: e.ci });
  const effects = [
    effect("NAP", nap(a, b, { direction })),
    effect("Tau", tau(a, b, { direction })),
    effect("Tau-U", tauU(a, b, { direction })),
    effect("PND", pnd(a, b, { direction })),
    effect("SMD", smd(a, b, { direction, stdDev: "baseline", biasCorrect: true })),
    effect(direction === "increase" ? "LRRi" : "LRRd", lrr(a, b, { direction })),
  ];

  const runs = ab.filter((x, i) => i === 0 || x !== ab[i - 1]).join("");
  const design = runs === "ABAB" ? "ABAB" : "AB";
  const statistic = design === "ABAB" ? "PA-PB" : "mean B-A";
  const randomization = {
    design,
    statistic,
    ...randomizationTest(values, ab, {
      design,
      statistic,
      direction,
      minPhaseLength: options.minPhaseLength ?? 5,
      samples: options.samples ?? 2000,
      seed: options.seed ?? 1,
    }),
  } as ProtocolAnalysis["randomization"];

  const piecewise = piecewiseRegression(values, ab, { time: series.map((p) => p.day) });
  return {
    effects,
    randomization,
    piecewise,
    interpretation: interpret(a, b, effects, randomization, direction),
  };
}

function interpret(
  a: number[],
  b: number[],
  effects: ProtocolAnalysis["effects"],
  test: ProtocolAnalysis["randomization"],
  direction: Direction,
): string {
  const mean = (v: number[]) => v.reduce((s, x) => s + x, 0) / v.length;
  const diff = mean(b) - mean(a);
  const napE = effects.find((e) => e.name === "NAP")!;
  const better = direction === "increase" ? diff > 0 : diff < 0;
  const ci = napE.ci
    ? ` (NAP ${napE.estimate.toFixed(2)}, 95% CI ${napE.ci[0].toFixed(2)}–${napE.ci[1].toFixed(2)})`
    : "";
  const p = test.p < 0.001 ? "p < 0.001" : `p = ${test.p.toFixed(3)}`;
  const verdict =
    test.p < 0.05 && better
      ? "a difference this large is unlikely if the intervention had no effect"
      : "the data are compatible with no intervention effect";
  return (
    `Over ${a.length} baseline and ${b.length} intervention days the daily outcome was ${Math.abs(diff).toFixed(1)} ` +
    `points ${diff >= 0 ? "higher" : "lower"} during intervention${ci}; the randomization test gives ${p}, so ${verdict}.`
  );
}
