import { describe, expect, it } from "vitest";
import { kendall } from "../../loaders/analysis/_kendall.ts";
import { tau, tauBC } from "../../loaders/analysis/index.ts";
import { CI, EST, expectNear, expectStatsError } from "./_published.ts";

const A = [20, 20, 26, 25, 22, 23];
const B = [28, 25, 24, 27, 30, 30, 29];

describe("kendall", () => {
  it("gives S, D and tau-b with ties as in Kendall (1970/1976)", () => {
    // SingleCaseES tests/testthat/test-tarlow-2017.R, Example 3.1 in Kendall (1970, p. 35): S = 33, D = √(41·36),
    // tau-b = .859.
    const r = kendall([1, 2.5, 2.5, 4.5, 4.5, 6.5, 6.5, 8, 9.5, 9.5], [1, 2, 4.5, 4.5, 4.5, 4.5, 8, 8, 8, 10]);
    expect(r.s).toBe(33);
    expectNear(r.d, Math.sqrt(41 * 36), 1e-12);
    expectNear(r.tau, 0.859, 5e-4);
    // R package Kendall, man/Kendall.Rd examples: Kendall (1976, Example 3.4) S = 34, D = √(116·60), tau 0.41, and
    // Kendall (1976, Example 4.3) S = 34 and Var(S) = 203.30.
    const ex34 = kendall(
      [2.5, 2.5, 2.5, 2.5, 5, 6.5, 6.5, 10, 10, 10, 10, 10, 14, 14, 14, 16, 17],
      [1, 1, 1, 1, 2, 1, 1, 2, 1, 1, 1, 1, 1, 1, 2, 2, 2],
    );
    expect(ex34.s).toBe(34);
    expectNear(ex34.d, Math.sqrt(116 * 60), 1e-12);
    expectNear(ex34.tau, 0.41, 5e-3);
    const ex43 = kendall(
      [1.5, 1.5, 3, 4, 6, 6, 6, 8, 9.5, 9.5, 11, 12],
      [2.5, 2.5, 7, 4.5, 1, 4.5, 6, 11.5, 11.5, 8.5, 8.5, 10],
    );
    expect(ex43.s).toBe(34);
    expectNear(ex43.varS, 203.3, 5e-3);
  });

  it("tests the trend with the continuity-corrected normal approximation, as the Kendall package does", () => {
    // A = 1, 1, 3, 3, 5, 5 against sessions 1..6: S = 12, Var(S) = (6·5·17 − 3·2·1·9)/18 = 76/3, so
    // z = (12 − 1)/√(76/3) and p = 2(1 − Φ(z)) ≈ 0.029: below .05 and above .01, as SingleCaseES's
    // test-tarlow-2017.R expects of Kendall::Kendall(A_data, session_A)$sl.
    const r = kendall([1, 1, 3, 3, 5, 5], [1, 2, 3, 4, 5, 6]);
    expect(r.s).toBe(12);
    expectNear(r.varS, 76 / 3, 1e-12);
    expect(r.p).toBeGreaterThan(0.01);
    expect(r.p).toBeLessThan(0.05);
    expectNear(r.p, 0.02885, 5e-5);
    // Three points or fewer: the package returns p = 1.
    expect(kendall([1, 2, 3], [1, 2, 3]).p).toBe(1);
  });
});

