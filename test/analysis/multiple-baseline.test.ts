import { describe, expect, it } from "vitest";
import {
  analyzeMultipleBaseline,
  bcSmd,
  isComputed,
  metaAnalysis,
  nap,
  visualAnalysis,
  type MbParticipant,
  type SeriesPoint,
} from "../../loaders/analysis/index.ts";
import { expectNear, fixture } from "./_published.ts";

/** Laski, Charlop & Schreibman (1988) from scdhlm's data (see bc-smd.test.ts), as protocol series. */
function laski(): MbParticipant[] {
  const byCase = new Map<string, SeriesPoint[]>();
  for (const line of fixture("scdhlm-examples.csv").trim().split("\n").slice(1)) {
    const [study, , c, , condition, time, outcome] = line.split(",") as string[];
    if (study !== "Laski") continue;
    const day = Number(time);
    const list = byCase.get(c as string) ?? [];
    byCase.set(c as string, list);
    list.push({
      date: `2025-01-${String(day).padStart(2, "0")}`,
      day,
      value: Number(outcome),
      phaseLabel: condition === "A" ? "baseline_1" : "intervention_A_1",
      phaseType: condition === "A" ? "BASELINE" : "INTERVENTION_A",
    });
  }
  return [...byCase].map(([participant, series]) => ({ participant, series }));
}

describe("analyzeMultipleBaseline", () => {
  it("gives each participant's effects, pools them and computes the BC-SMD of the whole design", () => {
    const participants = laski();
    const r = analyzeMultipleBaseline(participants);
    expect(r.participants).toHaveLength(8);
    // The BC-SMD is scdhlm's effect_size_MB on the same data (test_HPS_examples.R, HPS 2013 example 2).
    const g = r.bcSmd;
    expect(isComputed(g)).toBe(true);
    if (!isComputed(g)) return;
    expectNear(g.estimate, 1.388385, 5e-7);
    expectNear(g.variance, 0.10050132, 5e-9);
    // Per participant, NAP is nap() of that participant's phases.
    const first = participants[0]!.series;
    const napRow = r.participants[0]!.effects.find((e) => e.name === "NAP")!;
    const expected = nap(
      first.filter((p) => p.phaseType === "BASELINE").map((p) => p.value),
      first.filter((p) => p.phaseType !== "BASELINE").map((p) => p.value),
    );
    expect(napRow).toEqual({ name: "NAP", ...expected });
    // Pooled SMD: metaAnalysis of the participants' SMDs with their SE², both methods, and the equal-weight mean.
    const smds = r.participants.map((p) => p.effects.find((e) => e.name === "SMD")!).filter(isComputed);
    const pooled = r.pooled.find((p) => p.name === "SMD")!;
    expect(isComputed(pooled)).toBe(true);
    if (!isComputed(pooled)) return;
    const y = smds.map((e) => e.estimate);
    const v = smds.map((e) => (e.se as number) ** 2);
    expect(pooled.random).toEqual(metaAnalysis(y, v, { method: "DL" }));
    expect(pooled.fixed).toEqual(metaAnalysis(y, v, { method: "FE" }));
    expectNear(pooled.equal.estimate, y.reduce((s, x) => s + x, 0) / y.length, 1e-12);
    // Indices without a variance get the equal-weight mean only.
    const pndPooled = r.pooled.find((p) => p.name === "PND")!;
    expect(isComputed(pndPooled) && pndPooled.random).toBe(undefined);
    expect(r.design.meetsStandard).toBe(true);
    // Each participant also gets the visual-analysis aids of their own series.
    expect(r.participants[0]!.visual).toEqual(visualAnalysis(first));
    expect(r.interpretation).toMatch(/^8 participants; the intervention starts on \d+ different days/);
    expect(r.interpretation).toContain("g = 1.39");
  });

  it("leaves out a participant without intervention days from the pooling and says why there is no BC-SMD", () => {
    const participants = laski().slice(0, 3);
    const cut = {
      participant: "late",
      series: participants[0]!.series.filter((p) => p.phaseType === "BASELINE"),
    };
    const r = analyzeMultipleBaseline([...participants, cut]);
    expect(r.participants[3]!.effects.every((e) => !isComputed(e))).toBe(true);
    const pooled = r.pooled.find((p) => p.name === "NAP")!;
    expect(isComputed(pooled) && pooled.missing).toEqual(["late"]);
    expect(r.bcSmd).toEqual({
      notComputed: "participant late has no intervention days; every participant needs both phases",
    });
    // Without "late" the three participants' BC-SMD is bcSmd itself.
    const alone = analyzeMultipleBaseline(participants).bcSmd;
    expect(alone).toEqual(
      bcSmd(
        participants.map((p) => ({
          values: p.series.map((s) => s.value),
          phases: p.series.map((s) => (s.phaseType === "BASELINE" ? "A" : "B")),
          times: p.series.map((s) => s.day),
        })),
        { design: "MB" },
      ),
    );
  });

  it("says when the starts are not staggered enough to meet the design standard", () => {
    const two = laski().slice(0, 2);
    const r = analyzeMultipleBaseline(two);
    expect(r.design.meetsStandard).toBe(false);
    expect(r.design.note).toMatch(/needs at least 3 staggered starts/);
  });
});
