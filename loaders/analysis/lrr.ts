import { mean, variance } from "./_stats.ts";
import { checkChoice, checkConfidence, checkDirection, checkPhases, statsError } from "./_validate.ts";
import { normalQuantile } from "./distributions.ts";
import type { ConfidenceOptions, DirectionOptions, EffectSize } from "./types.ts";

/** How the outcome was measured; it sets the truncation constant D and, for proportions, the reversal. */
export type OutcomeScale = "count" | "rate" | "proportion" | "percentage" | "other";

export interface LrrOptions extends DirectionOptions, ConfidenceOptions {
  /**
   * "LRRi" (improvements are positive) or "LRRd" (improvements are negative). Default: "LRRi" when direction is
   * "increase", "LRRd" when it is "decrease", which makes the estimate ln(mean B / mean A) in both cases.
   */
  variant?: "LRRi" | "LRRd";
  /** Scale of the outcome. Default "count". Percentages run 0..100, proportions 0..1. */
  scale?: OutcomeScale;
  /** Minutes per observation session; D for scale "rate". */
  observationLength?: number;
  /** Intervals per session; D for "proportion", D = intervals/100 for "percentage". */
  intervals?: number;
  /** Overrides D. Infinity turns truncation off. */
  truncationConstant?: number;
  /** Apply the small-sample bias correction of Pustejovsky (2018) (estimator R2). Default true. */
  biasCorrect?: boolean;
}

export interface LrrResult extends EffectSize {
  se: number;
  ci: [number, number];
  /** Which variant was computed. */
  variant: "LRRi" | "LRRd";
}

function truncationConstant(fn: string, scale: OutcomeScale, options: LrrOptions): number {
  if (options.truncationConstant !== undefined) {
    if (!(options.truncationConstant > 0)) throw statsError(fn, "truncationConstant must be positive");
    return options.truncationConstant;
  }
  const positive = (name: string, v: number | undefined): number => {
    if (v === undefined) return Infinity;
    if (!(v > 0) || !Number.isFinite(v)) throw statsError(fn, `${name} must be a positive number, got ${String(v)}`);
    return v;
  };
  switch (scale) {
    case "count":
      return 1;
    case "rate":
      return positive("observationLength", options.observationLength);
    case "proportion":
      return positive("intervals", options.intervals);
    case "percentage":
      return positive("intervals", options.intervals) / 100;
    case "other":
      return Infinity;
  }
}

/**
 * Log response ratio (Pustejovsky 2015, 2018), as SingleCaseES LRRi() and LRRd(): ln(mean B / mean A) from
 * truncated means ỹ = max(ȳ, 1/(2Dn)) and variances s̃² = max(s², 1/(D²n³)), with the bias correction
 * + s̃²/(2nỹ²) per phase, SE √(s̃_A²/(mỹ_A²) + s̃_B²/(nỹ_B²)) and CI estimate ± z·SE.
 *
 * When the variant disagrees with the direction (LRRi for a "decrease" outcome, or LRRd for an "increase" one) the
 * sign flips, and proportions and percentages are first reversed (1 - y, 100 - y). Both phases need two observations;
 * the data must be non-negative.
 */
export function lrr(a: readonly number[], b: readonly number[], options: LrrOptions = {}): LrrResult {
  const fn = "lrr";
  checkPhases(fn, a, b, 2);
  const direction = checkDirection(fn, options.direction);
  const confidence = checkConfidence(fn, options.confidence);
  const variant = checkChoice(fn, "variant", options.variant ?? (direction === "increase" ? "LRRi" : "LRRd"), [
    "LRRi",
    "LRRd",
  ] as const);
  const scale = checkChoice(fn, "scale", options.scale, [
    "count",
    "rate",
    "proportion",
    "percentage",
    "other",
  ] as const);
  const top = scale === "percentage" ? 100 : scale === "proportion" ? 1 : Infinity;
  for (const [name, values] of [
    ["phase A", a],
    ["phase B", b],
  ] as const) {
    const i = values.findIndex((v) => v < 0 || v > top);
    if (i >= 0) {
      const range = Number.isFinite(top) ? `0..${top}` : "non-negative";
      throw statsError(fn, `${name} has a value outside the ${scale} range (${range}): ${values[i]} at index ${i}`);
    }
  }
  const d = truncationConstant(fn, scale, options);
  const mismatch = (variant === "LRRi") !== (direction === "increase");
  const reverse = mismatch && Number.isFinite(top);

  const phase = (name: string, values: readonly number[]) => {
    const n = values.length;
    const raw = mean(values);
    const m = Math.max(reverse ? top - raw : raw, 1 / (2 * d * n));
    const v = Math.max(variance(values), 1 / (d * d * n ** 3));
    if (!(m > 0)) {
      throw statsError(
        fn,
        `${name} has mean 0, so the log ratio is undefined; give the scale's observationLength or intervals (or truncationConstant) to truncate it`,
      );
    }
    return { n, m, v };
  };
  const pa = phase("phase A", a);
  const pb = phase("phase B", b);
  const bc = options.biasCorrect !== false;
  const logMean = (p: { n: number; m: number; v: number }) => Math.log(p.m) + (bc ? p.v / (2 * p.n * p.m * p.m) : 0);
  let estimate = logMean(pb) - logMean(pa);
  if (mismatch && !reverse) estimate = -estimate;
  const se = Math.sqrt(pa.v / (pa.n * pa.m * pa.m) + pb.v / (pb.n * pb.m * pb.m));
  const z = normalQuantile(1 - (1 - confidence) / 2);
  return { estimate, se, ci: [estimate - z * se, estimate + z * se], variant };
}