describe("tauBC", () => {
  it("matches the SingleCaseES Tau_BC() example", () => {
    // man/Tau_BC.Rd example, reference/Tau_BC.html: 0.2857143 0.3595159 [-0.3260702, 0.7180613].
    const r = tauBC(A, B);
    expectNear(r.estimate, 0.2857143, EST);
    expectNear(r.se, 0.3595159, EST);
    expectNear(r.ci[0], -0.3260702, CI);
    expectNear(r.ci[1], 0.7180613, CI);
    expect(r.corrected).toBe(true);
    // Using-SingleCaseES vignette, calc_ES(ES = "NOM", improvement = "decrease"): Tau-BC -0.28571429 0.35951593
    // [-0.71806125, 0.3260702].
    const d = tauBC(A, B, { direction: "decrease" });
    expectNear(d.estimate, -0.28571429, EST);
    expectNear(d.se, 0.35951593, EST);
    expectNear(d.ci[0], -0.71806125, CI);
    expectNear(d.ci[1], 0.3260702, CI);
  });

  it("removes a perfect trend, as in SingleCaseES's test-tarlow-2017", () => {
    // A = 1..5, B = 6..10: Tau = 1, but the baseline trend explains all of it, so Tau-BC = 0 with either variant.
    const a = [1, 2, 3, 4, 5];
    const b = [6, 7, 8, 9, 10];
    expect(tau(a, b).estimate).toBe(1);
    const r = tauBC(a, b);
    expect(r).toMatchObject({ estimate: 0, slope: 1, intercept: 0, corrected: true });
    expect(tauBC(a, b, { kendall: true }).estimate).toBe(0);
  });

  it("corrects only when the baseline trend is significant at the pretest level", () => {
    // test-tarlow-2017.R, "Tau-BC is correct regarding pretest_trend argument": for the example data the baseline
    // trend is not significant at .05, so Tau-BC equals Tau.
    const r = tauBC(A, B, { pretestTrend: 0.05 });
    expect(r.corrected).toBe(false);
    expect(r.estimate).toBe(tau(A, B).estimate);
    expect(r.pretestP).toBeGreaterThan(0.05);
    expect(tauBC(A, B).estimate).not.toBe(r.estimate);
    // A = 1, 1, 3, 3, 5, 5 has p < .05 but p > .01 (see the kendall test above).
    const a = [1, 1, 3, 3, 5, 5];
    const b = [5, 6, 4, 8, 9];
    expect(tauBC(a, b, { pretestTrend: 0.05 }).corrected).toBe(true);
    expect(tauBC(a, b, { pretestTrend: 0.05 }).estimate).toBe(tauBC(a, b).estimate);
    const at01 = tauBC(a, b, { pretestTrend: 0.01 });
    expect(at01.corrected).toBe(false);
    expect(at01.estimate).toBe(tau(a, b).estimate);
    // Increase and decrease mirror each other, for both variants.
    for (const kendallVariant of [false, true]) {
      const up = tauBC(a, b, { pretestTrend: 0.01, kendall: kendallVariant });
      const down = tauBC(a, b, { pretestTrend: 0.01, kendall: kendallVariant, direction: "decrease" });
      expect(down.estimate).toBe(-up.estimate);
      expect(down.se).toBe(up.se);
      expectNear(down.ci[0], -up.ci[1], 1e-15);
    }
  });

  it("gives Tarlow's tau-b against the phase dummy, with SE √(2(1 − τ²)/(m + n))", () => {
    // Effect-size-definitions vignette, Tau-BC with Kendall = TRUE: S / √(mn((m+n)(m+n−1)/2 − U)), U the tied pairs
    // of the series. Uncorrected (pretest not significant), the example has S = 35 (38 improving pairs, 3 worse) and
    // ties 20×2, 25×2, 30×2, so U = 3 and τ = 35/√(42·75).
    const r = tauBC(A, B, { pretestTrend: 0.05, kendall: true });
    const t = 35 / Math.sqrt(42 * 75);
    expectNear(r.estimate, t, 1e-15);
    expectNear(r.se, Math.sqrt((2 / 13) * (1 - t * t)), 1e-15);
    expectNear(r.ci[1] - r.estimate, 1.959963985 * r.se, 1e-9);
  });

  it("rejects a one-point baseline, bad pretest levels and empty phases", () => {
    expectStatsError(
      () => tauBC([3], B),
      "tauBC: phase A has 1 observation; at least 2 are needed to estimate the baseline trend",
    );
    expectStatsError(
      () => tauBC(A, B, { pretestTrend: 1.5 }),
      "tauBC: pretestTrend must be false or a number between 0 and 1, got 1.5",
    );
    expectStatsError(() => tauBC(A, []), "tauBC: phase B is empty");
  });
});
