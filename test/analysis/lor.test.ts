import { describe, expect, it } from "vitest";
import { lor } from "../../loaders/analysis/index.ts";
import { CI, EST, expectNear, expectStatsError } from "./_published.ts";

const A = [20, 20, 25, 25, 20, 25];
const B = [30, 25, 25, 25, 35, 30, 25];

function expectPublished(r: ReturnType<typeof lor>, est: number, se: number, lo: number, hi: number): void {
  expectNear(r.estimate, est, EST);
  expectNear(r.se, se, EST);
  expectNear(r.ci[0], lo, CI);
  expectNear(r.ci[1], hi, CI);
}

describe("lor", () => {
  it("matches the SingleCaseES LOR() examples", () => {
    // man/LOR.Rd examples, reference/LOR.html.
    // LOR(A, B, scale = "percentage", intervals = 20, bias_correct = FALSE): 0.2852038 0.09790282 [0.09331776, 0.4770898].
    expectPublished(
      lor(A, B, { scale: "percentage", intervals: 20, biasCorrect: false }),
      0.2852038,
      0.09790282,
      0.09331776,
      0.4770898,
    );
    // LOR(A, B, scale = "percentage", intervals = 20) and without intervals: 0.2852854 0.09790282 [0.09339935, 0.4771713].
    expectPublished(lor(A, B, { intervals: 20 }), 0.2852854, 0.09790282, 0.09339935, 0.4771713);
    expectPublished(lor(A, B), 0.2852854, 0.09790282, 0.09339935, 0.4771713);
    // The same data as proportions.
    const prop = (xs: number[]) => xs.map((x) => x / 100);
    expectPublished(lor(prop(A), prop(B), { scale: "proportion" }), 0.2852854, 0.09790282, 0.09339935, 0.4771713);
    // improvement = "decrease" only flips the sign: -0.2852854 0.09790282 [-0.4771713, -0.09339935].
    expectPublished(lor(A, B, { direction: "decrease" }), -0.2852854, 0.09790282, -0.4771713, -0.09339935);
  });

  it("matches the vignette's truncation example for a baseline of zeros", () => {
    // Using-SingleCaseES vignette, "Further options for LOR()": LOR(c(0,0,0), B, scale = "percentage",
    // intervals = 20) = 3.60657 0.676328 [2.280992, 4.932149]; without intervals SingleCaseES returns NaN.
    expectPublished(lor([0, 0, 0], B, { intervals: 20 }), 3.60657, 0.676328, 2.280992, 4.932149);
    // D_const for percentages is intervals/100, as SingleCaseES's D_const argument.
    expectPublished(lor([0, 0, 0], B, { truncationConstant: 0.2 }), 3.60657, 0.676328, 2.280992, 4.932149);
    expectStatsError(
      () => lor([0, 0, 0], B),
      "lor: phase A has mean 0, so the log odds are undefined; give intervals (or truncationConstant) to truncate it",
    );
  });

  it("rejects values off the scale, short phases and unknown scales", () => {
    expectStatsError(
      () => lor(A, [50, 120]),
      "lor: phase B has a value outside the percentage range (0..100): 120 at index 1",
    );
    expectStatsError(
      () => lor([0.2, 1.5], [0.3, 0.4], { scale: "proportion" }),
      "lor: phase A has a value outside the proportion range (0..1): 1.5 at index 1",
    );
    expectStatsError(() => lor([20], B), "lor: phase A has 1 observation; at least 2 are needed");
    expectStatsError(
      () => lor(A, B, { scale: "count" as "percentage" }),
      'lor: scale must be one of "percentage", "proportion", got "count"',
    );
    expect(() => lor(A, B, { intervals: 0 })).toThrow("lor: intervals must be a positive number, got 0");
  });
});
