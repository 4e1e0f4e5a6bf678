import { describe, expect, it } from "vitest";
import { visualAnalysis, type SeriesPoint } from "../../loaders/analysis/index.ts";
import { expectNear, expectStatsError } from "./_published.ts";

const point = (day: number, value: number, phaseLabel: string): SeriesPoint => ({
  date: `2025-06-${String(day + 1).padStart(2, "0")}`,
  day,
  value,
  phaseLabel,
  phaseType: phaseLabel.startsWith("baseline") ? "BASELINE" : "INTERVENTION_A",
});

// An ABAB series with a missed day (6) and a one-day last phase. All expected values are worked by hand.
const SERIES = [
  ...[10, 12, 11, 13].map((v, d) => point(d, v, "baseline_1")),
  point(4, 20, "intervention_A_1"),
  point(5, 21, "intervention_A_1"),
  point(7, 12, "intervention_A_1"),
  point(8, 11, "baseline_2"),
  point(9, 12, "baseline_2"),
  point(10, 19, "intervention_A_2"),
];

describe("visualAnalysis", () => {
  it("describes level, trend, variability, immediacy and overlap at each phase change (hand-worked)", () => {
    const r = visualAnalysis(SERIES);
    expect(r.phases.map((p) => [p.label, p.n])).toEqual([
      ["baseline_1", 4],
      ["intervention_A_1", 3],
      ["baseline_2", 2],
      ["intervention_A_2", 1],
    ]);
    const [first, second, third] = r.changes;
    // Baseline 10, 12, 11, 13 on days 0-3: mean 11.5, slope Σdt·dy/Σdt² = 4/5, SD √(5/3).
    expectNear(first!.level.value.change, 53 / 3 - 11.5, 1e-12);
    expectNear(first!.trend.value.from as number, 0.8, 1e-12);
    expectNear(first!.variability.value.from as number, Math.sqrt(5 / 3), 1e-12);
    // Intervention 20, 21, 12 on days 4, 5, 7: the slope uses the days, so the gap counts: −41/14 per day.
    expectNear(first!.trend.value.to as number, -41 / 14, 1e-12);
    // Immediacy: last three baseline days (12, 11, 13) average 12, first three intervention days 53/3.
    expect(first!.immediacy.value).toMatchObject({ lastFrom: 12, days: 3 });
    expectNear(first!.immediacy.value.change, 53 / 3 - 12, 1e-12);
    // Overlap: only 12 lies in the baseline range [10, 13].
    expect(first!.overlap.value).toEqual({ overlapping: 1, n: 3, share: 1 / 3 });
    expect(first!.level.text).toBe("Level: the mean went from 11.5 in baseline_1 to 17.7 in intervention_A_1 (+6.2).");
    expect(first!.overlap.text).toBe(
      "Overlap: 1 of 3 days of intervention_A_1 (33%) fall within the range of baseline_1.",
    );
    expect(first!.immediacy.text).toBe(
      "Immediacy: the last 3 days of baseline_1 average 12.0, the first 3 days of intervention_A_1 17.7 (+5.7).",
    );
    // Withdrawal: baseline_2 has two days, so immediacy compares the last two intervention days (21, 12) with them.
    expect(second!.immediacy.value).toMatchObject({ lastFrom: 16.5, firstTo: 11.5, days: 2 });
    expect(second!.overlap.value).toEqual({ overlapping: 1, n: 2, share: 0.5 });
    // A one-day phase has no slope or SD, and says so.
    expect(third!.trend.value).toEqual({ from: 1, to: null, change: null });
    expect(third!.trend.text).toBe("Trend: +1.00 per day in baseline_2, no slope in intervention_A_2 (one day).");
    expect(third!.variability.value.to).toBeNull();
  });

  it("calls the pattern consistent only when every change moves the level the expected way", () => {
    const r = visualAnalysis(SERIES);
    expect(r.consistency.value).toMatchObject({ baselineMeans: [11.5, 11.5], consistent: true });
    expect(r.consistency.text).toBe(
      "Consistency: baseline means 11.5, 11.5; intervention means 17.7, 19.0. Every change between baseline and intervention moves the level the expected way (3 changes).",
    );
    // For an outcome that should decrease the same data are inconsistent.
    expect(visualAnalysis(SERIES, { direction: "decrease" }).consistency.value.consistent).toBe(false);
    // Baseline only: nothing to compare.
    const base = visualAnalysis(SERIES.slice(0, 4));
    expect(base.changes).toEqual([]);
    expect(base.consistency.value.consistent).toBe(false);
    expect(base.consistency.text).toMatch(/There is no change between baseline and intervention to compare\.$/);
  });

  it("rejects an empty series, non-finite values and days out of order", () => {
    expectStatsError(() => visualAnalysis([]), "visualAnalysis: the series is empty");
    expectStatsError(
      () => visualAnalysis([point(0, 1, "baseline_1"), point(0, 2, "baseline_1")]),
      "visualAnalysis: the days are not increasing at index 1 (day 0)",
    );
    expectStatsError(
      () => visualAnalysis([point(0, NaN, "baseline_1")]),
      "visualAnalysis: day 0 has a non-finite value (NaN) at index 0",
    );
  });
});
