import { describe, expect, it } from "vitest";
import { bcSmd, type BcSmdCase } from "../../loaders/analysis/index.ts";
import { expectNear, expectStatsError, fixture } from "./_published.ts";

/**
 * Package data of scdhlm (jepusto/scdhlm, data/*.RData, exported to CSV with R's write.csv): Lambert, Cartledge,
 * Heward & Lo (2006), disruptive behavior only; Anglesea, Hoch & Taylor (2008); Saddler, Behforooz & Asaro (2008);
 * Laski, Charlop & Schreibman (1988); Carson (BAB); Thorne (ABAB, two measures); Schutte, Malouff & Brown (2008).
 * `pair` is scdhlm's phase (ABk) variable; bcSmd finds the pairs from the labels itself.
 */
function cases(study: string, measure = ""): BcSmdCase[] {
  const byCase = new Map<string, { values: number[]; phases: ("A" | "B")[]; times: number[] }>();
  for (const line of fixture("scdhlm-examples.csv").trim().split("\n").slice(1)) {
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
    // Constant within every case and phase: S² > 0 from the cases' different levels, but no autocorrelation.
    const flat = (level: number) => ({ values: [level, level, level + 5, level + 5], phases: ok.phases });
    expectStatsError(
      () => bcSmd([flat(1), flat(3), flat(4)]),
      "bcSmd: no value varies within any case and phase, so the autocorrelation is undefined",
    );
    expectStatsError(
      () => bcSmd([ok, ok], { design: "AB" as "MB" }),
      'bcSmd: design must be one of "MB", "ABk", got "AB"',
    );
  });

  it("agrees with scdhlm's own functions on a BAB design, missing sessions and a twelve-case MB (recorded outputs)", () => {
    // Not published: recorded by running scdhlm's effect_size_ABk / effect_size_MB (R/HPS-ES-functions.R at commit
    // 3b12709, R 4.2.2) on its Carson, Thorne and Schutte data, printed to 10 significant digits. Carson starts
    // with a B phase; Thorne's cases miss sessions; Schutte has 12 cases. Columns: g, V, ν, φ, ρ, D̄, S².
    const recorded: [string, string, "MB" | "ABk", number[]][] = [
      [
        "Carson",
        "",
        "ABk",
        [3.098172437, 0.5315400216, 13.69257342, 0.0801908532, 0.2640142542, 2.73015873, 0.6923076923],
      ],
      [
        "Thorne",
        "Academic Engagement",
        "ABk",
        [1.986289177, 0.05304039703, 49.7206733, 0.2309052567, 0.4183589106, 22.10805578, 120.1564453],
      ],
      [
        "Thorne",
        "Inappropriate Verbalizations",
        "ABk",
        [-1.584632267, 0.05426204071, 29.66914168, 0.2247709518, 0.5762770262, -8.2215836, 25.56367872],
      ],
      [
        "Schutte",
        "",
        "MB",
        [-0.4000835373, 0.03132456447, 21.32790369, 0.5032350102, 0.5824023719, -4.550297619, 120.3119044],
      ],
    ];
    for (const [study, measure, design, values] of recorded) {
      const r = bcSmd(cases(study, measure), { design });
      const got = [r.estimate, r.variance, r.df, r.autocorrelation, r.icc, r.meanDifference, r.pooledVariance];
      values.forEach((v, i) => expectNear(got[i], v, Math.abs(v) * 1e-9 + 1e-12));
    }
  });
});
