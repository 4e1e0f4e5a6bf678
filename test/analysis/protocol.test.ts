import { describe, expect, it } from "vitest";
import {
  analyzeSeries,
  lrr,
  nap,
  phaseSummary,
  piecewiseRegression,
  pnd,
  randomizationTest,
  smd,
  summarizePhases,
  tau,
  tauU,
  visualAnalysis,
  type EffectSize,
  type SeriesPoint,
} from "../../loaders/analysis/index.ts";

const point = (value: number, phaseLabel: string, phaseType = phaseLabel.startsWith("base") ? "BASELINE" : "TX") => ({
  value,
  phaseLabel,
  phaseType,
});

describe("summarizePhases", () => {
  it("gives one row per planned phase in plan order, n = 0 for a phase without observations", () => {
    const series = [point(3, "base_1"), point(5, "base_1"), point(9, "tx_1"), point(8, "tx_1"), point(10, "tx_1")];
    const planned = [
      { label: "base_1", type: "BASELINE" },
      { label: "tx_1", type: "TX" },
      { label: "base_2", type: "BASELINE" },
    ];
    expect(summarizePhases(series, planned)).toEqual([
      { label: "base_1", type: "BASELINE", ...phaseSummary([3, 5]) },
      { label: "tx_1", type: "TX", ...phaseSummary([9, 8, 10]) },
      {
        label: "base_2",
        type: "BASELINE",
        n: 0,
        mean: null,
        median: null,
        sd: null,
        min: null,
        max: null,
        slope: null,
      },
    ]);
  });

  it("without a plan, follows the series; a recurring label is pooled and an unplanned one comes last", () => {
    const series = [point(1, "base"), point(2, "tx"), point(4, "base"), point(6, "extra", "WASHOUT")];
    expect(summarizePhases(series).map((r) => [r.label, r.type, r.n, r.mean])).toEqual([
      ["base", "BASELINE", 2, 2.5],
      ["tx", "TX", 1, 2],
      ["extra", "WASHOUT", 1, 6],
    ]);
    expect(summarizePhases(series, [{ label: "tx", type: "TX" }]).map((r) => r.label)).toEqual(["tx", "base", "extra"]);
  });

  it("passes a non-finite value on as phaseSummary's error", () => {
    expect(() => summarizePhases([point(1, "base"), point(Infinity, "base")])).toThrow(
      "phaseSummary: values has a non-finite value (Infinity) at index 1",
    );
  });
});

/**
 * A series from phases given as [label, values]: baseline labels start with "baseline", one day per value from day 0,
 * but days 4, 9, 14, … are missing, so the time axis (day) differs from the observation index as in real data.
 */
function seriesOf(phases: [string, number[]][]): SeriesPoint[] {
  let day = -1;
  return phases.flatMap(([label, values]) =>
    values.map((value) => {
      day += day % 5 === 3 ? 2 : 1;
      return {
        date: new Date(Date.UTC(2025, 5, 2 + day)).toISOString().slice(0, 10),
        day,
        value,
        phaseLabel: label,
        phaseType: label.startsWith("baseline") ? "BASELINE" : "INTERVENTION_A",
      };
    }),
  );
}

const row = (name: string, e: EffectSize) => ({ name, estimate: e.estimate, se: e.se, ci: e.ci });
const smdOf = (a: number[], b: number[]) => row("SMD", smd(a, b, { stdDev: "baseline", biasCorrect: true }));

/** NAP, Tau, Tau-U and PND as the library gives them for all baseline (a) against all intervention (b) values. */
const nonoverlap = (a: number[], b: number[]) => [
  row("NAP", nap(a, b)),
  row("Tau", tau(a, b)),
  row("Tau-U", tauU(a, b)),
  row("PND", pnd(a, b)),
];

/** All six effect sizes as the library gives them. */
const directEffects = (a: number[], b: number[]) => [...nonoverlap(a, b), smdOf(a, b), row("LRRi", lrr(a, b))];

const baseline1 = [52, 55, 51, 58, 54, 57];
const baseline2 = [56, 53, 59, 55, 57, 54];
const intervention2 = [64, 69, 62, 67, 65, 70];

