import { describe, expect, it } from "vitest";
import { bcSmd, type BcSmdCase } from "../../loaders/analysis/index.ts";
import { expectNear, expectStatsError, fixture } from "./_published.ts";

/**
 * The data of scdhlm's HPS examples (jepusto/scdhlm, data/Lambert, Anglesea, Saddler and Laski, exported to CSV with
 * R's write.csv): Lambert, Cartledge, Heward & Lo (2006), disruptive behavior only; Anglesea, Hoch & Taylor (2008);
 * Saddler, Behforooz & Asaro (2008); Laski, Charlop & Schreibman (1988). `pair` is scdhlm's phase (ABk) variable.
 */
function cases(study: string, measure = ""): BcSmdCase[] {
  const byCase = new Map<string, { values: number[]; phases: ("A" | "B")[]; times: number[] }>();
  for (const line of fixture("hps-examples.csv").trim().split("\n").slice(1)) {
    const [s, m, c, , condition, time, outcome] = line.split(",") as string[];
    if (s !== study || m !== measure) continue;
    let x = byCase.get(c as string);
    if (!x) byCase.set(c as string, (x = { values: [], phases: [], times: [] }));
    x.values.push(Number(outcome));
    x.phases.push(condition as "A" | "B");
    x.times.push(Number(time));
  }
  return [...byCase.values()];
}

// Published to 6 decimals (8 for the variance): half a unit of the last digit.
const D6 = 5e-7 + 1e-12;
const D8 = 5e-9 + 1e-12;

