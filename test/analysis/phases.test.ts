import { describe, expect, it } from "vitest";
import { mapPhases, phaseRuns } from "../../loaders/analysis/index.ts";
import { expectStatsError } from "./_published.ts";

describe("phaseRuns", () => {
  it("splits labels into maximal runs", () => {
    expect(phaseRuns(["A", "A", "B", "A", "A", "B"])).toEqual([
      { label: "A", start: 0, end: 2 },
      { label: "B", start: 2, end: 3 },
      { label: "A", start: 3, end: 5 },
      { label: "B", start: 5, end: 6 },
    ]);
    expect(phaseRuns([])).toEqual([]);
  });
});

describe("mapPhases", () => {
  const labels = ["baseline_1", "baseline_1", "intervention_A_1", "baseline_2", "intervention_A_2"];

  it("maps with a table or a function", () => {
    const table = { baseline_1: "A", baseline_2: "A", intervention_A_1: "B", intervention_A_2: "B" } as const;
    expect(mapPhases(labels, table)).toEqual(["A", "A", "B", "A", "B"]);
    expect(mapPhases(labels, (l) => (l.startsWith("baseline") ? "A" : "B"))).toEqual(["A", "A", "B", "A", "B"]);
  });

  it("rejects labels the mapping does not cover", () => {
    expectStatsError(
      () => mapPhases(labels, { baseline_1: "A", intervention_A_1: "B" }),
      'mapPhases: label "baseline_2" at index 3 maps to neither "A" nor "B"',
    );
    // Inherited object keys are not mappings.
    expectStatsError(
      () => mapPhases(["toString"], {}),
      'mapPhases: label "toString" at index 0 maps to neither "A" nor "B"',
    );
  });
});
