import { compare } from "./_stats.ts";
import { checkDirection, checkPhases } from "./_validate.ts";
import type { DirectionOptions, EffectSize } from "./types.ts";

/** Tau-U with the parts it is made of. */
export interface TauUResult extends EffectSize {
  /** Kendall's S between phases: Σ sign(B_j - A_i) over all mn pairs (oriented by direction). */
  sAB: number;
  /** Kendall's S of the baseline trend: Σ sign(A_j - A_i) over i < j (oriented by direction). */
  sAA: number;
  /** The denominator m·n. */
  pairs: number;
}

/**
 * Tau-U with baseline-trend correction (Parker, Vannest, Davis & Sauber 2011): (S_AB - S_AA) / (m·n), where S_AB
 * compares every A with every B observation and S_AA is the Kendall S of phase A against time. `a` must be in session
 * order. This is SingleCaseES Tau_U() and the "A vs. B - Trend A" row of scan's tau_u(method = "parker"); it is not
 * bounded by [-1, 1] and has no known sampling distribution, so no SE or CI.
 */
export function tauU(a: readonly number[], b: readonly number[], options: DirectionOptions = {}): TauUResult {
  checkPhases("tauU", a, b);
  const sign = checkDirection("tauU", options.direction) === "decrease" ? -1 : 1;
  const m = a.length;
  const n = b.length;
  let sAB = 0;
  for (const x of a) for (const y of b) sAB += compare(y, x);
  let sAA = 0;
  for (let i = 0; i < m; i++) for (let j = i + 1; j < m; j++) sAA += compare(a[j] as number, a[i] as number);
  sAB *= sign;
  sAA *= sign;
  return { estimate: (sAB - sAA) / (m * n), sAB, sAA, pairs: m * n };
}
