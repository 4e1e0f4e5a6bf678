import { mean, median, variance } from "./_stats.ts";
import { statsError } from "./_validate.ts";
import { abOf, phaseRuns } from "./phases.ts";
import type { SeriesPoint } from "./protocol-types.ts";
import type { Direction } from "./types.ts";

/** One phase as the visual analysis sees it: a maximal run of days with one label. */
export interface VisualPhase {
  label: string;
  type: string;
  n: number;
  mean: number;
  median: number;
  /** SD (n − 1); null with one day. */
  sd: number | null;
  min: number;
  max: number;
  /** OLS slope against the day (points per day, missing days keep their place); null with one day. */
  slope: number | null;
}

/** A feature of one phase change: its numbers and a sentence saying what they show. */
export interface Feature<T> {
  value: T;
  text: string;
}

/** The five features the What Works Clearinghouse reads at each phase change. */
export interface PhaseChange {
  from: string;
  to: string;
  /** Change in the mean: later minus earlier. */
  level: Feature<{ from: number; to: number; change: number }>;
  /** Slopes of both phases (null for a one-day phase) and their difference. */
  trend: Feature<{ from: number | null; to: number | null; change: number | null }>;
  /** SDs of both phases (null for a one-day phase) and their ranges. */
  variability: Feature<{ from: number | null; to: number | null; rangeFrom: number; rangeTo: number }>;
  /** Mean of the first (up to) 3 days of the later phase minus the mean of the last (up to) 3 of the earlier one. */
  immediacy: Feature<{ lastFrom: number; firstTo: number; change: number; days: number }>;
  /** Share of the later phase's days inside the earlier phase's range [min, max]. */
  overlap: Feature<{ overlapping: number; n: number; share: number }>;
}

/** The features read at each phase change, in the order the What Works Clearinghouse lists them. */
export const CHANGE_FEATURES = ["level", "trend", "variability", "immediacy", "overlap"] as const;
export type ChangeFeature = (typeof CHANGE_FEATURES)[number];

export interface VisualAnalysis {
  phases: VisualPhase[];
  changes: PhaseChange[];
  /** The sixth feature: whether similar phases look alike and every change moves the level the expected way. */
  consistency: Feature<{ baselineMeans: number[]; interventionMeans: number[]; consistent: boolean }>;
}

const IMMEDIACY_DAYS = 3;

/**
 * The visual-analysis aids of the What Works Clearinghouse (Kratochwill et al. 2010, Single-Case Design Technical
 * Documentation): level, trend, variability, immediacy and overlap at each phase change, and the consistency of
 * similar phases, each with a sentence. Phases are the maximal runs of a label, in day order. Immediacy compares the
 * last three days of a phase with the first three of the next (fewer when a phase is shorter); overlap counts the
 * later phase's days inside the earlier phase's range. Consistency asks that every baseline-to-intervention change
 * move the level in the expected direction and every withdrawal move it back.
 */
export function visualAnalysis(
  series: readonly SeriesPoint[],
  options: { direction?: Direction } = {},
): VisualAnalysis {
  const fn = "visualAnalysis";
  if (series.length === 0) throw statsError(fn, "the series is empty");
  series.forEach((p, i) => {
    if (!Number.isFinite(p.value))
      throw statsError(fn, `day ${p.day} has a non-finite value (${String(p.value)}) at index ${i}`);
    if (i > 0 && p.day <= series[i - 1]!.day)
      throw statsError(fn, `the days are not increasing at index ${i} (day ${p.day})`);
  });
  const direction = options.direction ?? "increase";
  const runs = phaseRuns(series.map((p) => p.phaseLabel)).map((r) => series.slice(r.start, r.end));
  const phases = runs.map(describe);
  const changes = phases.slice(1).map((to, k) => change(phases[k] as VisualPhase, to, runs[k]!, runs[k + 1]!));
  return { phases, changes, consistency: consistency(phases, changes, direction) };
}

function describe(days: readonly SeriesPoint[]): VisualPhase {
  const values = days.map((d) => d.value);
  const n = values.length;
  return {
    label: days[0]!.phaseLabel,
    type: days[0]!.phaseType,
    n,
    mean: mean(values),
    median: median(values),
    sd: n < 2 ? null : Math.sqrt(variance(values)),
    min: Math.min(...values),
    max: Math.max(...values),
    slope: n < 2 ? null : slopeOverDays(days),
  };
}

