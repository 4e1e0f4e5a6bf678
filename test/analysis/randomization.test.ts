import { describe, expect, it } from "vitest";
import { mapPhases, randomizationTest } from "../../loaders/analysis/index.ts";
import { expectNear, expectStatsError, fixture } from "./_published.ts";

const ab = (nA: number, n: number) => Array.from({ length: n }, (_, i) => (i < nA ? "A" : "B"));

// Onghena (1992) hypothetical ABAB data, 4 phases of 6, shipped as data(ABAB) in the SCRT package (cran/SCRT).
const ONGHENA = [6, 2, 5, 3, 4, 4, 1, 2, 3, 1, 3, 2, 2, 3, 4, 2, 4, 3, 0, 1, 2, 0, 2, 1];
const ONGHENA_PHASES = ONGHENA.map((_, i) => (Math.floor(i / 6) % 2 === 0 ? "A" : "B"));

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

  it("keeps the rejection rate near α across simulated null series", () => {
    // Null model: the B start is drawn at random among the admissible ones (as the design requires) and the values
    // are independent normal noise. 200 AB series (n = 30, ≥ 3 per phase: 25 assignments, enumerated) and 200 ABAB
    // series (n = 40, ≥ 4 per phase: 2925 assignments, 199 seeded Monte Carlo draws).
    const random = mulberry32(20240611);
    const normal = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
    let rejectAB = 0;
    let rejectABAB = 0;
    for (let i = 0; i < 200; i++) {
      const values = Array.from({ length: 30 }, normal);
      const start = 3 + Math.floor(random() * 25);
      if (randomizationTest(values, ab(start, 30), { minPhaseLength: 3 }).p <= 0.05) rejectAB++;

      const series = Array.from({ length: 40 }, normal);
      const lengths = randomLengths(random);
      const phases = lengths.flatMap((len, k) => Array<string>(len).fill(k % 2 === 0 ? "A" : "B"));
      const options = { design: "ABAB", statistic: "PA-PB", minPhaseLength: 4, samples: 199, seed: i } as const;
      if (randomizationTest(series, phases, options).p <= 0.05) rejectABAB++;
    }
    expect(rejectAB / 200).toBeGreaterThanOrEqual(0.02);
    expect(rejectAB / 200).toBeLessThanOrEqual(0.09);
    expect(rejectABAB / 200).toBeGreaterThanOrEqual(0.02);
    expect(rejectABAB / 200).toBeLessThanOrEqual(0.09);
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

/** Phase lengths of an ABAB design over 40 points, each ≥ 4, drawn uniformly among the 2925 compositions. */
function randomLengths(random: () => number): number[] {
  for (;;) {
    const cuts = [0, 1, 2].map(() => Math.floor(random() * 27)).sort((x, y) => x - y);
    if (cuts[0] === cuts[1] || cuts[1] === cuts[2]) continue;
    const [c0, c1, c2] = cuts as [number, number, number];
    return [c0, c1 - c0 - 1, c2 - c1 - 1, 26 - c2].map((extra) => extra + 4);
  }
}

function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = Math.imul(state ^ (state >>> 15), state | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
