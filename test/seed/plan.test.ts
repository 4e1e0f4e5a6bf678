import { describe, expect, it } from "vitest";
import { seedDatabase } from "../../loaders/seed/load.ts";
import { DEFAULT_SEED_OPTIONS, planStudy, type SeedOptions } from "../../loaders/seed/plan.ts";
import { withTestDatabase } from "../util/pg.ts";
import { phaseMeans } from "./_effect.ts";

describe("planStudy", () => {
  const options: SeedOptions = { ...DEFAULT_SEED_OPTIONS, users: 40, days: 60 };

  it("plans the same study for the same options, and another for another seed", () => {
    expect(planStudy(options)).toEqual(planStudy(options));
    expect(planStudy({ ...options, seed: 7 })).not.toEqual(planStudy(options));
  });

  it("fits every protocol's four phases of 5 or more days inside the seeded days", () => {
    const protocols = planStudy(options).flatMap((u) => (u.protocol ? [u.protocol] : []));
    expect(protocols.length).toBeGreaterThan(0);
    for (const p of protocols) {
      expect(p.phases.map((ph) => ph.label)).toEqual([
        "baseline_1",
        "intervention_A_1",
        "baseline_2",
        "intervention_A_2",
      ]);
      expect(p.phases[0]!.startDay).toBeGreaterThanOrEqual(0);
      expect(p.phases[3]!.endDay).toBeLessThanOrEqual(options.days);
      for (const ph of p.phases) expect(ph.endDay - ph.startDay).toBeGreaterThanOrEqual(5);
    }
  });

  it("plans no protocols when the study is too short for one", () => {
    expect(planStudy({ ...options, days: 10 }).some((u) => u.protocol)).toBe(false);
  });
});

describe("the planted intervention effect", () => {
  // Seed 2 with 16 users plans 8 protocols, among them effects 0, 10 and 15; checked below so the test cannot pass vacuously.
  const options: SeedOptions = { ...DEFAULT_SEED_OPTIONS, users: 16, days: 40, events: 20_000, seed: 2 };

  it("shows in the daily mean score: clearly for effects of 10 or more, hardly at all for none", async () => {
    const effects = new Map(
      planStudy(options).flatMap((u) => (u.protocol ? [[u.protocol.id, u.protocol.effect]] : [])),
    );
    expect([...effects.values()].filter((e) => e === 0).length).toBeGreaterThan(0);
    expect([...effects.values()].filter((e) => e >= 10).length).toBeGreaterThan(0);
    await withTestDatabase(async (db) => {
      await seedDatabase(db.sql, options, "pascal");
      const means = await phaseMeans(db.sql, "pascal");
      expect(means.map((m) => m.protocolId).sort()).toEqual([...effects.keys()].sort());
      for (const m of means) {
        const effect = effects.get(m.protocolId)!;
        const diff = m.intervention - m.baseline;
        if (effect >= 10) expect(diff, `protocol ${m.protocolId}, effect ${effect}`).toBeGreaterThan(5);
        if (effect === 0) expect(Math.abs(diff), `protocol ${m.protocolId}, effect 0`).toBeLessThan(5);
      }
    });
  });
});