function slopeOverDays(days: readonly SeriesPoint[]): number {
  const tBar = mean(days.map((d) => d.day));
  const yBar = mean(days.map((d) => d.value));
  let sxy = 0;
  let sxx = 0;
  for (const d of days) {
    sxy += (d.day - tBar) * (d.value - yBar);
    sxx += (d.day - tBar) ** 2;
  }
  return sxy / sxx;
}

const f = (x: number, digits = 1): string => (Math.abs(x) < 0.5 * 10 ** -digits ? 0 : x).toFixed(digits);
const signed = (x: number, digits = 1): string => `${x > 0 ? "+" : ""}${f(x, digits)}`;

function change(
  a: VisualPhase,
  b: VisualPhase,
  before: readonly SeriesPoint[],
  after: readonly SeriesPoint[],
): PhaseChange {
  const levelChange = b.mean - a.mean;
  const trendChange = a.slope === null || b.slope === null ? null : b.slope - a.slope;
  const slopeText = (p: VisualPhase) =>
    p.slope === null ? `no slope in ${p.label} (one day)` : `${signed(p.slope, 2)} per day in ${p.label}`;
  const sdText = (p: VisualPhase) => (p.sd === null ? `${p.label} has one day` : `SD ${f(p.sd)} in ${p.label}`);
  const k = Math.min(IMMEDIACY_DAYS, before.length, after.length);
  const lastFrom = mean(before.slice(-k).map((d) => d.value));
  const firstTo = mean(after.slice(0, k).map((d) => d.value));
  const overlapping = after.filter((d) => d.value >= a.min && d.value <= a.max).length;
  const share = overlapping / after.length;
  return {
    from: a.label,
    to: b.label,
    level: {
      value: { from: a.mean, to: b.mean, change: levelChange },
      text: `Level: the mean went from ${f(a.mean)} in ${a.label} to ${f(b.mean)} in ${b.label} (${signed(levelChange)}).`,
    },
    trend: {
      value: { from: a.slope, to: b.slope, change: trendChange },
      text: `Trend: ${slopeText(a)}, ${slopeText(b)}.`,
    },
    variability: {
      value: { from: a.sd, to: b.sd, rangeFrom: a.max - a.min, rangeTo: b.max - b.min },
      text: `Variability: ${sdText(a)} (range ${f(a.min)}–${f(a.max)}), ${sdText(b)} (range ${f(b.min)}–${f(b.max)}).`,
    },
    immediacy: {
      value: { lastFrom, firstTo, change: firstTo - lastFrom, days: k },
      text: `Immediacy: the last ${k === 1 ? "day" : `${k} days`} of ${a.label} average ${f(lastFrom)}, the first ${k === 1 ? "day" : `${k} days`} of ${b.label} ${f(firstTo)} (${signed(firstTo - lastFrom)}).`,
    },
    overlap: {
      value: { overlapping, n: after.length, share },
      text: `Overlap: ${overlapping} of ${after.length} days of ${b.label} (${Math.round(100 * share)}%) fall within the range of ${a.label}.`,
    },
  };
}

function consistency(
  phases: VisualPhase[],
  changes: PhaseChange[],
  direction: Direction,
): VisualAnalysis["consistency"] {
  const baselineMeans = phases.filter((p) => abOf(p.type) === "A").map((p) => p.mean);
  const interventionMeans = phases.filter((p) => abOf(p.type) === "B").map((p) => p.mean);
  const expected = direction === "increase" ? 1 : -1;
  const typed = changes.map((c, k) => ({ c, from: abOf(phases[k]!.type), to: abOf(phases[k + 1]!.type) }));
  const contrasts = typed.filter((t) => t.from !== t.to);
  const consistent =
    contrasts.length > 0 &&
    contrasts.every((t) => Math.sign(t.c.level.value.change) === (t.to === "B" ? expected : -expected));
  const list = (xs: number[]) => xs.map((x) => f(x)).join(", ");
  const means = `baseline means ${baselineMeans.length ? list(baselineMeans) : "none"}; intervention means ${interventionMeans.length ? list(interventionMeans) : "none"}.`;
  const verdict =
    contrasts.length === 0
      ? "There is no change between baseline and intervention to compare."
      : consistent
        ? `Every change between baseline and intervention moves the level the expected way (${contrasts.length} change${contrasts.length === 1 ? "" : "s"}).`
        : "Not every change between baseline and intervention moves the level the expected way.";
  return { value: { baselineMeans, interventionMeans, consistent }, text: `Consistency: ${means} ${verdict}` };
}
