import { describe, expect, it } from "vitest";
import { piecewiseRegression, type PiecewiseResult } from "../../loaders/analysis/index.ts";
import { DEC2, DEC3, expectNear, expectStatsError } from "./_published.ts";

const ab = (nA: number, n: number) => Array.from({ length: n }, (_, i) => (i < nA ? "A" : "B"));

function term(result: PiecewiseResult, name: string) {
  const t = result.terms.find((x) => x.name === name);
  if (!t) throw new Error(`no term ${name} in ${result.terms.map((x) => x.name).join(", ")}`);
  return t;
}

/**
 * Compares estimate, SE, t and p with a table printed to 3 decimals: no published plm output prints more digits per
 * term, so DEC3 (half a unit of the third decimal) is the tightest honest tolerance; scan's own test of the column
 * sums checks the same fit to 5 decimals.
 */
function expectTerm(result: PiecewiseResult, name: string, est: number, se: number, t: number, p: number): void {
  const x = term(result, name);
  expectNear(x.estimate, est, DEC3);
  expectNear(x.se, se, DEC3);
  expectNear(x.t, t, DEC3);
  expectNear(x.p, p, DEC3);
}

// scan's exampleAB$Johanna and $Anja (jazznbass/scan, data-raw/scan-Data.R; A = 5, B = 15).
const JOHANNA = [54, 53, 56, 58, 52, 61, 62, 71, 66, 64, 78, 70, 74, 82, 77, 86, 68, 80, 86, 87];
const ANJA = [55, 58, 53, 50, 52, 55, 68, 68, 81, 67, 78, 73, 72, 78, 81, 78, 71, 85, 80, 76];
// scan's exampleABC$Marie (scan-Book, convert(exampleABC)): A, B and C of 10 sessions.
const MARIE = [
  58, 56, 60, 63, 51, 45, 44, 59, 45, 39, 83, 65, 70, 83, 70, 85, 47, 66, 77, 75, 51, 87, 80, 68, 70, 56, 52, 70, 83,
  63,
];
const MARIE_PHASES = MARIE.map((_, i) => (i < 10 ? "A" : i < 20 ? "B" : "C"));