describe("analyzeSeries", () => {
  it("gives effect sizes and the piecewise fit, but no randomization test, when a phase has 3 days", () => {
    const series = seriesOf([
      ["baseline_1", baseline1],
      ["intervention_A_1", [63, 60, 66]],
      ["baseline_2", baseline2],
      ["intervention_A_2", intervention2],
    ]);
    const analysis = analyzeSeries(series);
    expect(analysis.effects).toEqual(directEffects([...baseline1, ...baseline2], [63, 60, 66, ...intervention2]));
    const ab = [
      ...baseline1.map(() => "A"),
      "B",
      "B",
      "B",
      ...baseline2.map(() => "A"),
      ...intervention2.map(() => "B"),
    ];
    const piecewise = piecewiseRegression(
      series.map((p) => p.value),
      ab,
      { time: series.map((p) => p.day) },
    );
    expect(piecewise.terms.map((t) => t.name)).toEqual([
      "intercept",
      "trend",
      "level B(1)",
      "level A(2)",
      "level B(2)",
      "slope B(1)",
      "slope A(2)",
      "slope B(2)",
    ]);
    // The same fit, with each change named after the study's phase it starts.
    const named = [
      "intercept",
      "trend",
      "level intervention_A_1",
      "level baseline_2",
      "level intervention_A_2",
      "slope intervention_A_1",
      "slope baseline_2",
      "slope intervention_A_2",
    ];
    expect(analysis.piecewise).toEqual({
      ...piecewise,
      terms: piecewise.terms.map((t, i) => ({ ...t, name: named[i] })),
    });
    expect(analysis.randomization).toEqual({
      notComputed:
        "phase intervention_A_1 has 3 observed days; the start-point randomization test needs at least 5 per phase",
    });
    expect(analysis.interpretation).toMatch(
      /^Over 12 baseline and 9 intervention days .*\. The randomization test could not be run, so the difference as a whole is not tested\. The piecewise regression, .* finds /,
    );
  });

  it("names every phase too short for the randomization test, and says when the piecewise model has too few days", () => {
    const a = [
      [50, 54],
      [53, 51],
    ];
    const b = [
      [61, 58],
      [64, 60],
    ];
    const series = seriesOf([
      ["baseline_1", a[0]!],
      ["intervention_A_1", b[0]!],
      ["baseline_2", a[1]!],
      ["intervention_A_2", b[1]!],
    ]);
    const analysis = analyzeSeries(series);
    expect(analysis.effects).toEqual(directEffects(a.flat(), b.flat()));
    expect(analysis.piecewise).toEqual({
      notComputed:
        "the piecewise model has 8 coefficients (an intercept, a trend, and a level and a slope change at each of 3 " +
        "phase changes), so it needs at least 9 observed days; there are 8",
    });
    expect(analysis.randomization).toEqual({
      notComputed:
        "phases baseline_1, intervention_A_1, baseline_2 and intervention_A_2 have 2, 2, 2 and 2 observed days; " +
        "the start-point randomization test needs at least 5 per phase",
    });
  });

  it("runs every part when the data allow it: the randomization test as randomizationTest gives it", () => {
    const b = [61, 66, 59, 64, 68, 63, 65];
    const series = seriesOf([
      ["baseline_1", baseline1],
      ["intervention_A_1", b],
    ]);
    const analysis = analyzeSeries(series);
    const values = series.map((p) => p.value);
    const ab = [...baseline1.map(() => "A"), ...b.map(() => "B")];
    expect(analysis.effects).toEqual(directEffects(baseline1, b));
    const fit = piecewiseRegression(values, ab, { time: series.map((p) => p.day) });
    const named = ["intercept", "trend", "level intervention_A_1", "slope intervention_A_1"];
    expect(analysis.piecewise).toEqual({ ...fit, terms: fit.terms.map((t, i) => ({ ...t, name: named[i] })) });
    const test = randomizationTest(values, ab, {
      design: "AB",
      statistic: "mean B-A",
      minPhaseLength: 5,
      samples: 2000,
    });
    expect(test.exhaustive).toBe(true);
    expect(analysis.randomization).toEqual({ design: "AB", statistic: "mean B-A", ...test });
    expect(analysis.interpretation).toMatch(/ The randomization test, .* gives p = 0\.\d{4}: /);
    // The visual-analysis aids of the same series, at its one phase change.
    expect(analysis.visual).toEqual(visualAnalysis(series));
    expect(visualAnalysis(series).changes.map((c) => `${c.from}→${c.to}`)).toEqual(["baseline_1→intervention_A_1"]);
    // The expected direction reaches it: the rise is consistent with an increase, not with a decrease.
    const down = analyzeSeries(series, { direction: "decrease" }).visual;
    expect(down).toEqual(visualAnalysis(series, { direction: "decrease" }));
    expect([analysis.visual, down].map((v) => "consistency" in v && v.consistency.value.consistent)).toEqual([
      true,
      false,
    ]);
  });

  it("weighs the randomization test and the regression, and says when they disagree", () => {
    const low = [50, 52, 49, 51, 50, 52, 51, 49, 50, 52, 51, 50, 49, 51, 52];
    const high = low.map((v) => v + 20);
    // A step at the phase change, over 30 days: the randomization test and the regression agree.
    const agree = analyzeSeries(
      seriesOf([
        ["baseline_1", low],
        ["intervention_A_1", high],
      ]),
    );
    expect(agree.interpretation).toMatch(/gives p = 0\.\d{4}: a difference this large is unlikely if the intervention/);
    expect(agree.interpretation).toMatch(/finds a level intervention_A_1 change of \+\d+\.\d{2} \(p < 0\.0001\)/);
    expect(agree.interpretation).not.toMatch(/disagree/);
    // The same step over 16 days: the regression still finds it, but with 7 possible start points the randomization
    // test cannot go below p = 1/7, and the verdict says so instead of stating only one of the two.
    const disagree = analyzeSeries(
      seriesOf([
        ["baseline_1", low.slice(0, 8)],
        ["intervention_A_1", high.slice(0, 8)],
      ]),
    );
    expect(disagree.interpretation).toMatch(/gives p = 0\.1429: the data are compatible with no intervention effect/);
    expect(disagree.interpretation).toMatch(/finds a level intervention_A_1 change of \+\d+\.\d{2} \(p < 0\.0001\)/);
    expect(disagree.interpretation).toMatch(
      /The two disagree: .* With 7 possible start points the randomization test cannot give p below 0\.1429, .* Read the change at intervention_A_1 as a finding about that transition/,
    );
  });

  it("leaves out only the effect sizes a one-day phase cannot give, and says why each part is missing", () => {
    const series = seriesOf([
      ["baseline_1", baseline1],
      ["intervention_A_1", [66]],
    ]);
    const analysis = analyzeSeries(series);
    expect(analysis.effects).toEqual([
      ...nonoverlap(baseline1, [66]),
      smdOf(baseline1, [66]),
      { name: "LRRi", notComputed: "lrr: phase B has 1 observation; at least 2 are needed" },
    ]);
    // SMD on the baseline SD has an estimate but, with one B value, no SE; NAP's SE is infinite.
    expect(analysis.effects[4]).toMatchObject({ name: "SMD", estimate: expect.any(Number), se: undefined });
    expect(analysis.effects[0]).toMatchObject({ se: Infinity });
    expect(analysis.randomization).toEqual({
      notComputed:
        "phase intervention_A_1 has 1 observed day; the start-point randomization test needs at least 5 per phase",
    });
    expect(analysis.piecewise).toEqual({
      notComputed:
        "phase intervention_A_1 has 1 observed day; the piecewise model needs at least 2 per phase to estimate its slope",
    });
  });

  it("keeps the other effect sizes when one is undefined (a baseline SD of 0)", () => {
    const a = [50, 50, 50, 50, 50];
    const b = [58, 61, 57, 60, 63];
    const analysis = analyzeSeries(
      seriesOf([
        ["baseline_1", a],
        ["intervention_A_1", b],
      ]),
    );
    expect(analysis.effects).toEqual([
      ...nonoverlap(a, b),
      { name: "SMD", notComputed: "smd: the baseline SD is 0, so the SMD is undefined" },
      row("LRRi", lrr(a, b)),
    ]);
    expect(analysis.randomization).toMatchObject({ design: "AB", statistic: "mean B-A" });
  });

  it("says which sequence the randomization test cannot take, and compares nothing without intervention days", () => {
    const aba = analyzeSeries(
      seriesOf([
        ["baseline_1", baseline1],
        ["intervention_A_1", intervention2],
        ["baseline_2", baseline2],
      ]),
    );
    expect(aba.randomization).toEqual({
      notComputed:
        "the observed phases run baseline_1 (A), intervention_A_1 (B), baseline_2 (A); the start-point randomization " +
        "test needs an AB or ABAB sequence",
    });
    expect(aba.effects.map((e) => e.name)).toEqual(["NAP", "Tau", "Tau-U", "PND", "SMD", "LRRi"]);
    expect(aba.effects.every((e) => "estimate" in e)).toBe(true);
    // Visual analysis reads every phase change, withdrawals too, whatever the randomization test can take.
    const abaSeries = seriesOf([
      ["baseline_1", baseline1],
      ["intervention_A_1", intervention2],
      ["baseline_2", baseline2],
    ]);
    expect(aba.visual).toEqual(visualAnalysis(abaSeries));
    expect(visualAnalysis(abaSeries).changes.map((c) => [c.from, c.to])).toEqual([
      ["baseline_1", "intervention_A_1"],
      ["intervention_A_1", "baseline_2"],
    ]);

    const series = seriesOf([["baseline_1", baseline1]]);
    const only = analyzeSeries(series);
    const reason = { notComputed: "no intervention days were observed" };
    expect(only.effects).toEqual(["NAP", "Tau", "Tau-U", "PND", "SMD", "LRRi"].map((name) => ({ name, ...reason })));
    expect(only.randomization).toEqual(reason);
    expect(only.piecewise).toEqual(
      piecewiseRegression(
        baseline1,
        baseline1.map(() => "A"),
        { time: series.map((p) => p.day) },
      ),
    );
    expect(only.interpretation).toBe("No intervention days were observed, so the phases cannot be compared.");
    const none = analyzeSeries([]);
    expect(none.piecewise).toEqual({ notComputed: "no days were observed" });
    expect(none.visual).toEqual({ notComputed: "no days were observed" });
    // Baseline alone: the phase is described, and there is no change to read.
    expect(only.visual).toEqual(visualAnalysis(series));
    expect(none.interpretation).toBe("No days were observed, so the phases cannot be compared.");
  });
});
