import { describe, expect, it } from "vitest";
import { metaAnalysis, poolProtocols, type ProtocolEffects } from "../../loaders/analysis/index.ts";

const protocol = (id: string, smd: number | null, pnd: number, outcome = "score"): ProtocolEffects => ({
  protocol: id,
  outcome,
  direction: "increase",
  effects: [
    smd === null
      ? { name: "SMD", notComputed: "smd: the baseline SD is 0, so the SMD is undefined" }
      : { name: "SMD", estimate: smd, se: 0.5, ci: [smd - 0.98, smd + 0.98] },
    { name: "PND", estimate: pnd },
  ],
});

describe("poolProtocols", () => {
  it("pools indices with variances by FE and DL and the others by their mean, naming protocols left out", () => {
    const [smd, pnd] = poolProtocols([protocol("P1", 1, 0.5), protocol("P2", 2, 0.7), protocol("P3", null, 0.9)]);
    expect(smd).toMatchObject({ name: "SMD", included: ["P1", "P2"], missing: ["P3"] });
    expect(smd && "random" in smd && smd.random).toEqual(metaAnalysis([1, 2], [0.25, 0.25], { method: "DL" }));
    expect(pnd).toMatchObject({ name: "PND", included: ["P1", "P2", "P3"] });
    expect(pnd && "equal" in pnd && pnd.equal.estimate).toBeCloseTo(0.7, 15);
    expect(pnd && "fixed" in pnd).toBe(false);
  });

  it("says why it does not pool: different outcomes or directions, or fewer than two estimates", () => {
    expect(poolProtocols([protocol("P1", 1, 0.5), protocol("P2", 2, 0.7, "minutes")], ["SMD"])).toEqual([
      {
        name: "SMD",
        notComputed:
          "the protocols measure different outcomes (score, minutes), so their effects are on different scales",
      },
    ]);
    const down = { ...protocol("P2", 2, 0.7), direction: "decrease" as const };
    expect(poolProtocols([protocol("P1", 1, 0.5), down], ["PND"])[0]).toEqual({
      name: "PND",
      notComputed: "the protocols expect improvement in different directions, so their effects point opposite ways",
    });
    expect(poolProtocols([protocol("P1", 1, 0.5), protocol("P2", null, 0.7)], ["SMD"])[0]).toEqual({
      name: "SMD",
      notComputed: "only 1 protocol has an estimate of SMD; pooling needs at least 2",
    });
  });
});
