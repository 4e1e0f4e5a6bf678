import { checkChoice, checkConfidence, statsError } from "./_validate.ts";
import { gammaQ, normalCdf, normalQuantile } from "./distributions.ts";
import type { ConfidenceOptions, EffectSize } from "./types.ts";

export interface MetaAnalysisOptions extends ConfidenceOptions {
  /** "FE": fixed (equal) effect, inverse-variance weights; "DL": random effects, DerSimonian–Laird τ². Default "FE". */
  method?: "FE" | "DL";
}

export interface MetaAnalysisResult extends EffectSize {
  se: number;
  ci: [number, number];
  /** Wald z of the pooled estimate and its two-sided p. */
  z: number;
  p: number;
  /** Between-case variance τ² (0 for "FE"). */
  tau2: number;
  /** Cochran's Q = Σ (y_i − ŷ_FE)²/v_i, its df (k − 1) and p from χ²(k − 1). */
  q: number;
  qDf: number;
  qP: number;
  /** I² in percent: the share of the total variability due to heterogeneity, max(0, (Q − df)/Q)·100. */
  i2: number;
  /** The weights, in percent, in the order of the estimates. */
  weights: number[];
  k: number;
}

/**
 * Pools estimates with known sampling variances as metafor's rma(yi, vi, method = "FE" or "DL"): inverse-variance
 * weights 1/(v_i + τ²), the pooled estimate Σw·y/Σw with SE 1/√Σw and the normal CI, where τ² is 0 ("FE") or the
 * DerSimonian–Laird max(0, (Q − (k−1)) / (Σw − Σw²/Σw)) with w = 1/v ("DL"). Q and I² are the fixed-effect ones, as
 * metafor reports them for both methods. One estimate gives Q = 0, p = 1 and I² = 0.
 */
export function metaAnalysis(
  estimates: readonly number[],
  variances: readonly number[],
  options: MetaAnalysisOptions = {},
): MetaAnalysisResult {
  const fn = "metaAnalysis";
  const method = checkChoice(fn, "method", options.method, ["FE", "DL"] as const);
  const confidence = checkConfidence(fn, options.confidence);
  const k = estimates.length;
  if (k === 0) throw statsError(fn, "there are no estimates to pool");
  if (variances.length !== k) throw statsError(fn, `there are ${k} estimates but ${variances.length} variances`);
  estimates.forEach((y, i) => {
    if (!Number.isFinite(y)) throw statsError(fn, `estimate ${i + 1} is not finite (${String(y)})`);
  });
  variances.forEach((v, i) => {
    if (!Number.isFinite(v)) throw statsError(fn, `variance ${i + 1} is not finite (${String(v)})`);
    if (v < 0) throw statsError(fn, `variance ${i + 1} is negative (${v})`);
    if (v === 0) throw statsError(fn, `variance ${i + 1} is 0; inverse-variance weights need positive variances`);
  });

  const w = variances.map((v) => 1 / v);
  const sw = sum(w);
  const fixed = sum(w.map((wi, i) => wi * (estimates[i] as number))) / sw;
  const q = sum(w.map((wi, i) => wi * ((estimates[i] as number) - fixed) ** 2));
  const qDf = k - 1;
  const qP = qDf > 0 ? gammaQ(qDf / 2, q / 2) : 1;
  const i2 = qDf > 0 && q > 0 ? Math.max(0, (q - qDf) / q) * 100 : 0;
  const tau2 = method === "DL" && k > 1 ? Math.max(0, (q - qDf) / (sw - sum(w.map((x) => x * x)) / sw)) : 0;

  const ws = variances.map((v) => 1 / (v + tau2));
  const sws = sum(ws);
  const estimate = sum(ws.map((wi, i) => wi * (estimates[i] as number))) / sws;
  const se = 1 / Math.sqrt(sws);
  const zc = normalQuantile(1 - (1 - confidence) / 2);
  const z = estimate / se;
  return {
    estimate,
    se,
    ci: [estimate - zc * se, estimate + zc * se],
    z,
    p: 2 * normalCdf(-Math.abs(z)),
    tau2,
    q,
    qDf,
    qP,
    i2,
    weights: ws.map((wi) => (100 * wi) / sws),
    k,
  };
}

export interface AggregateOptions extends ConfidenceOptions {
  /** "equal" (SingleCaseES's default) or "1/V" (inverse of each SE²). Default "equal". */
  weighting?: "equal" | "1/V";
}

/**
 * Averages effect sizes as SingleCaseES batch_calc_ES(aggregate = , weighting = ) does: Σw·est/Σw, and where every
 * input has an SE, SE = √(Σw²SE²)/Σw with the normal CI. For indices without a sampling variance (PND, PEM, PAND,
 * IRD, Tau-U) this equal-weight mean is the only summary; "1/V" needs an SE on every input.
 */
export function aggregateEffects(effects: readonly EffectSize[], options: AggregateOptions = {}): EffectSize {
  const fn = "aggregateEffects";
  const weighting = checkChoice(fn, "weighting", options.weighting, ["equal", "1/V"] as const);
  const confidence = checkConfidence(fn, options.confidence);
  if (effects.length === 0) throw statsError(fn, "there are no effect sizes to aggregate");
  effects.forEach((e, i) => {
    if (!Number.isFinite(e.estimate)) throw statsError(fn, `effect ${i + 1} has a non-finite estimate`);
    if (e.se !== undefined && !(e.se >= 0)) throw statsError(fn, `effect ${i + 1} has SE ${e.se}; it must be ≥ 0`);
  });
  const withSe = effects.every((e) => e.se !== undefined && Number.isFinite(e.se));
  if (weighting === "1/V" && !(withSe && effects.every((e) => (e.se as number) > 0))) {
    throw statsError(fn, 'weighting "1/V" needs a positive, finite SE on every effect size');
  }
  const w = effects.map((e) => (weighting === "equal" ? 1 : 1 / (e.se as number) ** 2));
  const sw = sum(w);
  const estimate = sum(effects.map((e, i) => (w[i] as number) * e.estimate)) / sw;
  if (!withSe) return { estimate };
  const se = Math.sqrt(sum(effects.map((e, i) => (w[i] as number) ** 2 * (e.se as number) ** 2))) / sw;
  const z = normalQuantile(1 - (1 - confidence) / 2);
  return { estimate, se, ci: [estimate - z * se, estimate + z * se] };
}

const sum = (xs: readonly number[]): number => xs.reduce((s, x) => s + x, 0);
