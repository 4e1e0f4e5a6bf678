import { describe, expect, it } from "vitest";
import { phaseSummary } from "../../loaders/analysis/index.ts";
import { DEC3, expectNear, expectStatsError } from "./_published.ts";

// exampleABC$Marie and $Rosalind of scan, as printed by convert(exampleABC) in the scan book
// (jazznbass/scan-Book, ch_create_display_and_store_scdfs.qmd, rendered in docs/).
const MARIE = {
  A: [58, 56, 60, 63, 51, 45, 44, 59, 45, 39],
  B: [83, 65, 70, 83, 70, 85, 47, 66, 77, 75],
  C: [51, 87, 80, 68, 70, 56, 52, 70, 83, 63],
};
const ROSALIND = [
  47, 41, 47, 52, 54, 65, 55, 37, 51, 60, 60, 65, 55, 46, 49, 54, 77, 73, 97, 64, 84, 71, 66, 74, 78, 68, 52, 76, 63,
  54,
];

describe("phaseSummary", () => {
  it("matches scan's describe(exampleABC) for Marie", () => {
    // jazznbass/scan-Book, ch_describe.qmd (docs/ch_describe.html): m, md, sd, min, max and trend per phase,
    // 3 decimals, hence DEC3; scan's own test of the table's sum (below) checks the same values to 11 decimals. scan's trend is coef(lm(y ~ I(mt - mt[1] + 1))), the OLS slope against 1..n for mt = 1..n.
    const published = {
      A: { mean: 52.0, median: 53.5, sd: 8.287, min: 39, max: 63, slope: -1.915 },
      B: { mean: 72.1, median: 72.5, sd: 11.367, min: 47, max: 85, slope: -0.612 },
      C: { mean: 68.0, median: 69, sd: 12.702, min: 51, max: 87, slope: -0.194 },
    };
    for (const phase of ["A", "B", "C"] as const) {
      const s = phaseSummary(MARIE[phase]);
      const p = published[phase];
      expect(s.n).toBe(10);
      expectNear(s.mean, p.mean, DEC3);
      expectNear(s.median, p.median, DEC3);
      expectNear(s.sd ?? NaN, p.sd, DEC3);
      expect(s.min).toBe(p.min);
      expect(s.max).toBe(p.max);
      expectNear(s.slope ?? NaN, p.slope, DEC3);
    }
  });

  it("matches scan's describe(exampleABC) for Rosalind (unequal phases)", () => {
    // Same table: Rosalind has A = 15, B = 8, C = 7; m.A 52.267, md.A 52.0, sd.A 8.146, trend.A 0.500;
    // m.B 73.250, sd.B 13.134, trend.B 0.643; m.C 66.429, md.C 68, sd.C 10.486, trend.C -2.929.
    const a = phaseSummary(ROSALIND.slice(0, 15));
    expectNear(a.mean, 52.267, DEC3);
    expectNear(a.median, 52.0, DEC3);
    expectNear(a.sd ?? NaN, 8.146, DEC3);
    expectNear(a.slope ?? NaN, 0.5, DEC3);
    expect([a.min, a.max]).toEqual([37, 65]);
    const b = phaseSummary(ROSALIND.slice(15, 23));
    expectNear(b.mean, 73.25, DEC3);
    expectNear(b.sd ?? NaN, 13.134, DEC3);
    expectNear(b.slope ?? NaN, 0.643, DEC3);
    expect([b.min, b.max]).toEqual([54, 97]);
    const c = phaseSummary(ROSALIND.slice(23));
    expectNear(c.mean, 66.429, DEC3);
    expectNear(c.median, 68, DEC3);
    expectNear(c.sd ?? NaN, 10.486, DEC3);
    expectNear(c.slope ?? NaN, -2.929, DEC3);
  });

  it("matches scan's own test of describe(exampleABC) to 11 decimals", () => {
    // jazznbass/scan, tests/testthat/test-describe.R: the sum of every numeric cell of describe(exampleABC)
    // ($descriptives without Case and Design) equals 2615.03644924563 (expect_equal). The cells are, per case and
    // phase, n, mis (0 here), m, md, sd, mad, min, max and trend (R/describe.R). All but mad come from
    // phaseSummary; mad is R's mad(): 1.4826 · median |x - median(x)|. Lise is exampleABC's third case as printed by
    // convert(exampleABC) in the scan book (ch_create_display_and_store_scdfs). The per-phase values are published
    // to 3 decimals only (tests above); the sum is printed to 11: tolerance 1e-9.
    const lise = [
      50, 45, 63, 53, 66, 57, 35, 45, 74, 63, 47, 45, 47, 36, 51, 55, 35, 66, 59, 55, 73, 60, 85, 62, 79, 69, 87, 76,
      90, 48,
    ];
    const phases = [
      MARIE.A,
      MARIE.B,
      MARIE.C,
      ROSALIND.slice(0, 15),
      ROSALIND.slice(15, 23),
      ROSALIND.slice(23),
      lise.slice(0, 20),
      lise.slice(20, 27),
      lise.slice(27),
    ];
    const median = (v: number[]) => phaseSummary(v).median;
    let sum = 0;
    for (const values of phases) {
      const s = phaseSummary(values);
      const mad = 1.4826 * median(values.map((x) => Math.abs(x - s.median)));
      sum += s.n + 0 + s.mean + s.median + (s.sd ?? NaN) + mad + s.min + s.max + (s.slope ?? NaN);
    }
    expectNear(sum, 2615.03644924563, 1e-9);
  });

  it("returns null sd and slope for a single observation", () => {
    expect(phaseSummary([7])).toEqual({ n: 1, mean: 7, median: 7, sd: null, min: 7, max: 7, slope: null });
  });

  it("handles tied values and two observations (hand-worked)", () => {
    expect(phaseSummary([3, 3, 3, 3])).toEqual({ n: 4, mean: 3, median: 3, sd: 0, min: 3, max: 3, slope: 0 });
    // 2 and 6: mean 4, median 4, sd √((4 + 4)/1) = √8, slope (6 - 2)/(2 - 1) = 4.
    expect(phaseSummary([2, 6])).toEqual({ n: 2, mean: 4, median: 4, sd: Math.sqrt(8), min: 2, max: 6, slope: 4 });
  });

  it("rejects empty and non-finite input with exact messages", () => {
    expectStatsError(() => phaseSummary([]), "phaseSummary: values is empty");
    expectStatsError(() => phaseSummary([1, 2, NaN]), "phaseSummary: values has a non-finite value (NaN) at index 2");
  });
});
