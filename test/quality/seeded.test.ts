import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { IngestResult } from "../../loaders/ingest/postgres.ts";
import { checkVersions, type CheckResult, type QualityReport } from "../../loaders/quality/index.ts";
import { planDefects } from "../../loaders/seed/defects.ts";
import { seedDatabase } from "../../loaders/seed/load.ts";
import { DAY_MS, DEFAULT_SEED_OPTIONS, planStudy, SEED_EPOCH_MS, type SeedOptions } from "../../loaders/seed/plan.ts";
import { createTestDatabase, type TestDatabase } from "../util/pg.ts";
import { ingestAll } from "./_store.ts";
import { createProject, type TestProject } from "../util/project.ts";

const options: SeedOptions = { ...DEFAULT_SEED_OPTIONS, users: 12, days: 40, events: 5000 };

/** Every check that did not pass, as "dataset check". */
const notPassing = (reports: QualityReport[]) =>
  reports.flatMap((r) => r.results.filter((c) => c.status !== "pass").map((c) => `${r.dataset} ${c.check}`)).sort();

async function seededProject(
  defects: boolean,
): Promise<{ db: TestDatabase; project: TestProject; ingested: IngestResult[] }> {
  const db = await createTestDatabase("quality");
  await seedDatabase(db.sql, { ...options, defects }, "pascal");
  const project = await createProject({ databaseUrl: db.url });
  // Validation skipped: the strict schema would reject the score of 140 before any check could see it.
  const ingested = await ingestAll(project.config, "skipped");
  return { db, project, ingested };
}

describe("checks on clean seeded data", () => {
  let s: Awaited<ReturnType<typeof seededProject>>;
  beforeAll(async () => {
    s = await seededProject(false);
  });
  afterAll(async () => {
    await s?.project.remove();
    await s?.db.drop();
  });

  it("all pass at ingest, recorded in each version's lineage", () => {
    expect(s.ingested.map((r) => [r.dataset, r.quality?.status])).toEqual([
      ["experiment_protocols", "pass"],
      ["phase_assignments", "pass"],
      ["context_metadata", "pass"],
      ["behavioral_events", "pass"],
    ]);
    expect(s.ingested.flatMap((r) => r.quality!.checks.filter((c) => c.status === "skipped"))).toEqual([]);
  });

  it("all pass in labbook check", async () => {
    const { reports } = await checkVersions(s.project.config);
    expect(reports.map((r) => r.dataset).sort()).toEqual([
      "behavioral_events",
      "context_metadata",
      "experiment_protocols",
      "phase_assignments",
    ]);
    expect(notPassing(reports)).toEqual([]);
  });
});

describe("checks on seeded defects", () => {
  const plan = planDefects(planStudy({ ...options, defects: true }), { ...options, defects: true });
  let s: Awaited<ReturnType<typeof seededProject>>;
  let reports: QualityReport[];
  const result = (check: string): CheckResult =>
    reports.find((r) => r.dataset === "behavioral_events")!.results.find((c) => c.check === check)!;
  beforeAll(async () => {
    s = await seededProject(true);
    reports = (await checkVersions(s.project.config)).reports;
  });
  afterAll(async () => {
    await s?.project.remove();
    await s?.db.drop();
  });

  it("fail exactly the checks of the planted defects, nothing more", () => {
    expect(notPassing(reports)).toEqual([
      "behavioral_events duplicate_count(userId,eventType,timestamp,eventData)",
      "behavioral_events in_range(sessionPerformanceScore)",
      "behavioral_events no_gaps(timestamp by userId)",
      "behavioral_events relationships(userId,experimentPhase->phase_assignments)",
      "behavioral_events volume_anomaly(timestamp)",
    ]);
    expect(reports.find((r) => r.dataset === "behavioral_events")!.status).toBe("fail");
  });

  it("count the planted duplicates, on the planned day", () => {
    const r = result("duplicate_count(userId,eventType,timestamp,eventData)");
    expect(r.failing).toBe(plan.duplicates);
    const day = new Date(SEED_EPOCH_MS + plan.duplicateDay * DAY_MS).toISOString().slice(0, 10);
    expect(r.sample).toHaveLength(plan.duplicates);
    for (const row of r.sample) {
      expect(row.copies).toBe(2);
      expect(String(row.timestamp).slice(0, 10)).toBe(day);
    }
  });

  it("find the unknown phase label on the planned user", () => {
    const r = result("relationships(userId,experimentPhase->phase_assignments)");
    expect(r.failing).toBe(1);
    expect(r.sample).toEqual([
      expect.objectContaining({ userId: plan.unknownPhase!.userId, experimentPhase: "baseline_9" }),
    ]);
  });

  it("find the gap day of the planned participant", () => {
    const r = result("no_gaps(timestamp by userId)");
    expect(r.sample).toEqual([{ userId: plan.gap!.userId, day: plan.gap!.date }]);
    expect(r.failing).toBe(1);
  });

  it("flag the planted low-volume day, and no other day", () => {
    const r = result("volume_anomaly(timestamp)");
    expect(r).toMatchObject({ status: "warn", failing: 1 });
    expect(r.sample).toEqual([expect.objectContaining({ day: plan.lowVolume.date })]);
    expect(r.sample[0]!.rows as number).toBeLessThan((r.sample[0]!.expected as number) / 5);
  });

  it("find the out-of-range score", () => {
    const r = result("in_range(sessionPerformanceScore)");
    expect(r.failing).toBe(1);
    expect(r.sample).toEqual([expect.objectContaining({ sessionPerformanceScore: plan.outOfRange.score })]);
  });

  it("were already marked at ingest, and the version was kept", () => {
    const events = s.ingested.find((r) => r.dataset === "behavioral_events")!;
    expect(events.stored).toBe(true);
    expect(events.quality!.status).toBe("fail");
    expect(
      events
        .quality!.checks.filter((c) => c.status !== "pass")
        .map((c) => c.check)
        .sort(),
    ).toEqual(notPassing(reports).map((n) => n.replace("behavioral_events ", "")));
  });
});
