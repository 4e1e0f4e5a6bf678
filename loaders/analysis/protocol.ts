import { attempt, namedRuns, piecewisePart, randomizationPart, visualPart } from "./_parts.ts";
import { lrr } from "./lrr.ts";
import { nap, pnd, tau } from "./nonoverlap.ts";
import { abOf } from "./phases.ts";
import type { PiecewiseResult } from "./piecewise.ts";
import { smd } from "./smd.ts";
import { phaseSummary, type PhaseSummary } from "./summary.ts";
import { tauU } from "./tau-u.ts";
import type { Direction, EffectSize } from "./types.ts";
import type { AnalyzeOptions, NotComputed, RandomizationPart, SeriesPoint } from "./protocol-types.ts";
import type { VisualAnalysis } from "./visual.ts";

export type { AnalyzeOptions, NotComputed, RandomizationPart, SeriesPoint };

/** A phase's descriptive statistics; a phase without observations has n = 0 and null statistics. */
export type PhaseSummaryRow = { label: string; type: string } & (
  PhaseSummary | { n: 0; mean: null; median: null; sd: null; min: null; max: null; slope: null }
);

/** One effect size of a protocol: its estimate (with SE and CI where the index has them), or why there is none. */
export type EffectRow = { name: string } & (EffectSize | NotComputed);

/** Each part is computed on its own: one that the data do not allow is `NotComputed` and leaves the others alone. */
export interface ProtocolAnalysis {
  /** NAP, Tau, Tau-U, PND, SMD and LRRi (LRRd for "decrease"), always all six and in this order. */
  effects: EffectRow[];
  randomization: RandomizationPart;
  piecewise: PiecewiseResult | NotComputed;
  /**
   * The What Works Clearinghouse's visual-analysis aids: level, trend, variability, immediacy and overlap at each
   * phase change, and the consistency of similar phases, each with a sentence. A multiple-baseline protocol has them
   * per participant, and here says so.
   */
  visual: VisualAnalysis | NotComputed;
  interpretation: string;
}

/** Whether a part of the analysis was computed (narrows it to its result). */
export const isComputed = <T extends object>(part: T): part is Exclude<T, NotComputed> => !("notComputed" in part);

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
 * randomization test on the phase start points, the piecewise regression and the visual-analysis aids. Each is
 * computed when the data allow it and otherwise says why not, so a short phase costs the randomization test but not
 * the effect sizes. The per-phase summaries are `summarizePhases`. `labbook analyze` and the experiment pages both
 * get these numbers from one `analyzeProtocols` call per pin set.
 */
export function analyzeSeries(series: readonly SeriesPoint[], options: AnalyzeOptions = {}): ProtocolAnalysis {
  const direction = options.direction ?? "increase";
  const values = series.map((p) => p.value);
  const ab = series.map((p) => abOf(p.phaseType));
  const a = values.filter((_, i) => ab[i] === "A");
  const b = values.filter((_, i) => ab[i] === "B");
  const missing = missingPhase(a, b);
  const runs = namedRuns(series, ab);

  const effect = (name: string, compute: () => EffectSize): EffectRow => {
    if (missing) return { name, notComputed: missing };
    return { name, ...attempt(() => pick(compute())) };
  };
  const effects = [
    effect("NAP", () => nap(a, b, { direction })),
    effect("Tau", () => tau(a, b, { direction })),
    effect("Tau-U", () => tauU(a, b, { direction })),
    effect("PND", () => pnd(a, b, { direction })),
    effect("SMD", () => smd(a, b, { direction, stdDev: "baseline", biasCorrect: true })),
    effect(direction === "increase" ? "LRRi" : "LRRd", () => lrr(a, b, { direction })),
  ];
  const randomization = missing ? { notComputed: missing } : randomizationPart(values, ab, runs, direction, options);
  const piecewise = piecewisePart(series, ab, runs);
  return {
    effects,
    randomization,
    piecewise,
    visual: visualPart(series, direction),
    interpretation: interpret(a, b, effects, randomization, piecewise, direction, missing),
  };
}

/** Why baseline and intervention cannot be compared at all, if they cannot. */
function missingPhase(a: number[], b: number[]): string | undefined {
  if (a.length > 0 && b.length > 0) return undefined;
  if (a.length > 0) return "no intervention days were observed";
  return b.length > 0 ? "no baseline days were observed" : "no days were observed";
}