describe("piecewiseRegression", () => {
  it("matches scan's plm(exampleAB$Johanna)", () => {
    // jazznbass/scan docs/reference/plm.html (example "plm(exampleAB$Johanna)") and scan-Book
    // ch_piecewise_regression.qmd, 3 decimals: F(3, 16) = 28.69; R² = 0.843; Adjusted R² = 0.814.
    const r = piecewiseRegression(JOHANNA, ab(5, 20));
    expect(r.terms.map((t) => t.name)).toEqual(["intercept", "trend", "level B", "slope B"]);
    expectTerm(r, "intercept", 54.4, 3.89, 13.986, 0.0);
    expectTerm(r, "trend", 0.1, 1.588, 0.063, 0.951);
    expectTerm(r, "level B", 7.858, 5.816, 1.351, 0.195);
    expectTerm(r, "slope B", 1.525, 1.616, 0.944, 0.359);
    expect([r.f.df1, r.f.df2]).toEqual([3, 16]);
    expectNear(r.f.value, 28.69, DEC2);
    expectNear(r.r2, 0.843, DEC3);
    expectNear(r.adjustedR2, 0.814, DEC3);
    expect(r.f.p).toBeLessThan(0.0005);
    // The book's hand check: the last session is predicted as 54.400 + 19·0.100 + 7.858 + 14·1.525 = 85.508.
    const [b0, b1, b2, b3] = r.terms.map((t) => t.estimate) as [number, number, number, number];
    expectNear(b0 + 19 * b1 + b2 + 14 * b3, 85.508, DEC3);
  });

  it("matches scan's own test of plm(exampleAB$Johanna) to 5 decimals", () => {
    // jazznbass/scan, tests/testthat/test-plm.R: round(sum(coef(plm(exampleAB$Johanna))), 5) is 94.64233, where
    // coef() is the whole coefficient table (R/coefficents.sc_plm.R: summary(full.model)$coef), i.e. the sum of
    // every term's estimate, SE, t and p. The per-term values are published to 3 decimals only (test above); this
    // sum pins them jointly to 5 decimals: tolerance 5e-6.
    const r = piecewiseRegression(JOHANNA, ab(5, 20));
    const sum = r.terms.reduce((s, t) => s + t.estimate + t.se + t.t + t.p, 0);
    expectNear(sum, 94.64233, 5e-6);
  });

  it("matches scan's plm() of the scan-Book example (exampleAB$Anja)", () => {
    // scan-Book ch_piecewise_regression.qmd, "The slope, level, and trend arguments": F(3, 16) = 21.36; R² = 0.800;
    // Adjusted R² = 0.763.
    const r = piecewiseRegression(ANJA, ab(5, 20));
    expectTerm(r, "intercept", 56.4, 4.25, 13.27, 0.0);
    expectTerm(r, "trend", -1.4, 1.735, -0.807, 0.432);
    expectTerm(r, "level B", 16.967, 6.356, 2.67, 0.017);
    expectTerm(r, "slope B", 2.5, 1.766, 1.416, 0.176);
    expectNear(r.f.value, 21.36, DEC2);
    expectNear(r.r2, 0.8, DEC3);
    expectNear(r.adjustedR2, 0.763, DEC3);
  });

  it("matches the scan-Book contrast table for exampleABC$Marie", () => {
    // scan-Book ch_piecewise_regression.qmd, Table "Estimates of a piecewise-linear regression with contrast models
    // 'first' and 'preceding'", 3 decimals.
    const first = piecewiseRegression(MARIE, MARIE_PHASES, { contrast: "first" });
    const published = { intercept: 60.618, trend: -1.915, "level B": 33.388, "slope B": 1.303 };
    for (const [name, value] of Object.entries(published)) expectNear(term(first, name).estimate, value, DEC3);
    expectNear(term(first, "level C").estimate, 46.558, DEC3);
    expectNear(term(first, "slope C").estimate, 1.721, DEC3);
    const preceding = piecewiseRegression(MARIE, MARIE_PHASES);
    for (const [name, value] of Object.entries(published)) expectNear(term(preceding, name).estimate, value, DEC3);
    expectNear(term(preceding, "level C").estimate, 0.139, DEC3);
    expectNear(term(preceding, "slope C").estimate, 0.418, DEC3);
    // Both codings span the same model, so the fit is identical.
    expectNear(preceding.r2, first.r2, 1e-12);
    expectNear(preceding.f.value, first.f.value, 1e-9);
  });

  it("names repeated labels by run and takes measurement times", () => {
    const values = [3, 4, 3, 5, 8, 9, 8, 10, 4, 5, 4, 3, 9, 11, 10, 12];
    const phases = ["A", "A", "A", "A", "B", "B", "B", "B", "A", "A", "A", "A", "B", "B", "B", "B"];
    const r = piecewiseRegression(values, phases);
    expect(r.terms.map((t) => t.name)).toEqual([
      "intercept",
      "trend",
      "level B(1)",
      "level A(2)",
      "level B(2)",
      "slope B(1)",
      "slope A(2)",
      "slope B(2)",
    ]);
    // Time is shifted to start at 0, so an offset changes nothing; doubling the spacing halves the slopes only.
    const offset = piecewiseRegression(values, phases, { time: values.map((_, i) => i + 101) });
    offset.terms.forEach((t, i) => expectNear(t.estimate, r.terms[i]?.estimate as number, 1e-9));
    const doubled = piecewiseRegression(values, phases, { time: values.map((_, i) => 2 * i) });
    doubled.terms.forEach((t, i) => {
      const scale = t.name === "trend" || t.name.startsWith("slope") ? 0.5 : 1;
      expectNear(t.estimate, scale * (r.terms[i]?.estimate as number), 1e-9);
      expectNear(t.p, r.terms[i]?.p as number, 1e-9);
    });
  });

  it("rejects a phase too short for its slope, tied values and bad input with exact messages", () => {
    // One B observation: its slope dummy is 0 throughout, as in R where lm() returns NA for it.
    expectStatsError(
      () => piecewiseRegression([1, 3, 2, 4, 9], ab(4, 5)),
      'piecewiseRegression: term "slope B" is not estimable: its column is collinear with earlier ones (a slope needs at least 2 observations in its phase)',
    );
    expectStatsError(
      () => piecewiseRegression([5, 5, 5, 5, 5, 5], ab(3, 6)),
      "piecewiseRegression: the model fits the values exactly (residual variance 0), so standard errors are undefined",
    );
    expectStatsError(
      () => piecewiseRegression([1, 2, 3, 4], ab(2, 4)),
      "piecewiseRegression: 4 observations are too few for 4 coefficients (at least 5 are needed)",
    );
    expectStatsError(() => piecewiseRegression([], []), "piecewiseRegression: values is empty");
    expectStatsError(
      () => piecewiseRegression([1, 2, Infinity], ab(1, 3)),
      "piecewiseRegression: values has a non-finite value (Infinity) at index 2",
    );
    expectStatsError(
      () => piecewiseRegression([1, 2, 3], ["A", "B"]),
      "piecewiseRegression: phaseOfEach has 2 labels for 3 values",
    );
    expectStatsError(
      () => piecewiseRegression(JOHANNA, ab(5, 20), { time: [1, 2] }),
      "piecewiseRegression: time has 2 entries for 20 values",
    );
  });
});
