import { ols } from "./_ols.ts";
import { checkChoice, checkPhase, statsError } from "./_validate.ts";
import { fSurvival, tTwoSided } from "./distributions.ts";
import { phaseRuns } from "./phases.ts";

export interface PiecewiseOptions {
  /** Measurement time of each observation (session numbers, days). Default 1..n. Time is shifted to start at 0. */
  time?: readonly number[];
  /**
   * "preceding" (default): each level and slope term is the change from the preceding phase, and its dummies stay on
   * for the rest of the series. "first": each is the difference from the first phase, dummies on within that phase
   * only (scan's default contrast). The fit, R² and F are the same; only the meaning of the terms differs.
   */
  contrast?: "preceding" | "first";
}

/** One regression coefficient with its two-sided t test. */
export interface PiecewiseTerm {
  /** "intercept", "trend", "level <phase>" or "slope <phase>"; a label used by several phases gets "(1)", "(2)", … */
  name: string;
  estimate: number;
  se: number;
  t: number;
  p: number;
}

export interface PiecewiseResult {
  terms: PiecewiseTerm[];
  r2: number;
  adjustedR2: number;
  /** Overall F test of all terms but the intercept. */
  f: { value: number; df1: number; df2: number; p: number };
  /** Residual standard error √(RSS / df2). */
  residualSe: number;
  /** The model's value at each observation (X·β), for drawing the fitted lines. */
  fitted: number[];
}

/**
 * Piecewise linear regression for a single case, scan's plm() with model "W" (Huitema & McKean 2000) fitted by OLS:
 * y = β0 + β1·t + Σ (level_k·D_k + slope_k·(t - t_k)·D_k) over the phases k after the first, where t starts at 0 and
 * t_k is the time of the first observation of phase k. Each maximal run of a label is one phase.
 */
export function piecewiseRegression(
  values: readonly number[],
  phaseOfEach: readonly string[],
  options: PiecewiseOptions = {},
): PiecewiseResult {
  const fn = "piecewiseRegression";
  checkPhase(fn, "values", values);
  const contrast = checkChoice(fn, "contrast", options.contrast, ["preceding", "first"] as const);
  const n = values.length;
  if (phaseOfEach.length !== n) throw statsError(fn, `phaseOfEach has ${phaseOfEach.length} labels for ${n} values`);
  const time = options.time ?? values.map((_, i) => i + 1);
  if (time.length !== n) throw statsError(fn, `time has ${time.length} entries for ${n} values`);
  checkPhase(fn, "time", time);
  const t = time.map((x) => x - (time[0] as number));

  const runs = phaseRuns(phaseOfEach);
  const counts = new Map<string, number>();
  for (const r of runs) counts.set(r.label, (counts.get(r.label) ?? 0) + 1);
  const seen = new Map<string, number>();
  const names = runs.map((r) => {
    if (counts.get(r.label) === 1) return r.label;
    const k = (seen.get(r.label) ?? 0) + 1;
    seen.set(r.label, k);
    return `${r.label}(${k})`;
  });

  const columns: number[][] = [values.map(() => 1), t];
  const termNames = ["intercept", "trend"];
  const levels: number[][] = [];
  const slopes: number[][] = [];
  runs.slice(1).forEach((run) => {
    const end = contrast === "preceding" ? n : run.end;
    const on = (i: number) => i >= run.start && i < end;
    const t0 = t[run.start] as number;
    levels.push(t.map((_, i) => (on(i) ? 1 : 0)));
    slopes.push(t.map((ti, i) => (on(i) ? ti - t0 : 0)));
  });
  columns.push(...levels, ...slopes);
  termNames.push(...names.slice(1).map((l) => `level ${l}`), ...names.slice(1).map((l) => `slope ${l}`));

  const p = columns.length;
  if (n <= p)
    throw statsError(fn, `${n} observations are too few for ${p} coefficients (at least ${p + 1} are needed)`);
  const fit = ols(columns, values);
  if (fit.dependentColumn >= 0) {
    throw statsError(
      fn,
      `term "${termNames[fit.dependentColumn]}" is not estimable: its column is collinear with earlier ones (a slope needs at least 2 observations in its phase)`,
    );
  }
  const df2 = n - p;
  const yBar = values.reduce((s, v) => s + v, 0) / n;
  const sst = values.reduce((s, v) => s + (v - yBar) ** 2, 0);
  if (!(fit.rss > 1e-12 * sst)) {
    throw statsError(fn, "the model fits the values exactly (residual variance 0), so standard errors are undefined");
  }
  const sigma2 = fit.rss / df2;
  const terms = fit.coefficients.map((estimate, j) => {
    const se = Math.sqrt(sigma2 * (fit.unscaledVariances[j] as number));
    const tValue = estimate / se;
    return { name: termNames[j] as string, estimate, se, t: tValue, p: tTwoSided(tValue, df2) };
  });
  const df1 = p - 1;
  const r2 = 1 - fit.rss / sst;
  const fValue = (sst - fit.rss) / df1 / sigma2;
  return {
    terms,
    r2,
    adjustedR2: 1 - ((1 - r2) * (n - 1)) / df2,
    f: { value: fValue, df1, df2, p: fSurvival(fValue, df1, df2) },
    residualSe: Math.sqrt(sigma2),
    fitted: values.map((_, i) =>
      columns.reduce((sum, col, j) => sum + (col[i] as number) * (fit.coefficients[j] as number), 0),
    ),
  };
}
