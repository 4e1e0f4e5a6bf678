import { describe, expect, it } from "vitest";
import { phaseSummary, summarizePhases } from "../../loaders/analysis/index.ts";

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
