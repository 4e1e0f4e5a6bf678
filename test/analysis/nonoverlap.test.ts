import { describe, expect, it } from "vitest";
import { nap, pnd, tau } from "../../loaders/analysis/index.ts";
import { normalQuantile } from "../../loaders/analysis/distributions.ts";
import { CI, DEC3, EST, expectNear, expectStatsError, SCHMIDT_PUBLISHED, schmidt2007 } from "./_published.ts";

// The hypothetical series of Parker, Vannest & Davis (2011), used throughout SingleCaseES's docs.
const A = [20, 20, 26, 25, 22, 23];
const B = [28, 25, 24, 27, 30, 30, 29];

// McKissick et al. (2010), classroom counts of disruptive behavior (jepusto/SingleCaseES, tests/testdata/McKissick.csv).
const MCKISSICK = {
  "Period 1": { a: [13.62, 12.57, 15.76], b: [5.97, 4.63, 5.82, 3.72, 8.07, 2.95, 11.86] },
  "Period 2": { a: [8.07, 21.86, 19.6, 20.98, 17.75], b: [9.96, 4.02, 10.8, 9.57, 0.04, 5.57, 24.52] },
  "Period 3": {
    a: [11.82, 13.95, 11.93, 16.09, 18.09, 11.75, 13.75, 12.59, 11],
    b: [1.98, 4.8, 11.87, 5.34],
  },
};