const pick = ({ estimate, se, ci }: EffectSize): EffectSize => ({ estimate, se, ci });

function interpret(
  a: number[],
  b: number[],
  effects: EffectRow[],
  test: RandomizationPart,
  piecewise: PiecewiseResult | NotComputed,
  direction: Direction,
  missing: string | undefined,
): string {
  if (missing) return `${missing[0]!.toUpperCase()}${missing.slice(1)}, so the phases cannot be compared.`;
  const mean = (v: number[]) => v.reduce((s, x) => s + x, 0) / v.length;
  const diff = mean(b) - mean(a);
  const napE = effects.find((e) => e.name === "NAP");
  const ci =
    napE && isComputed(napE) && napE.ci
      ? ` (NAP ${napE.estimate.toFixed(2)}, 95% CI ${napE.ci[0].toFixed(2)}–${napE.ci[1].toFixed(2)})`
      : "";
  const head =
    `Over ${a.length} baseline and ${b.length} intervention days the daily outcome was ${Math.abs(diff).toFixed(1)} ` +
    `points ${diff >= 0 ? "higher" : "lower"} during intervention${ci}.`;
  const better = direction === "increase" ? diff > 0 : diff < 0;
  const overall = isComputed(test) ? test.p < ALPHA && better : undefined;
  const randomization = !isComputed(test)
    ? "The randomization test could not be run, so the difference as a whole is not tested."
    : `The randomization test, which asks whether intervention days as a whole differ from baseline days more than ` +
      `with a random choice of the phase start points, gives ${formatP(test.p)}: ${
        overall
          ? "a difference this large is unlikely if the intervention had no effect"
          : "the data are compatible with no intervention effect"
      }.`;
  // The level and slope changes at the phase changes that the regression finds at α = 0.05.
  const changes = isComputed(piecewise)
    ? piecewise.terms.filter((t) => /^(level|slope) /.test(t.name) && t.p < ALPHA)
    : [];
  const regression = !isComputed(piecewise)
    ? "The piecewise regression could not be fitted, so no change at a phase change is tested."
    : `The piecewise regression, which asks whether the outcome jumps (level) or changes its trend (slope) at a ` +
      `phase change beyond the baseline trend, finds ${
        changes.length
          ? changes
              .map(
                (t) => `a ${t.name} change of ${t.estimate >= 0 ? "+" : ""}${t.estimate.toFixed(2)} (${formatP(t.p)})`,
              )
              .join(", ")
          : "no level or slope change with p < 0.05"
      }.`;
  let weighed = "";
  if (overall !== undefined && isComputed(test) && isComputed(piecewise) && overall !== changes.length > 0) {
    // With every assignment enumerated, the smallest p the test can give is 1 / assignments.
    const floor =
      test.exhaustive && 1 / test.assignments >= ALPHA
        ? ` With ${test.assignments} possible start points the randomization test cannot give p below ` +
          `${(1 / test.assignments).toFixed(4)}, so it cannot confirm an effect in a series this short.`
        : "";
    weighed = overall
      ? " The two disagree: the intervention days differ from baseline as a whole, but no phase change is a clear " +
        "jump or turn once the trend is allowed for, so the difference may be gradual or continue a trend that began " +
        "in baseline."
      : ` The two disagree: the regression tests each phase change against the trend before it, while the ` +
        `randomization test weighs the intervention days as a whole against the other places the phases could have ` +
        `started.${floor} Read the change at ${[...new Set(changes.map((t) => t.name.replace(/^(level|slope) /, "")))].join(" and ")} ` +
        `as a finding about that transition, not as a confirmed effect of the intervention.`;
  }
  return `${head} ${randomization} ${regression}${weighed}`;
}

const ALPHA = 0.05;

/** A p value as the pages and reports print it: "< 0.0001" below 0.0001, else four decimals. */
export function pValue(p: number): string {
  return p < 0.0001 ? "< 0.0001" : p.toFixed(4);
}

/** "p = 0.0123" or "p < 0.0001". */
export function formatP(p: number): string {
  return p < 0.0001 ? `p ${pValue(p)}` : `p = ${pValue(p)}`;
}
