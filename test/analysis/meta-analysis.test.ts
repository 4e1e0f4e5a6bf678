import { describe, expect, it } from "vitest";
import { aggregateEffects, metaAnalysis, nap } from "../../loaders/analysis/index.ts";
import { expectNear, expectStatsError, schmidt2007 } from "./_published.ts";

// Values published with 4 decimals: half a unit of the last digit.
const D4 = 5e-5 + 1e-12;

/**
 * BCG vaccine trials (Colditz et al. 1994), metafor's dat.bcg: tpos, tneg, cpos, cneg. The log relative risks and
 * their variances are escalc(measure = "RR"): ln((a/(a+b))/(c/(c+d))) and 1/a − 1/(a+b) + 1/c − 1/(c+d).
 */
const BCG = [
  [4, 119, 11, 128],
  [6, 300, 29, 274],
  [3, 228, 11, 209],
  [62, 13536, 248, 12619],
  [33, 5036, 47, 5761],
  [180, 1361, 372, 1079],
  [8, 2537, 10, 619],
  [505, 87886, 499, 87892],
  [29, 7470, 45, 7232],
  [17, 1699, 65, 1600],
  [186, 50448, 141, 27197],
  [5, 2493, 3, 2338],
  [27, 16886, 29, 17825],
] as const;
const bcgY = BCG.map(([a, b, c, d]) => Math.log(a / (a + b) / (c / (c + d))));
const bcgV = BCG.map(([a, b, c, d]) => 1 / a - 1 / (a + b) + 1 / c - 1 / (c + d));

describe("metaAnalysis", () => {
  it("matches metafor's rma on dat.bcg (log relative risks), FE and DL", () => {
    // wviechtb/metafor tests/testthat/test_misc_metan_vs_rma.uni_with_dat.bcg.r, checked there against Stata's metan.
    const fe = metaAnalysis(bcgY, bcgV, { method: "FE" });
    expectNear(fe.estimate, -0.4303, D4);
    expectNear(fe.ci[0], -0.5097, D4);
    expectNear(fe.ci[1], -0.3509, D4);
    expectNear(fe.z, -10.6247, D4);
    expectNear(fe.q, 152.233, D4);
    expect(fe.tau2).toBe(0);
    const dl = metaAnalysis(bcgY, bcgV, { method: "DL" });
    expectNear(dl.estimate, -0.7141, D4);
    expectNear(dl.ci[0], -1.0644, D4);
    expectNear(dl.ci[1], -0.3638, D4);
    expectNear(dl.z, -3.9952, D4);
    expectNear(dl.tau2, 0.3088, D4);
    expectNear(dl.i2, 92.1173, D4);
    // Q is the fixed-effect statistic for both methods, on 12 df; metafor prints "p-val < .0001".
    expect(dl.q).toBe(fe.q);
    expect(dl.qDf).toBe(12);
    expect(dl.qP).toBeLessThan(1e-4);
    expect(dl.qP).toBeGreaterThan(0);
    expectNear(
      dl.weights.reduce((s, w) => s + w, 0),
      100,
      1e-9,
    );
  });

  it("matches Lipsey & Wilson (2001, Exhibit 7.3) as metafor's test_analysis_example_lipsey2001 checks it", () => {
    const yi = [-0.33, 0.32, 0.39, 0.31, 0.17, 0.64, -0.33, 0.15, -0.02, 0.0];
    const vi = [0.084, 0.035, 0.017, 0.034, 0.072, 0.117, 0.102, 0.093, 0.012, 0.067];
    // Equal-effects model: estimate, SE, z, p, CI; Q = 14.7640 with p = 0.0976.
    const fe = metaAnalysis(yi, vi, { method: "FE" });
    const feRow = [fe.estimate, fe.se, fe.z, fe.p, fe.ci[0], fe.ci[1]];
    [0.1549, 0.0609, 2.545, 0.0109, 0.0356, 0.2742].forEach((v, i) => expectNear(feRow[i], v, D4));
    expectNear(fe.q, 14.764, D4);
    expectNear(fe.qP, 0.0976, D4);
    // DerSimonian–Laird: 0.1534 0.0858 1.7893 0.0736 [-0.0146, 0.3215], τ² = 0.025955.
    const dl = metaAnalysis(yi, vi, { method: "DL" });
    const dlRow = [dl.estimate, dl.se, dl.z, dl.p, dl.ci[0], dl.ci[1]];
    [0.1534, 0.0858, 1.7893, 0.0736, -0.0146, 0.3215].forEach((v, i) => expectNear(dlRow[i], v, D4));
    expectNear(dl.tau2, 0.025955, 5e-7);
  });

  it("matches Raudenbush (2009, Table 16.3) on the teacher expectancy data, FE and DL", () => {
    // metafor tests/testthat/test_analysis_example_raudenbush2009.r, dat.raudenbush1985 (yi, vi as shipped).
    const yi = [
      0.03, 0.12, -0.14, 1.18, 0.26, -0.06, -0.02, -0.32, 0.27, 0.8, 0.54, 0.18, -0.02, 0.23, -0.18, -0.06, 0.3, 0.07,
      -0.07,
    ];
    const vi = [
      0.0156, 0.0216, 0.0279, 0.1391, 0.1362, 0.0106, 0.0106, 0.0484, 0.0269, 0.063, 0.0912, 0.0497, 0.0835, 0.0841,
      0.0253, 0.0279, 0.0193, 0.0088, 0.0303,
    ];
    // Rows EE and DL of tau2, mu, se, z, ci.lb, ci.ub.
    const row = (r: ReturnType<typeof metaAnalysis>) => [r.tau2, r.estimate, r.se, r.z, r.ci[0], r.ci[1]];
    const fe = row(metaAnalysis(yi, vi, { method: "FE" }));
    [0, 0.0604, 0.0365, 1.6553, -0.0111, 0.1318].forEach((v, i) => expectNear(fe[i], v, D4));
    const dl = row(metaAnalysis(yi, vi, { method: "DL" }));
    [0.0259, 0.0893, 0.0558, 1.6009, -0.02, 0.1987].forEach((v, i) => expectNear(dl[i], v, D4));
    // The chapter's Q for the equal-effects model: 35.8295.
    expectNear(metaAnalysis(yi, vi).q, 35.8295, D4);
  });

  it("gives τ² = 0 and the FE result when Q ≤ df, and a degenerate heterogeneity for one estimate", () => {
    const homogeneous = metaAnalysis([0.1, 0.12, 0.09], [0.04, 0.05, 0.03], { method: "DL" });
    expect(homogeneous.tau2).toBe(0);
    expect(homogeneous.i2).toBe(0);
    expect(homogeneous.estimate).toBeCloseTo(metaAnalysis([0.1, 0.12, 0.09], [0.04, 0.05, 0.03]).estimate, 15);
    const one = metaAnalysis([0.5], [0.25], { method: "DL" });
    expect(one).toMatchObject({ estimate: 0.5, se: 0.5, q: 0, qDf: 0, qP: 1, i2: 0, tau2: 0, k: 1 });
  });

  it("rejects empty input, mismatched lengths and negative or zero variances", () => {
    expectStatsError(() => metaAnalysis([], []), "metaAnalysis: there are no estimates to pool");
    expectStatsError(() => metaAnalysis([1, 2], [0.1]), "metaAnalysis: there are 2 estimates but 1 variances");
    expectStatsError(() => metaAnalysis([1, 2], [0.1, -0.2]), "metaAnalysis: variance 2 is negative (-0.2)");
    expectStatsError(
      () => metaAnalysis([1, 2], [0, 0.2]),
      "metaAnalysis: variance 1 is 0; inverse-variance weights need positive variances",
    );
    expectStatsError(() => metaAnalysis([NaN], [0.2]), "metaAnalysis: estimate 1 is not finite (NaN)");
    expectStatsError(
      () => metaAnalysis([1], [0.2], { method: "REML" as "DL" }),
      'metaAnalysis: method must be one of "FE", "DL", got "REML"',
    );
  });
});