describe("nap", () => {
  it("matches the SingleCaseES NAP() example", () => {
    // SingleCaseES man/NAP.Rd example, output on its gh-pages reference/NAP.html: Est 0.9166667, SE 0.06900656,
    // CI 0.5973406 0.9860176. R's uniroot stops at tol ~1.2e-4, so the CI agrees to 1e-4, not further.
    const r = nap(A, B);
    expectNear(r.estimate, 0.9166667, EST);
    expectNear(r.se, 0.06900656, EST);
    expectNear(r.ci?.[0], 0.5973406, CI);
    expectNear(r.ci?.[1], 0.9860176, CI);
  });

  it("matches the SingleCaseES vignette for other confidence levels and for direction decrease", () => {
    // vignettes/Using-SingleCaseES.Rmd (rendered articles/Using-SingleCaseES.html): confidence .99 and .90.
    const r99 = nap(A, B, { confidence: 0.99 });
    expectNear(r99.ci?.[0], 0.4875014, CI);
    expectNear(r99.ci?.[1], 0.9907377, CI);
    const r90 = nap(A, B, { confidence: 0.9 });
    expectNear(r90.ci?.[0], 0.6591091, CI);
    expectNear(r90.ci?.[1], 0.9822249, CI);
    // Same vignette, NAP(A, B, improvement = "decrease"): 0.08333333, 0.06900656, [0.01398242, 0.4026594].
    const dec = nap(A, B, { direction: "decrease" });
    expectNear(dec.estimate, 0.08333333, EST);
    expectNear(dec.se, 0.06900656, EST);
    expectNear(dec.ci?.[0], 0.01398242, CI);
    expectNear(dec.ci?.[1], 0.4026594, CI);
  });

  it("matches the Parker & Vannest (2009) example", () => {
    // man/NAP.Rd "Example from Parker & Vannest (2009)", reference/NAP.html: 0.9636364 0.03192622 [0.7499741, 0.9950729].
    const r = nap([4, 3, 4, 3, 4, 7, 5, 2, 3, 2], [5, 9, 7, 9, 7, 5, 9, 11, 11, 10, 9]);
    expectNear(r.estimate, 0.9636364, EST);
    expectNear(r.se, 0.03192622, EST);
    expectNear(r.ci?.[0], 0.7499741, CI);
    expectNear(r.ci?.[1], 0.9950729, CI);
  });

  it("matches the McKissick batch example (improvement decrease)", () => {
    // Using-SingleCaseES vignette, batch_calc_ES(McKissick, improvement = "decrease", ES = c("NAP", "PND")), 7 digits.
    const p2 = nap(MCKISSICK["Period 2"].a, MCKISSICK["Period 2"].b, { direction: "decrease" });
    expectNear(p2.estimate, 0.7714286, EST);
    expectNear(p2.se, 0.1538619, EST);
    expectNear(p2.ci?.[0], 0.4305321, CI);
    expectNear(p2.ci?.[1], 0.9322444, CI);
    const p3 = nap(MCKISSICK["Period 3"].a, MCKISSICK["Period 3"].b, { direction: "decrease" });
    expectNear(p3.estimate, 0.9166667, EST);
    expectNear(p3.se, 0.0833333, EST);
    expectNear(p3.ci?.[0], 0.5676324, CI);
    expectNear(p3.ci?.[1], 0.9874545, CI);
    // Period 1 has complete non-overlap: NAP 1 with the truncated SE 0.0440101 (published). SingleCaseES prints the
    // CI [1, 1] because uniroot stops at the root θ = 1; we keep the inner root instead (README, "NAP at 0 or 1").
    const p1 = nap(MCKISSICK["Period 1"].a, MCKISSICK["Period 1"].b, { direction: "decrease" });
    expect(p1.estimate).toBe(1);
    expectNear(p1.se, 0.0440101, EST);
    expect(p1.ci?.[1]).toBe(1);
    expect(p1.ci?.[0]).toBeLessThan(1);
  });

  it("matches the Schmidt (2007) batch example to the 3 published decimals", () => {
    for (const s of schmidt2007()) {
      const published = SCHMIDT_PUBLISHED[`${s.case}|${s.behavior}|${s.pair}`]?.nap as number[];
      const r = nap(s.a, s.b, { direction: s.direction });
      expectNear(r.estimate, published[0] as number, DEC3);
      expectNear(r.se, published[1] as number, DEC3);
      // At NAP = 1 SingleCaseES prints the degenerate [1, 1] (see above); elsewhere the bounds agree.
      if (r.estimate < 1) expectNear(r.ci?.[0], published[2] as number, DEC3);
      expectNear(r.ci?.[1], published[3] as number, DEC3);
    }
  });

  it("keeps a non-degenerate lower bound at NAP = 1 that solves Newcombe's equation", () => {
    // Hand check for m = n = 3: h = (3 + 3)/2 - 1 = 2 and the bound θ must satisfy
    // 9 (1 - θ)² (2 - θ)(1 + θ) = z² θ (1 - θ) (2 + 2 + 5 θ (1 - θ)), i.e. after dividing by (1 - θ),
    // g(θ) = 9 (1 - θ)(2 - θ)(1 + θ) - z² θ (4 + 5 θ (1 - θ)) = 0, with g(0) = 18 > 0 and g(1) = -4z² < 0.
    const [lo, hi] = nap([1, 2, 3], [4, 5, 6]).ci as [number, number];
    const z2 = normalQuantile(0.975) ** 2;
    const g = (t: number) => 9 * (1 - t) * (2 - t) * (1 + t) - z2 * t * (4 + 5 * t * (1 - t));
    expect(hi).toBe(1);
    expect(Math.abs(g(lo))).toBeLessThan(1e-9);
    expect(g(lo - 1e-6)).toBeGreaterThan(0);
    expect(g(lo + 1e-6)).toBeLessThan(0);
    // And the mirror image at NAP = 0.
    const [lo0, hi0] = nap([4, 5, 6], [1, 2, 3]).ci as [number, number];
    expect(lo0).toBe(0);
    expectNear(hi0, 1 - lo, 1e-12);
  });

  it("gives 0.5 when all values are tied", () => {
    // Every q_ij = 0.5, so NAP = 0.5 and Q1 = Q2 = Q3 = 0: SE = √(0.5 · 0.5 / ((3 - 1)(3 - 1))) = √(1/16) = 0.25.
    const r = nap([5, 5, 5], [5, 5, 5]);
    expect(r.estimate).toBe(0.5);
    expectNear(r.se, 0.25, 1e-15);
    expectNear((r.ci?.[0] as number) + (r.ci?.[1] as number), 1, 1e-12);
  });

  it("handles a phase with one observation (SE is infinite, as in SingleCaseES)", () => {
    // NAP = (0 + 1 + 1)/3; the unbiased SE divides by (m - 1)(n - 1) = 0.
    const r = nap([3], [1, 5, 7]);
    expectNear(r.estimate, 2 / 3, 1e-15);
    expect(r.se).toBe(Infinity);
    expect(r.ci?.[0]).toBeGreaterThan(0);
    expect(r.ci?.[1]).toBeLessThan(1);
  });

  it("mirrors increase and decrease", () => {
    const neg = (xs: number[]) => xs.map((x) => -x);
    expect(nap(A, B, { direction: "decrease" })).toEqual(nap(neg(A), neg(B)));
    expect(nap(A, B, { direction: "decrease" }).estimate).toBeCloseTo(1 - nap(A, B).estimate, 15);
  });

  it("rejects empty phases, non-finite values and bad options with exact messages", () => {
    expectStatsError(() => nap(A, []), "nap: phase B is empty");
    expectStatsError(() => nap([], B), "nap: phase A is empty");
    expectStatsError(() => nap([1, 2, 3, NaN], B), "nap: phase A has a non-finite value (NaN) at index 3");
    expectStatsError(() => nap(A, [Infinity]), "nap: phase B has a non-finite value (Infinity) at index 0");
    expectStatsError(() => nap(A, B, { confidence: 95 }), "nap: confidence must be a number between 0 and 1, got 95");
    expectStatsError(
      () => nap(A, B, { direction: "up" as "increase" }),
      'nap: direction must be "increase" or "decrease", got "up"',
    );
  });
});

