import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { planDefects, type DefectPlan } from "../../loaders/seed/defects.ts";
import { allocate, generateDay } from "../../loaders/seed/events.ts";
import { seedDatabase } from "../../loaders/seed/load.ts";
import { DAY_MS, DEFAULT_SEED_OPTIONS, planStudy, SEED_EPOCH_MS, type SeedOptions } from "../../loaders/seed/plan.ts";
import { createTestDatabase, withTestDatabase, type TestDatabase } from "../util/pg.ts";
import { tables } from "./_tables.ts";

const options: SeedOptions = { ...DEFAULT_SEED_OPTIONS, users: 12, days: 40, events: 5000, defects: true };
const t = tables("pascal");

describe("seeding with defects", () => {
  const plan: DefectPlan = planDefects(planStudy(options), options);
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
    const result = await seedDatabase(db.sql, options, "pascal");
    expect(result.defects).toEqual(plan);
  });
  afterAll(async () => {
    await db?.drop();
  });

  it("plans every kind of defect for these options", () => {
    expect(plan.duplicates).toBeGreaterThan(0);
    expect(plan.gap).not.toBeNull();
    expect(plan.unknownPhase).not.toBeNull();
  });

  it("plants exactly the planned number of duplicate events", async () => {
    const rows = await db.sql.unsafe<{ n: number; day: string }[]>(`
      SELECT count(*)::int AS n, to_char(timestamp AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day
      FROM ${t.events} GROUP BY "userId", "eventType", timestamp, "eventData" HAVING count(*) > 1`);
    expect(rows.reduce((sum, r) => sum + r.n - 1, 0)).toBe(plan.duplicates);
    const duplicateDate = new Date(SEED_EPOCH_MS + plan.duplicateDay * DAY_MS).toISOString().slice(0, 10);
    for (const r of rows) expect(r.day).toBe(duplicateDate);
  });

  it("plants the unknown phase label once, on the planned user", async () => {
    const rows = await db.sql.unsafe(`SELECT "userId" FROM ${t.events} WHERE "experimentPhase" = $1`, [
      plan.unknownPhase!.label,
    ]);
    expect(rows.map((r) => r.userId)).toEqual([plan.unknownPhase!.userId]);
    const [known] = await db.sql.unsafe(`SELECT count(*)::int AS n FROM ${t.phases} WHERE "phaseLabel" = $1`, [
      plan.unknownPhase!.label,
    ]);
    expect(known!.n).toBe(0);
  });

  it("plants one out-of-range score", async () => {
    const rows = await db.sql.unsafe(`SELECT "sessionPerformanceScore" AS score FROM ${t.events}
      WHERE "sessionPerformanceScore" NOT BETWEEN 0 AND 100`);
    expect(rows.map((r) => r.score)).toEqual([plan.outOfRange.score]);
  });

  it("keeps a tenth of the low-volume day's events, and one of each participant active that day", async () => {
    const low = plan.lowVolume;
    const users = planStudy(options);
    const clean = generateDay(users, allocate(users, options), low.day, options).events;
    const rows = await db.sql.unsafe<{ userId: string }[]>(
      `SELECT "userId" FROM ${t.events} WHERE timestamp >= $1::date AND timestamp < $1::date + 1`,
      [low.date],
    );
    expect(rows).toHaveLength(Math.round(clean.length / 10));
    const participants = new Set(low.participants);
    const active = new Set(clean.map((e) => e.userId as string).filter((u) => participants.has(u)));
    expect(active.size).toBeGreaterThan(0);
    for (const user of active)
      expect(
        rows.some((r) => r.userId === user),
        user,
      ).toBe(true);
  });

  it("leaves the gap day of the planned user without events, between active days", async () => {
    const gap = plan.gap!;
    const rows = await db.sql.unsafe<{ day: string; n: number }[]>(
      `SELECT to_char(timestamp AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day, count(*)::int AS n FROM ${t.events}
       WHERE "userId" = $1 AND timestamp >= $2::date - 1 AND timestamp < $2::date + 2 GROUP BY 1 ORDER BY 1`,
      [gap.userId, gap.date],
    );
    const days = rows.map((r) => r.day);
    expect(days).not.toContain(gap.date);
    // The participant is active every protocol day, so the neighbours hold events and the gap is a real hole.
    expect(days).toHaveLength(2);
    const [protocol] = await db.sql.unsafe(`SELECT "userId" FROM ${t.protocols} WHERE id = $1`, [gap.protocolId]);
    expect(protocol!.userId).toBe(gap.userId);
  });
});

describe("defects that fall on the same day", () => {
  // With these options the unknown label lands on the duplicate day; the relabelled event must not be one of the
  // duplicated ones, or the label would be planted twice.
  const options: SeedOptions = { ...DEFAULT_SEED_OPTIONS, users: 12, days: 40, events: 5000, seed: 23, defects: true };
  const label = planDefects(planStudy(options), options).unknownPhase!.label;

  it("are possible: the first participant's second phase starts on the duplicate day", () => {
    const participant = planStudy(options).find((u) => u.protocol)!;
    expect(participant.protocol!.phases[1]!.startDay).toBe(Math.floor(options.days / 2));
  });

  it("still plant the unknown phase label once", async () => {
    await withTestDatabase(async (db) => {
      await seedDatabase(db.sql, options, "pascal");
      const [row] = await db.sql.unsafe(`SELECT count(*)::int AS n FROM ${t.events} WHERE "experimentPhase" = $1`, [
        label,
      ]);
      expect(row!.n).toBe(1);
    });
  });
});
