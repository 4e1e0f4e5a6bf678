import { compare } from "./_stats.ts";
import { normalCdf } from "./distributions.ts";

/** Kendall's rank correlation of two equal-length series, with the tie corrections of Kendall (1976, ch. 3–4). */
export interface KendallResult {
  /** Tau-b: S / D. */
  tau: number;
  /** The score Σ_{i<j} sign(x_j − x_i)·sign(y_j − y_i). */
  s: number;
  /** D = √((n(n−1)/2 − Σt(t−1)/2)(n(n−1)/2 − Σu(u−1)/2)), t and u the tie groups of x and y. */
  d: number;
  /** Var(S) under independence, with ties (Kendall 1976, eq. 4.4). */
  varS: number;
  /** Two-sided p of S from the normal approximation with continuity correction, as the R package Kendall gives it. */
  p: number;
}

/** Sizes of the groups of equal values. */
function tieGroups(values: readonly number[]): number[] {
  const counts = new Map<number, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return [...counts.values()].filter((t) => t > 1);
}

/**
 * Kendall's tau-b of x and y. Like the R package Kendall (which SingleCaseES calls), the p value is always the normal
 * approximation with continuity correction (|S| − 1), and it is 1 when n ≤ 3. Callers guard constant series: D = 0.
 */
export function kendall(x: readonly number[], y: readonly number[]): KendallResult {
  const n = x.length;
  let s = 0;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++)
      s += compare(x[j] as number, x[i] as number) * compare(y[j] as number, y[i] as number);
  }
  const tx = tieGroups(x);
  const ty = tieGroups(y);
  const sum = (ts: number[], f: (t: number) => number) => ts.reduce((acc, t) => acc + f(t), 0);
  const pairs = (n * (n - 1)) / 2;
  const d = Math.sqrt((pairs - sum(tx, (t) => (t * (t - 1)) / 2)) * (pairs - sum(ty, (t) => (t * (t - 1)) / 2)));
  const cn = n * (n - 1);
  const varS =
    (cn * (2 * n + 5) - sum(tx, (t) => t * (t - 1) * (2 * t + 5)) - sum(ty, (t) => t * (t - 1) * (2 * t + 5))) / 18 +
    (n > 2 ? (sum(tx, (t) => t * (t - 1) * (t - 2)) * sum(ty, (t) => t * (t - 1) * (t - 2))) / (9 * cn * (n - 2)) : 0) +
    (sum(tx, (t) => t * (t - 1)) * sum(ty, (t) => t * (t - 1))) / (2 * cn);
  let p = 1;
  if (n > 3 && varS > 0) {
    const corrected = s > 0 ? s - 1 : s < 0 ? s + 1 : 0;
    p = Math.min(1, 2 * normalCdf(-Math.abs(corrected) / Math.sqrt(varS)));
  }
  return { tau: d > 0 ? s / d : NaN, s, d, varS, p };
}
