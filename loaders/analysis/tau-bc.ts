import { kendall } from "./_kendall.ts";
import { median } from "./_stats.ts";
import { checkConfidence, checkDirection, checkPhases, statsError } from "./_validate.ts";
import { normalQuantile } from "./distributions.ts";
import { tau } from "./nonoverlap.ts";
import type { ConfidenceOptions, DirectionOptions, EffectSize } from "./types.ts";

export interface TauBcOptions extends DirectionOptions, ConfidenceOptions {
  /**
   * Significance level of the baseline-trend pretest, between 0 and 1: the data are corrected only when Kendall's
   * test of phase A against session number gives p ≤ α. Default: always correct (SingleCaseES `pretest_trend = FALSE`).
   */
  pretestTrend?: number | false;
  /** Tau-b between the corrected data and a 0/1 phase dummy (Tarlow 2017) instead of the non-overlap Tau. Default false. */
  kendall?: boolean;
}

export interface TauBcResult extends EffectSize {
  se: number;
  ci: [number, number];
  /** Theil–Sen slope of phase A against session 1..m (in the data's own direction). */
  slope: number;
  /** Theil–Sen intercept: median of A_i − slope·i. */
  intercept: number;
  /** Whether the data were corrected for the baseline trend (false when the pretest found none). */
  corrected: boolean;
  /** p of the baseline-trend pretest, when one was asked for. */
  pretestP?: number;
}

/**
 * Baseline-corrected Tau (Tarlow 2017), as SingleCaseES Tau_BC(). Phase A is regressed on session 1..m by Theil–Sen
 * (median of the pairwise slopes; intercept the median of A_i − slope·i), and both phases, at sessions 1..m and
 * m+1..m+n, have that line subtracted. Tau-BC is then the non-overlap Tau of the residuals (with its SE and Newcombe
 * CI), or with `kendall: true` Kendall's tau-b between the residuals and a 0/1 phase dummy, with SE √(2(1−τ²)/(m+n))
 * and the CI τ ± z·SE. With `pretestTrend: α` the correction is made only when the baseline trend is significant at α.
 * Neither SE accounts for the estimated correction. `a` and `b` must be in session order.
 */
export function tauBC(a: readonly number[], b: readonly number[], options: TauBcOptions = {}): TauBcResult {
  const fn = "tauBC";
  checkPhases(fn, a, b);
  const direction = checkDirection(fn, options.direction);
  const confidence = checkConfidence(fn, options.confidence);
  const alpha = options.pretestTrend;
  if (alpha !== undefined && alpha !== false && !(typeof alpha === "number" && alpha > 0 && alpha < 1)) {
    throw statsError(fn, `pretestTrend must be false or a number between 0 and 1, got ${String(alpha)}`);
  }
  const m = a.length;
  const n = b.length;
  if (m < 2) throw statsError(fn, "phase A has 1 observation; at least 2 are needed to estimate the baseline trend");

  const sessionsA = a.map((_, i) => i + 1);
  const slopes: number[] = [];
  for (let i = 0; i < m; i++) {
    for (let j = i + 1; j < m; j++) slopes.push(((a[j] as number) - (a[i] as number)) / (j - i));
  }
  const slope = median(slopes);
  const intercept = median(a.map((y, i) => y - slope * (i + 1)));

  let pretestP: number | undefined;
  let corrected = true;
  if (typeof alpha === "number") {
    // A constant baseline has no trend to test: the Kendall package returns p = 1 there.
    pretestP = a.every((v) => v === a[0]) ? 1 : kendall(a, sessionsA).p;
    corrected = pretestP <= alpha;
  }
  const x = corrected ? a.map((y, i) => y - intercept - slope * (i + 1)) : [...a];
  const y = corrected ? b.map((v, j) => v - intercept - slope * (m + j + 1)) : [...b];
  const extra = { slope, intercept, corrected, ...(pretestP === undefined ? {} : { pretestP }) };

  if (!options.kendall) {
    const r = tau(x, y, { direction, confidence });
    return { estimate: r.estimate, se: r.se as number, ci: r.ci as [number, number], ...extra };
  }
  const sign = direction === "decrease" ? -1 : 1;
  const all = [...x, ...y];
  // Tau-b is undefined when every corrected value is equal; SingleCaseES sets it to 0.
  const t = all.every((v) => v === all[0]) ? 0 : sign * kendall(all, [...x.map(() => 0), ...y.map(() => 1)]).tau;
  const se = Math.sqrt((2 / (m + n)) * (1 - t * t));
  const z = normalQuantile(1 - (1 - confidence) / 2);
  return { estimate: t, se, ci: [t - z * se, t + z * se], ...extra };
}