describe("tau", () => {
  it("matches the SingleCaseES Tau() example", () => {
    // man/Tau.Rd example, reference/Tau.html: Est 0.8333333, SE 0.1380131, CI [0.1946812, 0.9720352].
    const r = tau(A, B);
    expectNear(r.estimate, 0.8333333, EST);
    expectNear(r.se, 0.1380131, EST);
    expectNear(r.ci?.[0], 0.1946812, CI);
    expectNear(r.ci?.[1], 0.9720352, CI);
    // Using-SingleCaseES vignette, calc_ES(ES = "NOM", improvement = "decrease"): Tau -0.83333333, SE 0.13801311,
    // CI [-0.97203517, -0.1946812].
    const dec = tau(A, B, { direction: "decrease" });
    expectNear(dec.estimate, -0.83333333, EST);
    expectNear(dec.se, 0.13801311, EST);
    expectNear(dec.ci?.[0], -0.97203517, CI);
    expectNear(dec.ci?.[1], -0.1946812, CI);
  });

  it("matches Parker, Vannest, Davis & Sauber (2011) example 2", () => {
    // tests/testthat/test-parker-vannest-davis-2011.R: Tau = 16/20.
    expect(tau([3, 3, 4, 5], [4, 5, 6, 7, 7]).estimate).toBeCloseTo(16 / 20, 15);
    // Same file, example 1: (38 - 3)/42.
    expect(tau(A, B).estimate).toBeCloseTo((38 - 3) / 42, 15);
  });

  it("handles ties, one observation, mirroring and errors", () => {
    expect(tau([2, 2], [2, 2, 2]).estimate).toBe(0);
    expect(tau([3], [1, 5, 7]).se).toBe(Infinity);
    const neg = (xs: number[]) => xs.map((x) => -x);
    expect(tau(A, B, { direction: "decrease" })).toEqual(tau(neg(A), neg(B)));
    expectStatsError(() => tau([], B), "tau: phase A is empty");
  });
});

describe("pnd", () => {
  it("matches SingleCaseES PND()", () => {
    // man/PND.Rd example, reference/PND.html: 0.7142857; test-parker-vannest-davis-2011.R: 5/7.
    expectNear(pnd(A, B).estimate, 0.7142857, EST);
    expect(pnd(A, B).estimate).toBeCloseTo(5 / 7, 15);
    // Using-SingleCaseES vignette, calc_ES(ES = "NOM", improvement = "decrease"): PND 0.
    expect(pnd(A, B, { direction: "decrease" }).estimate).toBe(0);
  });

  it("matches the McKissick batch example (improvement decrease)", () => {
    // Using-SingleCaseES vignette, batch_calc_ES(McKissick, improvement = "decrease"): PND 1, 0.4285714, 0.75.
    expect(pnd(MCKISSICK["Period 1"].a, MCKISSICK["Period 1"].b, { direction: "decrease" }).estimate).toBe(1);
    expectNear(
      pnd(MCKISSICK["Period 2"].a, MCKISSICK["Period 2"].b, { direction: "decrease" }).estimate,
      0.4285714,
      EST,
    );
    expect(pnd(MCKISSICK["Period 3"].a, MCKISSICK["Period 3"].b, { direction: "decrease" }).estimate).toBe(0.75);
  });

  it("counts ties with the baseline extreme as overlap, handles one observation, mirrors", () => {
    // B values equal to max(A) = 5 do not exceed it: only 6 and 7 count, 2 of 4.
    expect(pnd([1, 5], [5, 5, 6, 7]).estimate).toBe(0.5);
    expect(pnd([3, 3, 3], [3, 3]).estimate).toBe(0);
    expect(pnd([4], [3, 5]).estimate).toBe(0.5);
    const neg = (xs: number[]) => xs.map((x) => -x);
    expect(pnd(A, B, { direction: "decrease" })).toEqual(pnd(neg(A), neg(B)));
    expectStatsError(() => pnd(A, [1, NaN]), "pnd: phase B has a non-finite value (NaN) at index 1");
  });
});