describe("aggregateEffects", () => {
  it("matches SingleCaseES's equal-weight aggregation of NAP over Schmidt (2007)'s phase pairs", () => {
    // Using-SingleCaseES vignette, "Aggregating across replications": batch_calc_ES(Schmidt2007, grouping =
    // c(Case_pseudonym, Behavior_type), aggregate = Phase_num, ES = "NAP"), printed to 7 decimals.
    const published: Record<string, number[]> = {
      "Albert|Disruptive Behavior": [0.9305556, 0.071978, 0.7894812, 1.0716299],
      "Albert|On Task Behavior": [0.5897436, 0.1639183, 0.2684697, 0.9110175],
      "Faith|Disruptive Behavior": [0.9791667, 0.0379601, 0.9047662, 1.0535672],
      "Faith|On Task Behavior": [0.8520833, 0.0717033, 0.7115474, 0.9926193],
      "Lilly|Disruptive Behavior": [0.8883929, 0.0799921, 0.7316112, 1.0451745],
      "Lilly|On Task Behavior": [0.7235119, 0.0950093, 0.537297, 0.9097268],
    };
    const series = schmidt2007();
    for (const [key, [est, se, lo, hi]] of Object.entries(published)) {
      const pairs = series.filter((s) => `${s.case}|${s.behavior}` === key);
      expect(pairs).toHaveLength(2);
      const r = aggregateEffects(pairs.map((s) => nap(s.a, s.b, { direction: s.direction })));
      expectNear(r.estimate, est as number, 5e-8);
      expectNear(r.se, se as number, 5e-8);
      expectNear(r.ci?.[0], lo as number, 5e-8);
      expectNear(r.ci?.[1], hi as number, 5e-8);
    }
  });

  it("weights by 1/SE² on request, and gives only the mean when an input has no SE", () => {
    const r = aggregateEffects(
      [
        { estimate: 1, se: 1 },
        { estimate: 4, se: 2 },
      ],
      { weighting: "1/V" },
    );
    // Weights 1 and 1/4: (1 + 1)/(5/4) = 1.6; SE = √(1 + 1/4 · 1/4 · 4)/(5/4) = √(5/4)/(5/4).
    expectNear(r.estimate, 1.6, 1e-15);
    expectNear(r.se, Math.sqrt(5 / 4) / (5 / 4), 1e-15);
    expect(aggregateEffects([{ estimate: 0.5 }, { estimate: 0.75, se: 0.1 }])).toEqual({ estimate: 0.625 });
    expectStatsError(
      () => aggregateEffects([{ estimate: 0.5 }], { weighting: "1/V" }),
      'aggregateEffects: weighting "1/V" needs a positive, finite SE on every effect size',
    );
    expectStatsError(() => aggregateEffects([]), "aggregateEffects: there are no effect sizes to aggregate");
  });
});
