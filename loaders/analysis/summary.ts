import { checkPhase } from "./_validate.ts";
import { mean, median, trendSlope, variance } from "./_stats.ts";

/** Descriptive statistics of one phase. */
export interface PhaseSummary {
  /** Number of observations. */
  n: number;
  mean: number;
  median: number;
  /** Sample standard deviation (denominator n - 1); null when n < 2. */
  sd: number | null;
  min: number;
  max: number;
  /** OLS slope of the values against session 1..n; null when n < 2 (a trend needs two points). */
  slope: number | null;
}

/** Summarises the observations of one phase, in session order. Throws on an empty or non-finite series. */
export function phaseSummary(values: readonly number[]): PhaseSummary {
  checkPhase("phaseSummary", "values", values);
  const n = values.length;
  return {
    n,
    mean: mean(values),
    median: median(values),
    sd: n < 2 ? null : Math.sqrt(variance(values)),
    min: values.reduce((lo, v) => Math.min(lo, v)),
    max: values.reduce((hi, v) => Math.max(hi, v)),
    slope: n < 2 ? null : trendSlope(values),
  };
}
