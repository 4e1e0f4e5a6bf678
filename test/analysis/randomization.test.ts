import { describe, expect, it } from "vitest";
import { mapPhases, normalCdf, randomizationTest } from "../../loaders/analysis/index.ts";
import { expectNear, expectStatsError, fixture } from "./_published.ts";

const ab = (nA: number, n: number) => Array.from({ length: n }, (_, i) => (i < nA ? "A" : "B"));

// Onghena (1992) hypothetical ABAB data, 4 phases of 6, shipped as data(ABAB) in the SCRT package (cran/SCRT).
const ONGHENA = [6, 2, 5, 3, 4, 4, 1, 2, 3, 1, 3, 2, 2, 3, 4, 2, 4, 3, 0, 1, 2, 0, 2, 1];
const ONGHENA_PHASES = ONGHENA.map((_, i) => (Math.floor(i / 6) % 2 === 0 ? "A" : "B"));
// scan's exampleAB (jazznbass/scan, data-raw/scan-Data.R): three cases, A = 5, B = 15.
const JOHANNA = [54, 53, 56, 58, 52, 61, 62, 71, 66, 64, 78, 70, 74, 82, 77, 86, 68, 80, 86, 87];
const KAROLINA = [41, 59, 56, 51, 52, 57, 56, 67, 75, 66, 69, 68, 73, 77, 79, 86, 82, 75, 83, 89];
const ANJA = [55, 58, 53, 50, 52, 55, 68, 68, 81, 67, 78, 73, 72, 78, 81, 78, 71, 85, 80, 76];

