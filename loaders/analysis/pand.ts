import { checkDirection, checkPhases } from "./_validate.ts";
import type { DirectionOptions, EffectSize } from "./types.ts";

/** PAND with the counts it is made of. */
export interface PandResult extends EffectSize {
  /** Observations kept: the most that remain once every kept A value is below every kept B value (improvement up). */
  kept: number;
  /** m + n. */
  total: number;
}

/**
 * Percentage of all non-overlapping data (Parker, Hagan-Burke & Vannest 2007), as SingleCaseES PAND(), as a
 * proportion: the largest share of the m + n observations that can be kept, after removing the fewest from either
 * phase, so that every kept A value is strictly below every kept B value ("increase"; above for "decrease"). Ties
 * therefore overlap. No SE or CI.
 */
export function pand(a: readonly number[], b: readonly number[], options: DirectionOptions = {}): PandResult {
  checkPhases("pand", a, b);
  const sign = checkDirection("pand", options.direction) === "decrease" ? -1 : 1;
  const x = a.map((v) => sign * v).sort((p, q) => p - q);
  const y = b.map((v) => sign * v).sort((p, q) => p - q);
  const m = x.length;
  const n = y.length;
  let kept = 0;
  // Keep the i lowest A values and the n - j highest B values; they do not overlap when max(kept A) < min(kept B).
  for (let i = 0; i <= m; i++) {
    const top = i === 0 ? -Infinity : (x[i - 1] as number);
    for (let j = 0; j <= n; j++) {
      const bottom = j === n ? Infinity : (y[j] as number);
      if (top < bottom) kept = Math.max(kept, i + n - j);
    }
  }
  return { estimate: kept / (m + n), kept, total: m + n };
}

/**
 * Robust improvement rate difference (Parker, Vannest & Brown 2009), as SingleCaseES IRD(): from PAND,
 * ((m + n)²·PAND − m² − n²) / (2mn). No SE or CI.
 */
export function ird(a: readonly number[], b: readonly number[], options: DirectionOptions = {}): EffectSize {
  checkPhases("ird", a, b);
  checkDirection("ird", options.direction);
  const m = a.length;
  const n = b.length;
  const p = pand(a, b, options).estimate;
  return { estimate: ((m + n) ** 2 * p - m * m - n * n) / (2 * m * n) };
}
