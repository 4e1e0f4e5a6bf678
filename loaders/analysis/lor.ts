import { mean, variance } from "./_stats.ts";
import { checkChoice, checkConfidence, checkDirection, checkPhases, statsError } from "./_validate.ts";
import { normalQuantile } from "./distributions.ts";
import type { ConfidenceOptions, DirectionOptions, EffectSize } from "./types.ts";

export interface LorOptions extends DirectionOptions, ConfidenceOptions {
  /** "percentage" (0..100, the default) or "proportion" (0..1). */
  scale?: "percentage" | "proportion";
  /** Intervals (or items) per session; sets the truncation constant D. Without it the means are not truncated. */
  intervals?: number;
  /** Overrides D, as SingleCaseES's D_const: intervals for proportions, intervals/100 for percentages. */
  truncationConstant?: number;
  /** Apply the delta-method bias correction (Pustejovsky 2015). Default true. */
  biasCorrect?: boolean;
}

export interface LorResult extends EffectSize {
  se: number;
  ci: [number, number];
}

/**
 * Log odds ratio (Pustejovsky 2015), as SingleCaseES LOR(): ln(p_B/(1−p_B)) − ln(p_A/(1−p_A)) from the phase mean
 * proportions p, truncated to [1/(2Dn), 1 − 1/(2Dn)] with variances at least 1/(D²n³); with the bias correction each
 * log odds loses (2p − 1)s²/(2np²(1−p)²). SE √Σ s²/(np²(1−p)²), CI estimate ± z·SE. "decrease" flips the sign, which
 * is the same as reversing the scale. Both phases need two observations. A phase mean of 0 or 1 that no truncation
 * constant moves inside (0, 1) is an error (SingleCaseES returns NaN).
 */
export function lor(a: readonly number[], b: readonly number[], options: LorOptions = {}): LorResult {
  const fn = "lor";
  checkPhases(fn, a, b, 2);
  const decrease = checkDirection(fn, options.direction) === "decrease";
  const confidence = checkConfidence(fn, options.confidence);
  const scale = checkChoice(fn, "scale", options.scale, ["percentage", "proportion"] as const);
  const top = scale === "percentage" ? 100 : 1;
  for (const [name, values] of [
    ["phase A", a],
    ["phase B", b],
  ] as const) {
    const i = values.findIndex((v) => v < 0 || v > top);
    if (i >= 0)
      throw statsError(fn, `${name} has a value outside the ${scale} range (0..${top}): ${values[i]} at index ${i}`);
  }
  let d = Infinity;
  if (options.truncationConstant !== undefined) {
    if (!(options.truncationConstant > 0)) throw statsError(fn, "truncationConstant must be positive");
    d = options.truncationConstant * (top === 100 ? 100 : 1);
  } else if (options.intervals !== undefined) {
    if (!(options.intervals > 0) || !Number.isFinite(options.intervals)) {
      throw statsError(fn, `intervals must be a positive number, got ${String(options.intervals)}`);
    }
    d = options.intervals;
  }

  const phase = (name: string, values: readonly number[]) => {
    const n = values.length;
    const lowest = 1 / (2 * d * n);
    const p = Math.min(1 - lowest, Math.max(lowest, mean(values) / top));
    const v = Math.max(1 / (d * d * n ** 3), variance(values) / (top * top));
    if (!(p > 0 && p < 1)) {
      throw statsError(
        fn,
        `${name} has mean ${p === 0 ? 0 : top}, so the log odds are undefined; give intervals (or truncationConstant) to truncate it`,
      );
    }
    return { n, p, v };
  };
  const pa = phase("phase A", a);
  const pb = phase("phase B", b);
  const bc = options.biasCorrect !== false;
  const logOdds = ({ n, p, v }: { n: number; p: number; v: number }) =>
    Math.log(p) - Math.log(1 - p) - (bc ? ((2 * p - 1) * v) / (2 * n * p * p * (1 - p) ** 2) : 0);
  let estimate = logOdds(pb) - logOdds(pa);
  if (decrease) estimate = -estimate;
  const term = ({ n, p, v }: { n: number; p: number; v: number }) => v / (n * p * p * (1 - p) ** 2);
  const se = Math.sqrt(term(pa) + term(pb));
  const z = normalQuantile(1 - (1 - confidence) / 2);
  return { estimate, se, ci: [estimate - z * se, estimate + z * se] };
}