describe("randomizationTest", () => {
  it("matches scan's rand_test() example on byHeart2011, case 1", () => {
    // jazznbass/scan, R/rand_test.R example rand_test(byHeart2011[1], statistic = "Median B-A") with limit 5, output
    // in docs/reference/rand_test.html: observed 15, "all 11 possible combinations", M = 14.40909, SD = 1.338249,
    // min 12, max 16, p = 0.6363636. Data from data-raw/scan-Data.R (case1 of byHeart2011, A = 5, B = 15).
    const values = [0, 1, 0, 0, 1, 2, 5, 6, 7, 10, 10, 15, 16, 14, 17, 18, 17, 19, 18, 18];
    const r = randomizationTest(values, ab(5, 20), { statistic: "median B-A", minPhaseLength: 5 });
    expect(r.observed).toBe(15);
    expect(r.assignments).toBe(11);
    expect(r.exhaustive).toBe(true);
    expectNear(r.p, 0.6363636, 1e-6);
    const mean = r.distribution.reduce((s, v) => s + v, 0) / 11;
    const sd = Math.sqrt(r.distribution.reduce((s, v) => s + (v - mean) ** 2, 0) / 10);
    expectNear(mean, 14.40909, 1e-5);
    expectNear(sd, 1.338249, 1e-6);
    expect(Math.min(...r.distribution)).toBe(12);
    expect(Math.max(...r.distribution)).toBe(16);
  });

  it("matches SCRT's systematic ABAB test on Onghena's (1992) data", () => {
    // Recorded SCRT outputs (fikovnik/ISSTA18-artifact, experiment/SCRT/SCRT/*/test-1.R):
    // quantity(design = "ABAB", MT = 24, limit = 4) = 165;
    // pvalue.systematic(design = "ABAB", statistic = "AA-BB", limit = 4, data = ABAB) = 0.0242424242424242 (= 4/165);
    // distribution.systematic(...) gives the 165 sorted AA-BB values, stored in test/fixtures/analysis.
    // AA-BB is the difference of the sums of phase means, twice our PA-PB; the data fall in B, so the expected
    // direction is "decrease" and larger PA-PB is more extreme.
    const r = randomizationTest(ONGHENA, ONGHENA_PHASES, {
      design: "ABAB",
      statistic: "PA-PB",
      minPhaseLength: 4,
      direction: "decrease",
    });
    expect(r.assignments).toBe(165);
    expect(r.exhaustive).toBe(true);
    expect(r.observed).toBe(2);
    expectNear(r.p, 0.0242424242424242, 1e-12);
    const published = (JSON.parse(fixture("scrt-abab-aa-bb.json")) as { distribution: number[] }).distribution;
    const ours = r.distribution.map((s) => 2 * s).sort((x, y) => x - y);
    ours.forEach((s, i) => expectNear(s, published[i] as number, 1e-12));
  });

  it("matches scan's own test of rand_test(exampleAB, complete = TRUE), statistic Mean B-A", () => {
    // jazznbass/scan, tests/testthat/test-rand_test.R: round(p.value + observed.statistic + Z + p.Z.single +
    // mean(distribution), 8) is 40.97299008 for the three cases of exampleAB (data-raw/scan-Data.R), default
    // statistic "Mean B-A", limit 5, every combination of start points. scan averages the cases' statistics and
    // takes every combination (expand.grid) of their start points, 11 each; p counts combinations ≥ the observed
    // one, Z = (observed - M) / SD over the 1331 and p.Z.single = 1 - Φ(Z) (R/rand_test.R). Each case's "mean B-A"
    // distribution is ours; only that averaging is done here. The scan book (ch_randomization_test) prints the
    // observed statistic as 20.55556. Published to 8 decimals: tolerance 5e-9.
    const cases = [JOHANNA, KAROLINA, ANJA].map((v) => randomizationTest(v, ab(5, 20), { minPhaseLength: 5 }));
    expect(cases.map((c) => [c.assignments, c.exhaustive])).toEqual([
      [11, true],
      [11, true],
      [11, true],
    ]);
    const mean3 = (x: number, y: number, z: number) => (x + y + z) / 3;
    const [c1, c2, c3] = cases.map((c) => c.distribution) as [number[], number[], number[]];
    const combined = c1.flatMap((x) => c2.flatMap((y) => c3.map((z) => mean3(x, y, z))));
    const observed = mean3(...(cases.map((c) => c.observed) as [number, number, number]));
    expectNear(observed, 20.55556, 5e-6);
    const m = combined.reduce((s, v) => s + v, 0) / combined.length;
    const sd = Math.sqrt(combined.reduce((s, v) => s + (v - m) ** 2, 0) / (combined.length - 1));
    // Ties in exact arithmetic may differ in the last bits after summing in another order.
    const p = combined.filter((v) => v >= observed - 1e-9).length / combined.length;
    const z = (observed - m) / sd;
    expectNear(p + observed + z + (1 - normalCdf(z)) + m, 40.97299008, 5e-9);
  });

  it("agrees on average with SCRT's exhaustive p when it samples (Onghena's ABAB data)", () => {
    // No published Monte Carlo p can be matched draw for draw: SCRT and scan draw with R's generator. What the
    // Monte Carlo path must do is sample the admissible assignments uniformly, so its p averages to the published
    // exhaustive p: SCRT gives 4/165 for PA-PB (AA-BB) with limit 4 (see above). With 164 draws (one fewer than
    // the assignments, so it samples) p = (1 + X)/165, X ~ Binomial(164, 4/165): mean (1 + 164·q)/165. Over 300
    // seeds the average may stray 4 standard errors at most.
    const q = 0.0242424242424242;
    const published = (JSON.parse(fixture("scrt-abab-aa-bb.json")) as { distribution: number[] }).distribution;
    const seen = new Set<number>();
    let sum = 0;
    const seeds = 300;
    for (let seed = 1; seed <= seeds; seed++) {
      const r = randomizationTest(ONGHENA, ONGHENA_PHASES, {
        design: "ABAB",
        statistic: "PA-PB",
        minPhaseLength: 4,
        direction: "decrease",
        samples: 164,
        seed,
      });
      expect(r.exhaustive).toBe(false);
      sum += r.p;
      // Every draw is one of SCRT's 165 assignments (AA-BB is twice PA-PB).
      for (const s of r.distribution) {
        const i = published.findIndex((v) => Math.abs(v - 2 * s) < 1e-12);
        expect(i, `drawn statistic ${2 * s} is not in SCRT's distribution`).toBeGreaterThanOrEqual(0);
        seen.add(published[i]!);
      }
    }
    // ...and every distinct value of it is drawn (values within 1e-12 are one value printed twice).
    const sorted = [...published].sort((x, y) => x - y);
    expect(seen.size).toBe(sorted.filter((v, i) => i === 0 || v - sorted[i - 1]! > 1e-12).length);
    const se = Math.sqrt(164 * q * (1 - q)) / 165 / Math.sqrt(seeds);
    expectNear(sum / seeds, (1 + 164 * q) / 165, 4 * se);
  });

  it("computes mean B-A over all assignments (hand-worked)", () => {
    // 1, 2, 3 | 4, 10, 11 with phases of at least 2: A can hold 2, 3 or 4 points.
    // A = 1,2 → 7 - 1.5 = 5.5; A = 1,2,3 → 25/3 - 2 = 6.333; A = 1..4 → 10.5 - 2.5 = 8. Observed: A = 1,2,3.
    // increase: 6.333 and 8 are ≥ 6.333 → p = 2/3; decrease: 5.5 and 6.333 are ≤ 6.333 → p = 2/3.
    const values = [1, 2, 3, 4, 10, 11];
    const up = randomizationTest(values, ab(3, 6), { minPhaseLength: 2 });
    expect(up.distribution.map((s) => s.toFixed(3))).toEqual(["5.500", "6.333", "8.000"]);
    expectNear(up.observed, 25 / 3 - 2, 1e-12);
    expectNear(up.p, 2 / 3, 1e-12);
    expectNear(randomizationTest(values, ab(3, 6), { minPhaseLength: 2, direction: "decrease" }).p, 2 / 3, 1e-12);
    // PA-PB for an AB design is mean A - mean B, so its "increase" tail is the lower one: same p as mean B-A.
    expectNear(randomizationTest(values, ab(3, 6), { minPhaseLength: 2, statistic: "PA-PB" }).p, 2 / 3, 1e-12);
  });

  it("samples assignments with a seed when there are more than `samples`", () => {
    const values = Array.from({ length: 40 }, (_, i) => Math.sin(i) * 3 + (i >= 20 ? 2 : 0));
    const phases = values.map((_, i) => (i < 10 || (i >= 20 && i < 30) ? "A" : "B"));
    const options = { design: "ABAB", statistic: "PA-PB", minPhaseLength: 4, samples: 300, seed: 7 } as const;
    const r = randomizationTest(values, phases, options);
    // 40 - 4·4 = 24 spare points over 4 phases: C(27, 3) = 2925 admissible assignments.
    expect(r.assignments).toBe(2925);
    expect(r.exhaustive).toBe(false);
    expect(r.distribution).toHaveLength(300);
    expect(randomizationTest(values, phases, options)).toEqual(r);
    expect(randomizationTest(values, phases, { ...options, seed: 8 }).distribution).not.toEqual(r.distribution);
    // Monte Carlo p counts the observed assignment once: (1 + #{as extreme}) / (1 + samples).
    const count = r.distribution.filter((s) => s <= r.observed + 1e-9).length;
    expectNear(r.p, (count + 1) / 301, 1e-15);
  });

  it("accepts study labels through mapPhases", () => {
    const labels = ["base", "base", "base", "tx", "tx", "tx"];
    const r = randomizationTest([1, 2, 3, 4, 10, 11], mapPhases(labels, { base: "A", tx: "B" }), { minPhaseLength: 2 });
    expectNear(r.p, 2 / 3, 1e-12);
  });

  it("rejects bad input with exact messages", () => {
    expectStatsError(
      () => randomizationTest([1, 2, 3], ["base", "tx", "tx"]),
      'randomizationTest: phase label "base" at index 0 is not "A" or "B" (use mapPhases)',
    );
    expectStatsError(
      () => randomizationTest([1, 2, 3], ["A", "B"]),
      "randomizationTest: phaseOfEach has 2 labels for 3 values",
    );
    expectStatsError(
      () => randomizationTest([1, 2, 3, 4], ab(2, 4), { design: "ABAB", minPhaseLength: 1 }),
      "randomizationTest: design ABAB needs phases A,B,A,B in order, got A,B",
    );
    expectStatsError(
      () => randomizationTest([1, 2, 3, 4, 5, 6], ab(2, 6), { minPhaseLength: 3 }),
      "randomizationTest: phase 1 (A) has 2 observations, fewer than minPhaseLength 3",
    );
    expectStatsError(() => randomizationTest([], []), "randomizationTest: values is empty");
    expectStatsError(
      () => randomizationTest([1, NaN, 3, 4], ab(2, 4), { minPhaseLength: 1 }),
      "randomizationTest: values has a non-finite value (NaN) at index 1",
    );
    expectStatsError(
      () => randomizationTest([1, 2, 3, 4], ab(2, 4), { samples: 0 }),
      "randomizationTest: samples must be a positive integer, got 0",
    );
    expectStatsError(
      () => randomizationTest([1, 2, 3, 4], ab(2, 4), { seed: 1.5 }),
      "randomizationTest: seed must be an integer, got 1.5",
    );
  });

  it("handles tied values (every assignment is as extreme: p = 1)", () => {
    const r = randomizationTest([5, 5, 5, 5, 5, 5], ab(3, 6), { minPhaseLength: 2 });
    expect(r.observed).toBe(0);
    expect(r.p).toBe(1);
  });
});
