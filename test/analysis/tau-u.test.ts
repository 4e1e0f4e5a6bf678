import { describe, expect, it } from "vitest";
import { tau, tauU } from "../../loaders/analysis/index.ts";
import { EST, expectNear, expectStatsError } from "./_published.ts";

const A = [20, 20, 26, 25, 22, 23];
const B = [28, 25, 24, 27, 30, 30, 29];

describe("tauU", () => {
  it("matches the SingleCaseES Tau_U() example", () => {
    // man/Tau_U.Rd example, reference/Tau_U.html: 0.7380952. Hand check: S_AB = 38 - 3 = 35 and the baseline
    // 20, 20, 26, 25, 22, 23 has 10 increasing and 6 decreasing later pairs (one tie), S_AA = 4; (35 - 4)/42.
    const r = tauU(A, B);
    expectNear(r.estimate, 0.7380952, EST);
    expect(r).toMatchObject({ sAB: 35, sAA: 4, pairs: 42 });
    // Using-SingleCaseES vignette, calc_ES(ES = "NOM", improvement = "decrease"): Tau-U -0.73809524.
    expectNear(tauU(A, B, { direction: "decrease" }).estimate, -0.73809524, EST);
  });

  it("matches Parker, Vannest, Davis & Sauber (2011) example 2", () => {
    // tests/testthat/test-parker-vannest-davis-2011.R: Tau-U = 11/20 for A = 3, 3, 4, 5 and B = 4, 5, 6, 7, 7.
    expect(tauU([3, 3, 4, 5], [4, 5, 6, 7, 7]).estimate).toBeCloseTo(11 / 20, 15);
  });

  it("matches the 'Bob' example of Parker et al. (2011) as replicated in scan's tau_u() docs", () => {
    // jazznbass/scan, R/tau_u.R example tau_u(bob, method = "parker"), docs/reference/tau_u.html: row
    // "A vs. B - Trend A": S = 13, D = 20, Tau = 0.65 (from "A vs. B" S = 16 and "Trend A" S = 3).
    const r = tauU([2, 3, 5, 3], [4, 5, 5, 7, 6]);
    expect(r).toMatchObject({ sAB: 16, sAA: 3, pairs: 20 });
    expect(r.estimate).toBeCloseTo(0.65, 15);
  });

  it("is 0 for tied data and equals Tau with a single baseline observation", () => {
    expect(tauU([4, 4, 4], [4, 4]).estimate).toBe(0);
    // SingleCaseES tests/testthat/test-short-phase-behavior.R: with one A observation there is no baseline trend.
    expect(tauU([3], [1, 5, 7]).estimate).toBeCloseTo(tau([3], [1, 5, 7]).estimate, 15);
    expect(tauU([3, 1], [2]).estimate).toBe((0 - -1) / 2);
  });

  it("mirrors increase and decrease", () => {
    const neg = (xs: number[]) => xs.map((x) => -x);
    expect(tauU(A, B, { direction: "decrease" })).toEqual(tauU(neg(A), neg(B)));
  });

  it("rejects empty and non-finite phases", () => {
    expectStatsError(() => tauU(A, []), "tauU: phase B is empty");
    expectStatsError(() => tauU([1, -Infinity], B), "tauU: phase A has a non-finite value (-Infinity) at index 1");
  });
});
