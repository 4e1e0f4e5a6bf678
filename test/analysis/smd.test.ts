import { describe, expect, it } from "vitest";
import { smd } from "../../loaders/analysis/index.ts";
import { CI, EST, expectNear, expectStatsError } from "./_published.ts";

const A = [20, 20, 26, 25, 22, 23];
const B = [28, 25, 24, 27, 30, 30, 29];

describe("smd", () => {
  it("matches the SingleCaseES SMD() examples", () => {
    // man/SMD.Rd examples, output on reference/SMD.html.
    // SMD(A, B, bias_correct = FALSE): 1.959294 0.8237984 [0.3446789, 3.573909], baseline_SD 2.503331.
    const raw = smd(A, B, { biasCorrect: false });
    expectNear(raw.estimate, 1.959294, EST);
    expectNear(raw.se, 0.8237984, EST);
    expectNear(raw.ci?.[0], 0.3446789, CI);
    expectNear(raw.ci?.[1], 3.573909, CI);
    expectNear(raw.sd, 2.503331, EST);
    // SMD(A, B): 1.649932 0.6340935 [0.4071314, 2.892732].
    const g = smd(A, B);
    expectNear(g.estimate, 1.649932, EST);
    expectNear(g.se, 0.6340935, EST);
    expectNear(g.ci?.[0], 0.4071314, CI);
    expectNear(g.ci?.[1], 2.892732, CI);
    expect(g.df).toBe(5);
    // SMD(A, B, std_dev = "pool"): 1.876247 0.6374216 [0.6269241, 3.125571], pooled_SD 2.431752.
    const pool = smd(A, B, { stdDev: "pool" });
    expectNear(pool.estimate, 1.876247, EST);
    expectNear(pool.se, 0.6374216, EST);
    expectNear(pool.ci?.[0], 0.6269241, CI);
    expectNear(pool.ci?.[1], 3.125571, CI);
    expectNear(pool.sd, 2.431752, EST);
    expect(pool.df).toBe(11);
  });

  it("matches the vignette for improvement decrease", () => {
    // Using-SingleCaseES vignette: SMD(A, B, improvement = "decrease") = -1.649932 0.6340935 [-2.892732, -0.4071314].
    const r = smd(A, B, { direction: "decrease" });
    expectNear(r.estimate, -1.649932, EST);
    expectNear(r.se, 0.6340935, EST);
    expectNear(r.ci?.[0], -2.892732, CI);
    expectNear(r.ci?.[1], -0.4071314, CI);
  });

  it("mirrors increase and decrease", () => {
    const neg = (xs: number[]) => xs.map((x) => -x);
    for (const stdDev of ["baseline", "pool"] as const) {
      const dec = smd(A, B, { direction: "decrease", stdDev });
      const mirrored = smd(neg(A), neg(B), { stdDev });
      expectNear(dec.estimate, mirrored.estimate, 1e-12);
      expectNear(dec.se, mirrored.se as number, 1e-12);
    }
  });

  it("handles a phase with one observation", () => {
    // One B observation: d = J (7 - 2)/1 with J = 1 - 3/(4·2 - 1) = 4/7 for A = 1, 2, 3 (mean 2, SD 1); s_B² is
    // unknown, so the baseline-SD SE is left out (SingleCaseES returns NA).
    const r = smd([1, 2, 3], [7]);
    expectNear(r.estimate, (4 / 7) * 5, 1e-12);
    expect(r.se).toBeUndefined();
    expect(r.ci).toBeUndefined();
    // The pooled SD needs no s_B: df = 3 + 1 - 2 = 2, s_p = √((2·1 + 0)/2) = 1, J = 1 - 3/7,
    // SE = J √(1/3 + 1/1 + d²/(2·2)).
    const p = smd([1, 2, 3], [7], { stdDev: "pool" });
    const j = 1 - 3 / 7;
    const d = j * 5;
    expectNear(p.estimate, d, 1e-12);
    expectNear(p.se, j * Math.sqrt(1 / 3 + 1 + (d * d) / 4), 1e-12);
    expectStatsError(() => smd([1], [2, 3]), "smd: phase A needs at least 2 observations for a baseline SD");
  });

  it("rejects tied data, empty phases, NaN and bad options with exact messages", () => {
    expectStatsError(() => smd([4, 4, 4], [4, 4]), "smd: the baseline SD is 0, so the SMD is undefined");
    expectStatsError(() => smd([4, 4], [4, 4], { stdDev: "pool" }), "smd: the pooled SD is 0, so the SMD is undefined");
    expectStatsError(() => smd(A, []), "smd: phase B is empty");
    expectStatsError(() => smd([1, NaN], B), "smd: phase A has a non-finite value (NaN) at index 1");
    expectStatsError(
      () => smd(A, B, { stdDev: "both" as "pool" }),
      'smd: stdDev must be one of "baseline", "pool", got "both"',
    );
  });
});
