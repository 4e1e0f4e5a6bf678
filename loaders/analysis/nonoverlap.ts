import { median } from "./_stats.ts";
import { checkConfidence, checkDirection, checkPhases } from "./_validate.ts";
import { normalQuantile } from "./distributions.ts";
import type { ConfidenceOptions, DirectionOptions, EffectSize } from "./types.ts";

export type NonoverlapOptions = DirectionOptions & ConfidenceOptions;

/** Orients the data so that larger always means improvement. */
function oriented(a: readonly number[], b: readonly number[], decrease: boolean): [number[], number[]] {
  return decrease ? [a.map((v) => -v), b.map((v) => -v)] : [[...a], [...b]];
}

/**
 * Non-overlap of all pairs (Parker & Vannest 2009), as SingleCaseES NAP(): the share of (A, B) pairs in which the
 * B observation improves on the A observation, ties counting one half.
 *
 * - `se`: the exactly unbiased estimator (Sen 1967; Mee 1990), evaluated at NAP truncated to
 *   [1/(2mn), 1 - 1/(2mn)] so that it stays positive; Infinity when a phase has one observation.
 * - `ci`: Newcombe's (2006) method 5, the symmetrized score inversion.
 */
export function nap(a: readonly number[], b: readonly number[], options: NonoverlapOptions = {}): EffectSize {
  checkPhases("nap", a, b);
  const decrease = checkDirection("nap", options.direction) === "decrease";
  const confidence = checkConfidence("nap", options.confidence);
  const [x, y] = oriented(a, b, decrease);
  const m = x.length;
  const n = y.length;

  const q = x.map((xi) => y.map((yj) => (yj > xi ? 1 : yj === xi ? 0.5 : 0)));
  let total = 0;
  for (const row of q) for (const v of row) total += v;
  const estimate = total / (m * n);

  let q1 = 0;
  let q3 = 0;
  const colSums = new Array<number>(n).fill(0);
  for (const row of q) {
    let rowSum = 0;
    row.forEach((v, j) => {
      const d = v - estimate;
      rowSum += d;
      q3 += d * d;
      colSums[j] = (colSums[j] as number) + d;
    });
    q1 += rowSum * rowSum;
  }
  q1 /= m * n * n;
  q3 /= m * n;
  let q2 = 0;
  for (const s of colSums) q2 += s * s;
  q2 /= m * m * n;

  const trunc = 0.5 / (m * n);
  const t = Math.min(Math.max(estimate, trunc), 1 - trunc);
  const se = m < 2 || n < 2 ? Infinity : Math.sqrt((t * (1 - t) + n * q1 + m * q2 - 2 * q3) / ((m - 1) * (n - 1)));

  return { estimate, se, ci: newcombeInterval(estimate, m, n, confidence) };
}

/**
 * Newcombe (2006) method 5: the θ that solve (NAP - θ)² = z² θ(1-θ) [2 + h + (1 + 2h) θ(1-θ)] / (mn (2-θ)(1+θ)),
 * with h = (m + n)/2 - 1. At NAP = 1 (or 0) the bound at 1 (or 0) is kept and the other one is the root inside
 * (0, 1); SingleCaseES returns the degenerate [1, 1] there (see the README).
 */
function newcombeInterval(estimate: number, m: number, n: number, confidence: number): [number, number] {
  const h = (m + n) / 2 - 1;
  const z = normalQuantile(1 - (1 - confidence) / 2);
  const z2 = z * z;
  // f > 0 at θ = 0 and θ = 1 and f < 0 at θ = NAP, so each bound is bracketed.
  const f = (theta: number): number =>
    m * n * (estimate - theta) ** 2 * (2 - theta) * (1 + theta) -
    z2 * theta * (1 - theta) * (2 + h + (1 + 2 * h) * theta * (1 - theta));
  // At the edges f has a double factor (1-θ) or θ; divide it out so that the inner root can be bracketed.
  if (estimate >= 1) return [bisect((th) => f(th) / (1 - th), 0, 1 - 1e-12), 1];
  if (estimate <= 0) return [0, bisect((th) => f(th) / th, 1e-12, 1)];
  return [bisect(f, 0, estimate), bisect(f, estimate, 1)];
}

/** Root of a continuous function with a sign change on [lo, hi], to full double precision. */
function bisect(fn: (x: number) => number, lo: number, hi: number): number {
  let fLo = fn(lo);
  for (let i = 0; i < 200; i++) {
    const mid = (lo + hi) / 2;
    if (mid === lo || mid === hi) break;
    const fMid = fn(mid);
    if (fMid === 0) return mid;
    if (Math.sign(fMid) === Math.sign(fLo)) {
      lo = mid;
      fLo = fMid;
    } else {
      hi = mid;
    }
  }
  return (lo + hi) / 2;
}

/**
 * Tau (non-overlap) of Parker, Vannest, Davis & Sauber (2011), as SingleCaseES Tau(): (pairs improving - pairs
 * worsening) / (mn) = 2·NAP - 1. Its SE is 2·SE(NAP) and its CI is the NAP interval mapped by 2θ - 1.
 */
export function tau(a: readonly number[], b: readonly number[], options: NonoverlapOptions = {}): EffectSize {
  checkPhases("tau", a, b);
  checkDirection("tau", options.direction);
  checkConfidence("tau", options.confidence);
  const r = nap(a, b, options);
  const [lo, hi] = r.ci as [number, number];
  return { estimate: 2 * r.estimate - 1, se: 2 * (r.se as number), ci: [2 * lo - 1, 2 * hi - 1] };
}

/**
 * Percentage of non-overlapping data (Scruggs, Mastropieri & Casto 1987), as SingleCaseES PND(), as a proportion in
 * [0, 1]: the share of B observations strictly above the highest A observation ("increase"), or strictly below the
 * lowest A observation ("decrease"). No SE or CI: its sampling distribution depends on the baseline length.
 */
export function pnd(a: readonly number[], b: readonly number[], options: DirectionOptions = {}): EffectSize {
  checkPhases("pnd", a, b);
  const decrease = checkDirection("pnd", options.direction) === "decrease";
  const [x, y] = oriented(a, b, decrease);
  const best = x.reduce((hi, v) => Math.max(hi, v));
  return { estimate: y.filter((v) => v > best).length / y.length };
}

/**
 * Percentage exceeding the median (Ma 2006), as SingleCaseES PEM(), as a proportion in [0, 1]: the share of B
 * observations above the median of phase A ("increase") or below it ("decrease"), a B value equal to the median
 * counting one half. No SE or CI.
 */
export function pem(a: readonly number[], b: readonly number[], options: DirectionOptions = {}): EffectSize {
  checkPhases("pem", a, b);
  const decrease = checkDirection("pem", options.direction) === "decrease";
  const [x, y] = oriented(a, b, decrease);
  const med = median(x);
  return { estimate: y.reduce((sum, v) => sum + (v > med ? 1 : v === med ? 0.5 : 0), 0) / y.length };
}
