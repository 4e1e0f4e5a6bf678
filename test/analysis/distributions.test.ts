import { describe, expect, it } from "vitest";
import {
  fCdf,
  fQuantile,
  fSurvival,
  normalCdf,
  normalQuantile,
  tCdf,
  tQuantile,
  tTwoSided,
} from "../../loaders/analysis/index.ts";
import { expectNear } from "./_published.ts";

describe("normal distribution", () => {
  it("matches tabulated values", () => {
    // Abramowitz & Stegun (1964), Table 26.1 / any normal table: Φ(1.96) = 0.9750021, Φ(1) = 0.8413447,
    // Φ⁻¹(0.975) = 1.959964, Φ⁻¹(0.995) = 2.575829, and the far tail Φ(-10) = 7.619853e-24.
    expectNear(normalCdf(1.96), 0.9750021, 5e-8);
    expectNear(normalCdf(1), 0.8413447, 5e-8);
    expectNear(normalCdf(-1), 1 - 0.8413447, 5e-8);
    expectNear(normalQuantile(0.975), 1.959964, 5e-7);
    expectNear(normalQuantile(0.995), 2.575829, 5e-7);
    expectNear(normalCdf(-10) / 7.619853e-24, 1, 1e-6);
    expect(normalCdf(0)).toBe(0.5);
  });

  it("inverts its CDF across the range", () => {
    // Above x ≈ 5, Φ(x) rounds to within a few ulps of 1 and no longer determines x; the lower tail keeps precision.
    for (const x of [-8, -3.5, -1.2, -0.1, 0.3, 1.7, 4, 5]) expectNear(normalQuantile(normalCdf(x)), x, 1e-9);
    expect(normalQuantile(0)).toBe(-Infinity);
    expect(normalQuantile(1)).toBe(Infinity);
    expect(normalQuantile(1.5)).toBeNaN();
  });
});

describe("t distribution", () => {
  it("matches tabulated critical values", () => {
    // Student t tables (e.g. Abramowitz & Stegun Table 26.10), 3 decimals: t(.975; 10) = 2.228, t(.975; 16) = 2.120,
    // t(.995; 5) = 4.032, t(.95; 1) = 6.314.
    expectNear(tQuantile(0.975, 10), 2.228, 5e-4);
    expectNear(tQuantile(0.975, 16), 2.12, 5e-4);
    expectNear(tQuantile(0.995, 5), 4.032, 5e-4);
    expectNear(tQuantile(0.95, 1), 6.314, 5e-4);
    expectNear(tQuantile(0.025, 10), -2.228, 5e-4);
  });

  it("is consistent: CDF and quantile invert, two-sided p, large df tends to the normal", () => {
    for (const df of [1, 3, 16, 120]) {
      for (const p of [0.001, 0.05, 0.4, 0.9, 0.999]) expectNear(tCdf(tQuantile(p, df), df), p, 1e-10);
      expectNear(tTwoSided(tQuantile(0.975, df), df), 0.05, 1e-10);
    }
    // The Cauchy case has a closed form: P(T ≤ 1) = 1/2 + atan(1)/π = 0.75.
    expectNear(tCdf(1, 1), 0.75, 1e-14);
    expectNear(tCdf(1.5, 1e7), normalCdf(1.5), 1e-7);
  });
});

describe("F distribution", () => {
  it("matches tabulated critical values and a published tail probability", () => {
    // F tables, 2 decimals: F(.95; 3, 16) = 3.24, F(.99; 2, 10) = 7.56.
    expectNear(fQuantile(0.95, 3, 16), 3.24, 5e-3);
    expectNear(fQuantile(0.99, 2, 10), 7.56, 5e-3);
    // jazznbass/scan-Book, ch_piecewise_regression.qmd: pf(33.655, 1, 18, lower.tail = FALSE) = 1.697306e-05.
    expectNear(fSurvival(33.655, 1, 18) / 1.697306e-5, 1, 1e-6);
  });

  it("is consistent: F(1, df) is the square of t(df), CDF and survival add up", () => {
    for (const df of [2, 7, 30]) {
      expectNear(fSurvival(2.5 ** 2, 1, df), tTwoSided(2.5, df), 1e-12);
      expectNear(fCdf(3, 4, df) + fSurvival(3, 4, df), 1, 1e-14);
      expectNear(fCdf(fQuantile(0.9, 4, df), 4, df), 0.9, 1e-10);
    }
  });
});