describe("bcSmd", () => {
  it("matches HPS (2012) example 1, Lambert et al. (2006), as in scdhlm's test_HPS_examples", () => {
    // tests/testthat/test_HPS_examples.R, "Example 1 from HPS 2012": effect_size_ABk on the disruptive behavior data.
    const r = bcSmd(cases("Lambert", "disruptive behavior"), { design: "ABk" });
    expect(r.cells).toBe(23);
    expectNear(r.meanDifference, -5.457995, D6);
    expectNear(r.pooledVariance, 4.673913, D6);
    expectNear(r.unadjusted, -2.524601, D6);
    expectNear(r.autocorrelation, 0.22468, D6);
    expectNear(r.withinVariance, 4.534312, D6);
    expectNear(r.icc, 0.029868, D6);
    expectNear(r.theta, 0.144926, D6);
    expectNear(r.df, 164.492271, D6);
    expectNear(r.estimate, -2.513073, D6);
    expectNear(r.variance, 0.04054616, D8);
  });

  it("matches HPS (2012) example 2, Anglesea et al. (2008)", () => {
    // test_HPS_examples.R, "Example 2 from HPS 2012".
    const r = bcSmd(cases("Anglesea"), { design: "ABk" });
    expect(r.cells).toBe(13);
    expectNear(r.meanDifference, 86.870476, D6);
    expectNear(r.pooledVariance, 2347.845708, D6);
    expectNear(r.unadjusted, 1.792823, D6);
    expectNear(r.autocorrelation, 0.175859, D6);
    expectNear(r.withinVariance, 198.369968, D6);
    expectNear(r.icc, 0.91551, D6);
    expectNear(r.theta, 0.091347, D6);
    expectNear(r.df, 2.340135, D6);
    expectNear(r.estimate, 1.149507, D6);
    expectNear(r.variance, 2.43956417, D8);
  });

  it("matches HPS (2013) example 1, Saddler et al. (2008), for its three measures", () => {
    // test_HPS_examples.R, "Example 1 from HPS 2013": effect_size_MB for writing quality, T-unit length and
    // number of constructions.
    const r = bcSmd(cases("Saddler", "writing quality"), { design: "MB" });
    expect(r.cells).toBe(13);
    expectNear(r.meanDifference, 2.097222, D6);
    expectNear(r.pooledVariance, 0.952381, D6);
    expectNear(r.unadjusted, 2.149013, D6);
    expectNear(r.autocorrelation, 0.09965, D6);
    expectNear(r.withinVariance, 0.349322, D6);
    expectNear(r.icc, 0.633212, D6);
    expectNear(r.theta, 0.200641, D6);
    expectNear(r.df, 8.918146, D6);
    expectNear(r.estimate, 1.963073, D6);
    expectNear(r.variance, 0.33491289, D8);
    const complexity = bcSmd(cases("Saddler", "T-unit length"), { design: "MB" });
    expectNear(complexity.estimate, 0.7854, D6);
    expectNear(complexity.variance, 0.0802332, D8);
    const constructions = bcSmd(cases("Saddler", "number of constructions"), { design: "MB" });
    expectNear(constructions.estimate, 0.747554, D6);
    expectNear(constructions.variance, 0.07847359, D8);
  });

  it("matches HPS (2013) example 2, Laski et al. (1988)", () => {
    // test_HPS_examples.R, "Example 2 from HPS 2013".
    const r = bcSmd(cases("Laski"), { design: "MB" });
    expect(r.cells).toBe(27);
    expectNear(r.meanDifference, 31.822475, D6);
    expectNear(r.pooledVariance, 465.815861, D6);
    expectNear(r.unadjusted, 1.474439, D6);
    expectNear(r.autocorrelation, 0.016526, D6);
    expectNear(r.withinVariance, 142.555268, D6);
    expectNear(r.icc, 0.693966, D6);
    expectNear(r.theta, 0.102497, D6);
    expectNear(r.df, 13.100415, D6);
    expectNear(r.estimate, 1.388385, D6);
    expectNear(r.variance, 0.10050132, D8);
  });

  it("does not depend on the order of the observations, and MB and ABk agree on D̄ for a multiple baseline", () => {
    // test_HPS_examples.R, "Order doesn't matter" and "MB and ABk give similar results".
    const laski = cases("Laski");
    const reversed = laski.map((c) => ({
      values: [...c.values].reverse(),
      phases: [...c.phases].reverse(),
      times: [...(c.times as number[])].reverse(),
    }));
    const r = bcSmd(laski, { design: "MB" });
    const s = bcSmd(reversed, { design: "MB" });
    expectNear(s.estimate, r.estimate, 1e-12);
    expectNear(s.variance, r.variance, 1e-12);
    expectNear(bcSmd(laski, { design: "ABk" }).meanDifference, r.meanDifference, 1e-12);
  });

  it("flips the sign for a decreasing outcome and gives a t interval on ν df", () => {
    const laski = cases("Laski");
    const up = bcSmd(laski, { design: "MB" });
    const down = bcSmd(laski, { design: "MB", direction: "decrease" });
    expect(down.estimate).toBe(-up.estimate);
    expect(down.variance).toBe(up.variance);
    // scdhlm CI_g(symmetric = TRUE): g ± qt(0.975, ν)·√V; with ν = 13.100415, qt ≈ 2.1582.
    expectNear((up.ci[1] - up.ci[0]) / 2 / up.se, 2.1582, 5e-4);
  });

  it("rejects fewer than two cases, a case without both phases and malformed cases", () => {
    const ok = { values: [1, 2, 3, 4], phases: ["A", "A", "B", "B"] as ("A" | "B")[] };
    expectStatsError(() => bcSmd([ok]), "bcSmd: needs at least 2 cases, got 1");
    expectStatsError(
      () => bcSmd([ok, { values: [1, 2], phases: ["A", "A"] }]),
      "bcSmd: case 2 has no phase B observations",
    );
    expectStatsError(
      () => bcSmd([{ values: [1, 2], phases: ["B", "B"] }, ok]),
      "bcSmd: case 1 has no phase A observations",
    );
    expectStatsError(() => bcSmd([ok, { values: [1, 2], phases: ["A"] }]), "bcSmd: case 2 has 2 values but 1 phases");
    expectStatsError(
      () => bcSmd([ok, { values: [1, 2, 3], phases: ["A", "B", "B"], times: [1, 2, 2] }]),
      "bcSmd: case 2 has two observations at time 2",
    );
    expectStatsError(() => bcSmd([ok, { values: [], phases: [] }]), "bcSmd: case 2 is empty");
    expectStatsError(
      () => bcSmd([ok, ok], { design: "AB" as "MB" }),
      'bcSmd: design must be one of "MB", "ABk", got "AB"',
    );
  });
});
