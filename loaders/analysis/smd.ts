import { mean, variance } from "./_stats.ts";
import { checkChoice, checkConfidence, checkDirection, checkPhases, statsError } from "./_validate.ts";
import { normalQuantile } from "./distributions.ts";
import type { ConfidenceOptions, DirectionOptions, EffectSize } from "./types.ts";

export interface SmdOptions extends DirectionOptions, ConfidenceOptions {
  /** Standardizer: "baseline" (SD of phase A, needs m ≥ 2) or "pool" (pooled SD of both phases). Default "baseline". */
  stdDev?: "baseline" | "pool";
  /** Apply Hedges' small-sample correction J = 1 - 3/(4·df - 1). Default true. */
  biasCorrect?: boolean;
}

export interface SmdResult extends EffectSize {
  /** The standard deviation used as standardizer. */
  sd: number;
  /** Degrees of freedom of that SD: m - 1 (baseline) or m + n - 2 (pool). */
  df: number;
}

/**
 * Within-case standardized mean difference (Gingerich 1984; Busk & Serlin 1992), as SingleCaseES SMD():
 * d = J·(mean B - mean A)/s, with SE J·√(1/m + s_B²/(n s_A²) + d²/(2df)) for the baseline SD or
 * J·√(1/m + 1/n + d²/(2df)) for the pooled SD, and the normal-theory CI d ± z·SE. With the baseline SD and a single
 * B observation, s_B² is unknown and `se` and `ci` are left out. Throws when the standardizing SD is 0.
 */
export function smd(a: readonly number[], b: readonly number[], options: SmdOptions = {}): SmdResult {
  const stdDev = checkChoice("smd", "stdDev", options.stdDev, ["baseline", "pool"] as const);
  checkPhases("smd", a, b);
  const decrease = checkDirection("smd", options.direction) === "decrease";
  const confidence = checkConfidence("smd", options.confidence);
  const m = a.length;
  const n = b.length;
  if (stdDev === "baseline" && m < 2)
    throw statsError("smd", "phase A needs at least 2 observations for a baseline SD");
  if (stdDev === "pool" && m + n < 3)
    throw statsError("smd", "the phases need at least 3 observations for a pooled SD");

  const vA = variance(a);
  const vB = n < 2 ? 0 : variance(b);
  let df: number;
  let s2: number;
  let sv1: number;
  if (stdDev === "baseline") {
    df = m - 1;
    s2 = vA;
    // With one B observation s_B² is unknown, so the SE is too (SingleCaseES returns NA).
    sv1 = n < 2 ? NaN : 1 / m + vB / (n * vA);
  } else {
    df = m + n - 2;
    s2 = ((m < 2 ? 0 : (m - 1) * vA) + (n < 2 ? 0 : (n - 1) * vB)) / df;
    sv1 = 1 / m + 1 / n;
  }
  if (!(s2 > 0))
    throw statsError("smd", `the ${stdDev === "baseline" ? "baseline" : "pooled"} SD is 0, so the SMD is undefined`);

  const j = options.biasCorrect === false ? 1 : 1 - 3 / (4 * df - 1);
  let d = (j * (mean(b) - mean(a))) / Math.sqrt(s2);
  if (decrease) d = -d;
  const sd = Math.sqrt(s2);
  if (Number.isNaN(sv1)) return { estimate: d, sd, df };
  const se = j * Math.sqrt(sv1 + (d * d) / (2 * df));
  const z = normalQuantile(1 - (1 - confidence) / 2);
  return { estimate: d, se, ci: [d - z * se, d + z * se], sd, df };
}
