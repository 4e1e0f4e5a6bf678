import { describe, expect, it } from "vitest";
import { lrr } from "../../loaders/analysis/index.ts";
import { CI, DEC3, EST, expectNear, expectStatsError, SCHMIDT_PUBLISHED, schmidt2007 } from "./_published.ts";

const A = [20, 20, 26, 25, 22, 23];
const B = [28, 25, 24, 27, 30, 30, 29];

function expectPublished(r: ReturnType<typeof lrr>, est: number, se: number, lo: number, hi: number): void {
  expectNear(r.estimate, est, EST);
  expectNear(r.se, se, EST);
  expectNear(r.ci[0], lo, CI);
  expectNear(r.ci[1], hi, CI);
}

describe("lrr", () => {
  it("matches the SingleCaseES LRRd() examples", () => {
    // man/LRR.Rd examples, reference/LRR.html (scale "count", improvement "decrease").
    // LRRd(A, B, bias_correct = FALSE): 0.1958846 0.05557723 [0.08695525, 0.304814].
    const r1 = lrr(A, B, { direction: "decrease", biasCorrect: false });
    expect(r1.variant).toBe("LRRd");
    expectPublished(r1, 0.1958846, 0.05557723, 0.08695525, 0.304814);
    // LRRd(A, B): 0.1953962 0.05557723 [0.08646679, 0.3043255].
    expectPublished(lrr(A, B, { direction: "decrease" }), 0.1953962, 0.05557723, 0.08646679, 0.3043255);
  });

  it("matches the vignette's LRRi examples for percentages and counts", () => {
    // Using-SingleCaseES vignette, "Outcome scale": LRRi(A, B, scale = "percentage") = 0.1953962 ...
    expectPublished(lrr(A, B, { scale: "percentage" }), 0.1953962, 0.05557723, 0.08646679, 0.3043255);
    // LRRi(A, B, improvement = "decrease", scale = "percentage") = -0.06553504 0.01810144 [-0.1010132, -0.03005687]:
    // the percentages are reversed to 100 - y before the ratio.
    expectPublished(
      lrr(A, B, { direction: "decrease", variant: "LRRi", scale: "percentage" }),
      -0.06553504,
      0.01810144,
      -0.1010132,
      -0.03005687,
    );
    // LRRi(A, B, scale = "count", improvement = "decrease") = -0.1953962 ... [-0.3043255, -0.08646679].
    expectPublished(
      lrr(A, B, { direction: "decrease", variant: "LRRi" }),
      -0.1953962,
      0.05557723,
      -0.3043255,
      -0.08646679,
    );
  });

  it("matches the vignette's truncation examples for a baseline of zeros", () => {
    const zeros = [0, 0, 0, 0];
    // LRRd(A, B, scale = "rate", observation_length = 30): 8.672947 0.5010548 [7.690897, 9.654996].
    expectPublished(
      lrr(zeros, B, { direction: "decrease", scale: "rate", observationLength: 30 }),
      8.672947,
      0.5010548,
      7.690897,
      9.654996,
    );
    // LRRd(A, B, scale = "percentage", intervals = 180): 5.859536 0.5010548 [4.877487, 6.841586].
    expectPublished(
      lrr(zeros, B, { direction: "decrease", scale: "percentage", intervals: 180 }),
      5.859536,
      0.5010548,
      4.877487,
      6.841586,
    );
    // Without a truncation constant SingleCaseES returns NaN; we say why.
    expectStatsError(
      () => lrr(zeros, B, { direction: "decrease", scale: "rate" }),
      "lrr: phase A has mean 0, so the log ratio is undefined; give the scale's observationLength or intervals (or truncationConstant) to truncate it",
    );
  });

  it("matches the Schmidt (2007) LRRi batch example to the 3 published decimals", () => {
    for (const s of schmidt2007()) {
      const published = SCHMIDT_PUBLISHED[`${s.case}|${s.behavior}|${s.pair}`]?.lrri as number[];
      const r = lrr(s.a, s.b, { direction: s.direction, variant: "LRRi", scale: "other" });
      expectNear(r.estimate, published[0] as number, DEC3);
      expectNear(r.se, published[1] as number, DEC3);
      expectNear(r.ci[0], published[2] as number, DEC3);
      expectNear(r.ci[1], published[3] as number, DEC3);
    }
  });

  it("gives ln(mean B / mean A) for both directions on counts, and flips sign when the variant disagrees", () => {
    // LRRi for an increase and LRRd for a decrease both estimate ln(μB/μA); only their reading differs.
    expect(lrr(A, B, { direction: "decrease" }).estimate).toBe(lrr(A, B).estimate);
    expect(lrr(A, B, { direction: "decrease", variant: "LRRi" }).estimate).toBe(-lrr(A, B).estimate);
    expect(lrr(A, B, { direction: "increase", variant: "LRRd" }).estimate).toBe(-lrr(A, B).estimate);
  });

  it("handles tied data with the count truncation (hand-worked)", () => {
    // A = 5, 5, 5 and B = 5, 5, 5: s² = 0 is truncated to 1/(D² n³) = 1/27 (D = 1 for counts), equal in both phases,
    // so the estimate is 0 and SE = √(2 · (1/27)/(3 · 25)) = √(2/2025).
    const r = lrr([5, 5, 5], [5, 5, 5]);
    expect(r.estimate).toBe(0);
    expectNear(r.se, Math.sqrt(2 / 2025), 1e-15);
  });

  it("rejects short or empty phases, negative values, NaN and bad options with exact messages", () => {
    expectStatsError(() => lrr([3], B), "lrr: phase A has 1 observation; at least 2 are needed");
    expectStatsError(() => lrr(A, []), "lrr: phase B is empty");
    expectStatsError(
      () => lrr([1, -2], B),
      "lrr: phase A has a value outside the count range (non-negative): -2 at index 1",
    );
    expectStatsError(
      () => lrr(A, [50, 120], { scale: "percentage" }),
      "lrr: phase B has a value outside the percentage range (0..100): 120 at index 1",
    );
    expectStatsError(() => lrr(A, [1, NaN]), "lrr: phase B has a non-finite value (NaN) at index 1");
    expectStatsError(
      () => lrr(A, B, { scale: "rate", observationLength: -5 }),
      "lrr: observationLength must be a positive number, got -5",
    );
  });
});
