import { LabbookError } from "../errors.ts";
import { phaseRuns, type PhaseRun } from "./phases.ts";
import { piecewiseRegression, type PiecewiseResult } from "./piecewise.ts";
import type { AnalyzeOptions, NotComputed, RandomizationPart, SeriesPoint } from "./protocol-types.ts";
import { randomizationTest } from "./randomization.ts";
import type { Direction } from "./types.ts";
import { visualAnalysis, type VisualAnalysis } from "./visual.ts";

// The parts of analyzeSeries that have preconditions beyond two non-empty phases: each checks them first, so that an
// unmet one reads in the study's phase labels rather than as the library's A/B error.

/** A maximal run of A or B days, named by the study's phase labels it covers ("intervention_A_1"). */
export type NamedRun = PhaseRun & { name: string };

/** The phases as the tests see them: maximal runs of A or B days, named by the study's own labels. */
export function namedRuns(series: readonly SeriesPoint[], ab: readonly ("A" | "B")[]): NamedRun[] {
  return phaseRuns(ab).map((r) => ({
    ...r,
    name: [...new Set(series.slice(r.start, r.end).map((p) => p.phaseLabel))].join(" + "),
  }));
}

export function randomizationPart(
  values: number[],
  ab: ("A" | "B")[],
  runs: NamedRun[],
  direction: Direction,
  options: AnalyzeOptions,
): RandomizationPart {
  const sequence = runs.map((r) => r.label).join("");
  if (sequence !== "AB" && sequence !== "ABAB") {
    return {
      notComputed: `the observed phases run ${runs.map((r) => `${r.name} (${r.label})`).join(", ")}; the start-point randomization test needs an AB or ABAB sequence`,
    };
  }
  const minPhaseLength = options.minPhaseLength ?? 5;
  const short = runs.filter((r) => r.end - r.start < minPhaseLength);
  if (short.length) {
    return {
      notComputed: `${observedDays(short)}; the start-point randomization test needs at least ${minPhaseLength} per phase`,
    };
  }
  const design = sequence;
  const statistic = design === "ABAB" ? "PA-PB" : "mean B-A";
  return attempt(() => ({
    design,
    statistic,
    ...randomizationTest(values, ab, {
      design,
      statistic,
      direction,
      minPhaseLength,
      samples: options.samples ?? 2000,
      seed: options.seed ?? 1,
    }),
  }));
}

export function piecewisePart(
  series: readonly SeriesPoint[],
  ab: ("A" | "B")[],
  runs: NamedRun[],
): PiecewiseResult | NotComputed {
  const n = series.length;
  if (n === 0) return { notComputed: "no days were observed" };
  const coefficients = 2 * runs.length;
  if (n <= coefficients) {
    const changes = runs.length - 1;
    const terms = changes
      ? `an intercept, a trend, and a level and a slope change at each of ${changes} phase change${changes === 1 ? "" : "s"}`
      : "an intercept and a trend";
    return {
      notComputed: `the piecewise model has ${coefficients} coefficients (${terms}), so it needs at least ${coefficients + 1} observed days; there ${n === 1 ? "is 1" : `are ${n}`}`,
    };
  }
  // With one day in a phase, that phase's slope (or the baseline trend) cannot be told apart from its level.
  const single = runs.filter((r) => r.end - r.start < 2);
  if (single.length) {
    return {
      notComputed: `${observedDays(single)}; the piecewise model needs at least 2 per phase to estimate its slope`,
    };
  }
  return attempt(() => {
    const fit = piecewiseRegression(
      series.map((p) => p.value),
      ab,
      { time: series.map((p) => p.day) },
    );
    // The model sees A/B runs ("level B(1)"); the page and the report name each change after the study's phase.
    const named = new Map(
      runs.slice(1).flatMap((r, k) => [
        [fit.terms[2 + k]!.name, `level ${r.name}`],
        [fit.terms[1 + runs.length + k]!.name, `slope ${r.name}`],
      ]),
    );
    return { ...fit, terms: fit.terms.map((t) => ({ ...t, name: named.get(t.name) ?? t.name })) };
  });
}

/** The visual-analysis aids of one series (a protocol's, or one participant's): they need one observed day. */
export function visualPart(series: readonly SeriesPoint[], direction: Direction): VisualAnalysis | NotComputed {
  if (series.length === 0) return { notComputed: "no days were observed" };
  return attempt(() => visualAnalysis(series, { direction }));
}

/** "phase x has 3 observed days", "phases x and y have 4 and 3 observed days". */
function observedDays(runs: NamedRun[]): string {
  const list = (items: (string | number)[]) =>
    items.length === 1 ? String(items[0]) : `${items.slice(0, -1).join(", ")} and ${items[items.length - 1]}`;
  const counts = runs.map((r) => r.end - r.start);
  if (runs.length === 1) return `phase ${runs[0]!.name} has ${counts[0]} observed day${counts[0] === 1 ? "" : "s"}`;
  return `phases ${list(runs.map((r) => r.name))} have ${list(counts)} observed days`;
}

/** Runs one part of the analysis; a statistics error (E_STATS) becomes the part's reason, anything else is a bug. */
export function attempt<T extends object>(compute: () => T): T | NotComputed {
  try {
    return compute();
  } catch (e) {
    if (e instanceof LabbookError && e.code === "E_STATS") return { notComputed: e.message };
    throw e;
  }
}
